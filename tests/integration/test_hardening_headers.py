"""Response headers: HSTS in production, no stored copies of personal pages, no plug-ins, and
downloads whose Content-Type a client can parse."""

from __future__ import annotations

import io
import re
import secrets

import pytest
import sqlalchemy as sa

from portal.models import Attachment
from tests.conftest import csrf_token


@pytest.fixture
def production_app(monkeypatch, db_backend):
    """The app as a server starts it (PORTAL_ENV=production), with its required settings."""
    from config import ProductionConfig
    from portal import create_app
    from portal.extensions import db

    settings = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SQLALCHEMY_DATABASE_URI": db_backend,
        "PORTAL_BASE_URL": "https://tietosuoja.wprod.fi",
        "MAIL_SERVER": "smtp.wprod.fi",
        "MAIL_DEFAULT_SENDER": "WProd Oy <tietosuoja@wprod.fi>",
    }
    for name, value in settings.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    app = create_app("production")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_tells_browsers_to_use_https_only(production_app):
    response = production_app.test_client().get("/", base_url="https://tietosuoja.wprod.fi")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "includesubdomains" in hsts.lower()


def test_development_and_tests_on_plain_http_send_no_hsts(client):
    # HSTS on 127.0.0.1 would stick in the developer's browser for every local project.
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_content_security_policy_allows_no_plugins(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "object-src 'none'" in [p.strip() for p in policy.split(";")]


def test_pages_for_a_signed_in_person_are_never_stored(client, make_user, login):
    make_user()
    login()
    for url in ["/", "/privacy-notice", "/account", "/requests/", "/ei-ole-olemassa"]:
        response = client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", url
    # The style sheet holds nothing personal and may be cached.
    css = client.get("/static/css/portal.css")
    assert "no-store" not in css.headers.get("Cache-Control", "")
    css.close()


def test_public_pages_for_a_visitor_may_be_cached(client):
    assert "no-store" not in client.get("/privacy-notice").headers.get("Cache-Control", "")


def test_every_staff_page_is_never_stored(app, staff_client):
    for url in ["/staff/", "/staff/unconfirmed", "/staff/closed", "/admin/outbox"]:
        response = staff_client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", url
    # Also the answer to someone not signed in, which sends them to sign in.
    anonymous = app.test_client().get("/staff/")
    assert anonymous.status_code == 302
    assert anonymous.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("osoite.txt", "Osoitteeni on Ansiotie 1.\n", "text/plain; charset=utf-8"),
        ("osoite.csv", "katu;numero\nAnsiotie;1\n", "text/csv; charset=utf-8"),
    ],
)
def test_text_downloads_name_their_charset_once(
    app, client, db, make_user, login, filename, content, content_type
):
    make_user()
    login()
    page = client.get("/requests/new/rectification").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    sent = client.post(
        "/requests/new/rectification",
        data={
            "csrf_token": csrf_token(page),
            "submission_key": key,
            "description": "Osoitteeni on väärin: oikea on Ansiotie 1.",
            "evidence": (io.BytesIO(content.encode()), filename),
        },
    )
    assert sent.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))

    download = client.get(f"/requests/{attachment.request_id}/files/{attachment.id}")
    assert download.get_data(as_text=True) == content
    download.close()
    assert download.headers["Content-Type"] == content_type
