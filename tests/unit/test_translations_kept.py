"""The request's translations are found once and kept (portal.i18n.RequestDomain, issue 14), yet
every message is still in the language in force where it is written: a Swedish email sent while a
Finnish page is drawn, the page after it, a form label, a template, a language changed mid-request.
"""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale, refresh
from flask_babel import gettext as babel_gettext

from portal import create_app
from portal.i18n import gettext, lazy_gettext

# The catalogues' own words for "Open" (the queue's tab), read from the .po files by hand.
OPEN = {"fi": "Avoimet", "sv": "Öppna", "en": "Open"}


@pytest.fixture
def app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def drawn(text: str) -> str:
    return render_template_string("{{ _('Open') }}|{{ gettext('Open') }}|" + text)


def test_a_forced_language_holds_inside_and_the_page_language_returns_after(app):
    label = lazy_gettext("Open")
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        assert gettext("Open") == OPEN["fi"]
        assert drawn("{{ _('%(n)s%%', n=5) }}") == "Avoimet|Avoimet|5%"
        with force_locale("sv"):
            # An email to a Swedish requester, written while the Finnish page is drawn.
            assert gettext("Open") == OPEN["sv"]
            assert babel_gettext("Open") == OPEN["sv"]
            assert str(label) == OPEN["sv"]
            assert drawn("") == "Öppna|Öppna|"
            with force_locale("en"):
                assert gettext("Open") == OPEN["en"]
            assert gettext("Open") == OPEN["sv"]
        assert gettext("Open") == OPEN["fi"]
        assert str(label) == OPEN["fi"]
        assert drawn("") == "Avoimet|Avoimet|"


def test_each_request_has_its_own_language(app):
    for language in ("sv", "fi", "en", "sv"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert gettext("Open") == OPEN[language]
            assert drawn("") == f"{OPEN[language]}|{OPEN[language]}|"


def test_a_language_chosen_mid_request_is_followed_after_refresh(app):
    # Signing in loads the account's saved language: Flask-Babel's refresh() drops the locale.
    with app.test_request_context("/", headers={"Accept-Language": "fi"}) as context:
        assert gettext("Open") == OPEN["fi"]
        context.request.environ["HTTP_ACCEPT_LANGUAGE"] = "sv"
        context.request.__dict__.pop("accept_languages", None)
        refresh()
        assert gettext("Open") == OPEN["sv"]
        assert drawn("") == "Öppna|Öppna|"


def test_a_percent_sign_reads_as_jinja_writes_it(app):
    # Jinja's newstyle gettext formats every message: "%%" is one "%", and markup is escaped.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('100%%') }}") == "100%"
        assert render_template_string("{{ _('no sign') }}") == "no sign"
        assert render_template_string("{{ _('a %(x)s', x='<b>') }}") == "a &lt;b&gt;"
