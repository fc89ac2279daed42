"""Language choice: Finnish first, Swedish (Finland's other national language) and English.

The language is the signed-in person's saved choice, else the language cookie set by the switch,
else the browser's Accept-Language, else Finnish.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Domain, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

LANGUAGE_COOKIE = "lang"
# Each language by its own name, as the switch and the profile form offer it.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def supported(value: str | None) -> str | None:
    if value and value in current_app.config["LANGUAGES"]:
        return value
    return None


def language_choices() -> list[SelectChoice]:
    """The portal's languages for a form, read when the form is drawn (``LANGUAGES``)."""
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


def browser_language(header_values, languages, default: str) -> str:
    """The first language the browser accepts that the portal speaks.

    Ranges are taken by quality, and in the header's order where equal; a regional range counts
    as its language ("sv-FI" is Swedish). Werkzeug's ``best_match`` is not used: it prefers any
    exact match of a lower quality to a regional one ("fi-FI, en;q=0.5" gave English), and among
    equal qualities it takes the portal's order, not the browser's.
    """
    ranked = sorted(enumerate(header_values), key=lambda item: (-item[1][1], item[0]))
    for _index, (value, quality) in ranked:
        if quality <= 0:
            break
        if value == "*":
            return default
        language = value.replace("_", "-").split("-", 1)[0].lower()
        if language in languages:
            return language
    return default


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        chosen = supported(current_user.locale)
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    return browser_language(
        request.accept_languages,
        current_app.config["LANGUAGES"],
        current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


class RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the context's translations once found.

    Flask-Babel looks the translations up again on every message (the context three times, the
    locale turned into a string, a dictionary key): 16 µs a message, and a staff page translates
    400 or more, a third of the page's time (issue 14). They are kept beside the locale they were
    found for, so ``force_locale`` and ``refresh``, which replace or remove the locale, are
    followed at once.
    """

    def get_translations(self):
        app_context = _cv_app.get(None)
        state = app_context.g.__dict__.get("_flask_babel") if app_context else None
        if state is not None:
            kept = state.__dict__.get("portal_translations")
            if kept is not None and kept[0] is state.__dict__.get("babel_locale"):
                return kept[1]
        translations = super().get_translations()
        if app_context is not None:
            state = app_context.g._flask_babel
            state.portal_translations = (state.__dict__.get("babel_locale"), translations)
        return translations


# The one domain every message goes through: Python's gettext and lazy_gettext below, Flask-Babel's
# own (which asks its Babel object for it) and the templates'.
DOMAIN = RequestDomain()


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, without its three context lookups per message."""
    translated = DOMAIN.get_translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """A message translated when it is shown (form labels, defined before any request)."""
    return LazyString(gettext, string, **variables)


@pass_context
def template_gettext(context, string: str, **variables) -> str:
    """The templates' ``_()`` and ``gettext()``: Jinja's newstyle gettext in one call.

    Jinja formats every message, variables or none, so "%%" always reads "%"; this does the same
    and skips the formatting (3–4 µs) only where the message holds no "%".
    """
    translated = DOMAIN.get_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        # The catalogue is ours, as in Jinja's own gettext; the variables are escaped by "%".
        translated = Markup(translated)  # noqa: S704
    if variables or "%" in translated:
        return translated % variables
    return translated


def init_app(app: Flask, babel) -> None:
    babel.domain_instance = DOMAIN
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: DOMAIN.get_translations().ugettext(s),
        ngettext=lambda s, p, n: DOMAIN.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: DOMAIN.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: DOMAIN.get_translations().unpgettext(c, s, p, n),
    )
    # "_" is otherwise an alias that looks "gettext" up in the template's context on each call.
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
