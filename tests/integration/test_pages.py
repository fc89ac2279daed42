"""Pages: Finnish first, English complete, error pages in the layout, nothing from other hosts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

import pytest
from babel.messages.pofile import read_po

from config import Config
from tests.conftest import REPO_ROOT, submit


def test_portal_is_in_finnish_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fi">' in page
    assert "Tietosuojaseloste" in page
    assert "Ville Kärpijoki" in page


def test_accept_language_chooses_english(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Privacy notice" in page


def test_language_switch_is_remembered(client):
    response = submit(client, "/language", {"lang": "en", "next": "/privacy-notice"}, page="/")
    assert response.headers["Location"] == "/privacy-notice"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    # Even against the browser's preference.
    page = client.get("/", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_language_switch_is_saved_on_the_account(client, db, make_user, login):
    from portal.models import User

    user = make_user()
    login()
    submit(client, "/language", {"lang": "en", "next": "/"}, page="/")
    assert db.session.get(User, user.id).locale == "en"


def test_language_switch_does_not_redirect_elsewhere(client):
    response = submit(
        client, "/language", {"lang": "en", "next": "https://evil.example/"}, page="/"
    )
    assert response.headers["Location"] == "/"


def test_landing_page_explains_the_rights_of_notice_section_9(client):
    page = client.get("/").get_data(as_text=True)
    for right in (
        "tarkastaminen",
        "korjaaminen",
        "poistaminen",
        "rajoittaminen",
        "vastustaminen",
        "Suoramarkkinoinnin",
        "Suostumuksen",
    ):
        assert right in page
    assert "Tietosuojavaltuutetun toimisto" in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fi",
            [
                "Tietosuoja",
                "Rekisterinpitäjä",
                "Ansiotie 14, 21500 Piikkiö",
                "ville@wprod.fi",
                "Asiakasrekisteri",
                "Laskutustiedot",
                "Rekisteröidyn oikeudet",
                "kirjanpitolain edellyttämä vähimmäisaika",
            ],
        ),
        (
            "en",
            [
                "Privacy",
                "Controller",
                "ville@wprod.fi",
                "Customer register",
                "Billing data",
                "This is a translation.",
                "Read the original in Finnish",
            ],
        ),
        (
            "sv",
            [
                "Dataskydd",
                "Personuppgiftsansvarig",
                "ville@wprod.fi",
                "Kundregister",
                "Faktureringsuppgifter",
                "Detta är en översättning.",
                "Läs originalet på finska",
            ],
        ),
    ],
)
def test_privacy_notice_page(client, language, expected):
    client.set_cookie("lang", language)
    page = client.get("/privacy-notice").get_data(as_text=True)
    for text in expected:
        assert text in page


@pytest.mark.parametrize(("url", "code"), [("/ei-ole-olemassa", 404), ("/admin/outbox", 403)])
def test_error_pages_are_in_the_layout(client, make_user, login, url, code):
    make_user()
    login()
    response = client.get(url)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert "Tietosuojapyynnöt" in page
    assert f"Virhe {code}" in page


def test_server_error_page_has_no_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret internals" not in page
    assert "Traceback" not in page
    assert "Virhe 500" in page


def test_too_many_attempts_get_a_429_page(make_app):
    from portal.extensions import limiter

    client = make_app(RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="2 per minute").test_client()
    limiter.reset()
    responses = [
        submit(client, "/login", {"email": "a@example.fi", "password": "x"}) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert "Liian monta yritystä" in responses[2].get_data(as_text=True)
    limiter.reset()


def test_nothing_is_loaded_from_another_host(client, make_user, login):
    pages = ["/", "/privacy-notice", "/register", "/login", "/forgot-password"]
    make_user()
    login()
    pages += ["/account", "/account/password"]
    for url in pages:
        response = client.get(url)
        html = response.get_data(as_text=True)
        external = [s for s in re.findall(r"<(?:link|script|img)[^>]+>", html) if "//" in s]
        assert external == [], (url, external)
        assert "<script" not in html  # every page works without JavaScript
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_dates_are_shown_in_helsinki_time(app, client, db, make_user, login):
    from portal.models import User

    user = make_user()
    # 22:30 UTC on 31 Dec is already 1 Jan in Helsinki (UTC+2).
    stored = db.session.get(User, user.id)
    stored.created_at = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    db.session.commit()
    login()
    page = client.get("/account").get_data(as_text=True)
    assert "1.1.2027" in page
    assert "0.30" in page


# Every language but English, the language of the code, has a catalog that must be complete.
TRANSLATED = [code for code in Config.LANGUAGES if code != "en"]


def _catalog(language: str):
    path = REPO_ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh)


@cache
def _strings_of_the_code() -> frozenset[str]:
    from babel.messages.extract import extract_from_dir

    method_map = [
        ("portal/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT),
        method_map=method_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "_l": None,
            "lazy_gettext": None,
        },
    ):
        found.add(message if isinstance(message, str) else message[0])
    return frozenset(found)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation(language):
    def untranslated(message) -> bool:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return not all(strings) or message.fuzzy

    missing = [m.id for m in _catalog(language) if m.id and untranslated(m)]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_holds_every_string_of_the_code(language):
    """A string marked for translation but never extracted would show in English to Finns
    and to Swedish speakers."""
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
    assert sorted(_strings_of_the_code() - known) == []
