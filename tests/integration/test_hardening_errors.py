"""Error pages that never fail: after a failed flush, and while the database cannot be used.

The portal answers in its own words and layout; never with the server's bare "Internal Server
Error" (werkzeug's page), which tells a requester nothing about what to do next.
"""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.models import User
from tests.conftest import free_port

BARE_PAGE = "Internal Server Error"
UNAVAILABLE_FI = "Palvelu on tilapäisesti poissa käytöstä"
UNAVAILABLE_EN = "The portal is temporarily unavailable"


def outage_url(db_backend: str, failure: str, tmp_path) -> str:
    """A database URL of this backend that fails the way a real outage does."""
    url = sa.engine.make_url(db_backend)
    if url.get_backend_name() == "sqlite":
        if failure == "unreachable":
            return f"sqlite:///{tmp_path / 'gone' / 'portal.sqlite3'}"
        # Root reads any file whatever its mode, so "unreadable" is a file that is no database.
        damaged = tmp_path / "damaged.sqlite3"
        damaged.write_bytes(b"\x00not a database\x00" * 512)
        return f"sqlite:///{damaged}"
    if failure == "unreachable":
        # A loopback port that nothing listens on: the connection is refused.
        return url.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)
    return url.set(database=f"missing_{free_port()}").render_as_string(hide_password=False)


@pytest.fixture
def during_outage(client, make_app, db_backend, tmp_path):
    """A client of the same portal, with the same session cookie, whose database is down."""

    def make(failure: str = "unreachable"):
        broken = make_app(
            SQLALCHEMY_DATABASE_URI=outage_url(db_backend, failure, tmp_path),
            PROPAGATE_EXCEPTIONS=False,
        )
        other = broken.test_client()
        cookie = client.get_cookie("session")
        if cookie is not None:
            other.set_cookie("session", cookie.value)
        return other

    return make


def assert_portal_page(response, code: int, *texts: str) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == code, page
    assert BARE_PAGE not in page
    assert "Traceback" not in page
    for text in texts:
        assert text in page
    return page


# A failed flush ---------------------------------------------------------------------------------


def test_a_session_left_in_a_failed_flush_still_gets_the_500_page(
    app, client, db, make_user, login
):
    from portal.extensions import db as portal_db

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test/half-saved")
    def half_saved():
        portal_db.session.add(User(email="maija@example.fi", name="Kaksoisolento"))
        # The bug under test: the failed flush is swallowed and no rollback follows.
        with contextlib.suppress(IntegrityError):
            portal_db.session.flush()
        portal_db.session.scalar(sa.select(User).limit(1))  # PendingRollbackError
        return "unreachable"

    make_user()
    login()
    response = client.get("/test/half-saved")
    page = assert_portal_page(response, 500, "Virhe 500", "Meillä tapahtui virhe")
    assert "Tietosuojapyynnöt" in page  # the portal's own layout
    assert response.headers["Cache-Control"] == "no-store"
    # The half-done row went with the rollback, and the person is still signed in.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert client.get("/account").status_code == 200


def test_a_mistake_in_sql_is_a_500_not_an_outage(app, client, make_user, login):
    from portal.extensions import db as portal_db

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test/bad-sql")
    def bad_sql():
        portal_db.session.execute(sa.text("SELECT no_such_column FROM no_such_table"))
        return "unreachable"

    make_user()
    login()
    assert_portal_page(client.get("/test/bad-sql"), 500, "Virhe 500")
    assert client.get("/account").status_code == 200


def test_an_error_page_that_cannot_be_drawn_still_answers_in_the_portals_words(
    app, client, monkeypatch
):
    import portal.errors

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test/boom")
    def boom():
        raise RuntimeError("secret internals")

    def broken_template(*args, **kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr(portal.errors, "render_template", broken_template)
    page = assert_portal_page(client.get("/test/boom"), 500, "Virhe 500", "Error 500")
    assert "secret internals" not in page


# The database cannot be used --------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["unreachable", "unreadable"])
@pytest.mark.parametrize("url", ["/account", "/requests/", "/ei-ole-olemassa"])
def test_signed_in_pages_during_an_outage_get_the_503_page(
    app, make_user, login, during_outage, failure, url
):
    make_user()
    login()
    response = during_outage(failure).get(url)
    page = assert_portal_page(response, 503, "Virhe 503", UNAVAILABLE_FI)
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert '<html lang="fi">' in page
    assert app.extensions["notice"].contact_person.email in page  # who to write to meanwhile


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected", "lang"),
    [
        ("en", None, UNAVAILABLE_EN, "en"),
        (None, "en-GB,en;q=0.8", UNAVAILABLE_EN, "en"),
        ("fi", "en", UNAVAILABLE_FI, "fi"),
        # The account says English, but only the database knows that: Finnish, the default.
        (None, None, UNAVAILABLE_FI, "fi"),
    ],
)
def test_the_503_page_speaks_the_language_known_without_the_database(
    make_user, login, during_outage, cookie, accept_language, expected, lang
):
    make_user(locale="en")
    login()
    outage_client = during_outage()
    if cookie:
        outage_client.set_cookie("lang", cookie)
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = assert_portal_page(outage_client.get("/account", headers=headers), 503, expected)
    assert f'<html lang="{lang}">' in page


def test_signing_in_during_an_outage_gets_the_503_page(during_outage):
    from tests.conftest import submit

    response = submit(
        during_outage(),
        "/login",
        {"email": "maija@example.fi", "password": "kettu juoksee metsässä"},
    )
    assert_portal_page(response, 503, UNAVAILABLE_FI)


def test_a_database_connection_terminated_mid_request_gets_the_503_page_and_recovers(
    app, client, db, db_backend, make_user, login
):
    if sa.engine.make_url(db_backend).get_backend_name() != "postgresql":
        pytest.skip("terminating a server backend needs PostgreSQL")
    from portal.extensions import db as portal_db

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test/terminated")
    def terminated():
        assert current_user.is_authenticated
        # What an administrator's pg_terminate_backend or a server restart does to a request.
        portal_db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return "unreachable"

    make_user()
    login()
    response = client.get("/test/terminated")
    assert_portal_page(response, 503, UNAVAILABLE_FI)
    assert int(response.headers["Retry-After"]) > 0
    # The pool replaces the dead connection: the next page works again.
    assert client.get("/account").status_code == 200
