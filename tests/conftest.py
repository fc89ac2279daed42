"""Shared fixtures: an app per test on a migrated database, a real SMTP sink on loopback.

The suite runs on SQLite, and also on PostgreSQL when TEST_DATABASE_URL is set: every test that
uses the database runs once per backend. The schema is built only by the Alembic migrations.
"""

from __future__ import annotations

import email
import os
import re
import secrets
import socket
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from config import database_url

BACKENDS_RAN: set[str] = set()


# Database backends -----------------------------------------------------------------------------


def _backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        names.append("postgresql")
    return names


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", _backends(), indirect=True, scope="session")


def pytest_report_header(config):
    return f"database backends: {', '.join(_backends())}"


def pytest_terminal_summary(terminalreporter):
    ran = ", ".join(sorted(BACKENDS_RAN)) or "none"
    terminalreporter.write_line(f"database backends that ran: {ran}")


@pytest.fixture(scope="session")
def db_backend(request, tmp_path_factory):
    """The URL of a database of this backend, built by the migrations, private to this run."""
    from flask_migrate import upgrade

    from portal import create_app

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        cleanup = None
    else:
        base = database_url(os.environ["TEST_DATABASE_URL"])
        schema = f"test_{secrets.token_hex(6)}"
        engine = sa.create_engine(base)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        url = f"{base}{separator}options=-csearch_path%3D{schema}"

        def cleanup():
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from portal.extensions import db

        db.engine.dispose()
    BACKENDS_RAN.add(request.param)
    yield url
    if cleanup:
        cleanup()


def _empty_tables(app) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


# SMTP sink -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # as they came over the wire
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"

    def start(self) -> SMTPSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(smtp_sink):
    smtp_sink.messages.clear()
    smtp_sink.raw.clear()
    return smtp_sink


# The app ---------------------------------------------------------------------------------------


@pytest.fixture
def app_settings(db_backend, smtp_sink, tmp_path) -> dict:
    """Settings for this test's app; a test may change them before asking for ``app``."""
    return {
        "SQLALCHEMY_DATABASE_URI": db_backend,
        "MAIL_PORT": smtp_sink.port,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }


@pytest.fixture
def app(app_settings):
    from portal import create_app

    app = create_app(app_settings)
    yield app
    _empty_tables(app)


@pytest.fixture
def make_app(app_settings):
    """Another app on this test's database, with changed settings; its engine is closed after."""
    from portal import create_app
    from portal.extensions import db

    made = []

    def make(**changes):
        made.append(create_app({**app_settings, **changes}))
        return made[-1]

    yield make
    if made:
        # A test that uses only made apps (a `flask demo seed`, say) leaves nothing behind for
        # the next test either; through this test's own settings, since a made app may point at
        # a proxy that is gone by now (the outage tests).
        _empty_tables(create_app(app_settings))
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app, db_backend):
    """The database as an auditor sees it, for assertions: its own engine and session.

    It pushes no app context, so the requests and commands a test runs each get their own, as
    they do in production.
    """
    engine = sa.create_engine(db_backend)
    session = Session(engine, expire_on_commit=True)
    yield SimpleNamespace(session=session)
    session.close()
    engine.dispose()


# Helpers ---------------------------------------------------------------------------------------

CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def submit(client, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """Post a form the way a browser does: load the page, take its CSRF token, send."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(html), **(data or {})}, **kwargs)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message: EmailMessage, contains: str = "") -> str:
    links = [u for u in URL_PATTERN.findall(text_of(message)) if contains in u]
    assert links, f"no link containing {contains!r} in: {text_of(message)}"
    return links[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def deliver(app):
    """Run the mail sender once, as `flask outbox send` does, now or at a given moment."""
    from portal.mail import deliver_due

    def run(now=None):
        with app.app_context():
            return deliver_due(now=now)

    return run


@pytest.fixture
def make_user(app):
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.models import Role, User, utcnow

    def make(
        email: str = "maija@example.fi",
        password: str = "kettu juoksee metsässä",
        *,
        name: str = "Maija Meikäläinen",
        role: Role = Role.REQUESTER,
        confirmed: bool = True,
        locale: str = "fi",
        totp: bool | None = None,
    ) -> User:
        """``totp``: enrol a second factor with a known secret (default: staff and admins do)."""
        import pyotp

        if totp is None:
            totp = role is not Role.REQUESTER
        with app.app_context():
            user = User(
                email=email,
                name=name,
                role=role,
                locale=locale,
                password_hash=hash_password(password),
                email_confirmed_at=utcnow() if confirmed else None,
                totp_secret=pyotp.random_base32() if totp else None,
                totp_enrolled_at=utcnow() if totp else None,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


def totp_code(app, email: str, *, later: bool = False) -> str:
    """A code the account's authenticator app would show: the first time step not used yet
    (codes cannot be replayed), or with ``later`` one past the current step. When a test has
    used every code of this moment, the clock moves on (the account forgets its last step), as
    if the person waited for the next code."""
    import time

    import pyotp
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        totp = pyotp.TOTP(user.totp_secret)
        now = totp.timecode(time.time())
        # Never the previous step: on a slow machine the clock can pass the next step boundary
        # before the server checks the code, and then that code is out of the accepted window.
        candidates = [now + 1] if later else [now, now + 1]
        last = user.totp_last_counter
        usable = [c for c in candidates if last is None or c > last]
        if not usable:
            user.totp_last_counter = candidates[0] - 1
            db.session.commit()
            usable = candidates
        return totp.generate_otp(usable[0])


def sign_in(client, email: str, password: str, **extra):
    """Sign in through the pages, entering the second factor's code when it is asked for."""
    response = submit(client, "/login", {"email": email, "password": password, **extra})
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        code = totp_code(client.application, email)
        response = submit(client, "/login/code", {"code": code})
    return response


@pytest.fixture
def login(client):
    def sign_in_here(email: str = "maija@example.fi", password: str = "kettu juoksee metsässä"):
        response = sign_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in_here


REPO_ROOT = Path(__file__).resolve().parent.parent
