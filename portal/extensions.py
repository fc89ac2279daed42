"""Extension instances, created unbound here and bound to the app in ``create_app``."""

import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def init_sqlite(app) -> None:
    """Each connection to a SQLite file in WAL mode with the configured synchronous level
    (``SQLITE_WAL``, ``SQLITE_SYNCHRONOUS``; see config.py). In-memory databases have no log."""
    if not app.config.get("SQLITE_WAL"):
        return
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    synchronous = app.config.get("SQLITE_SYNCHRONOUS", "FULL").upper()
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"SQLITE_SYNCHRONOUS: {synchronous!r} is not a SQLite level")

    @event.listens_for(engine, "connect")
    def set_pragmas(connection, _record) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        finally:
            cursor.close()


def init_mail(app) -> None:
    """Flask-Mail, bound the first time a message is built (``flask outbox send``, a case file's
    copies of the mail): Flask-Mail's message reads its settings from ``app.extensions["mail"]``.
    Importing it imports smtplib and the email package's MIME classes, in every web worker for
    mail that no web request sends (issue 14: at most 80 MB per worker)."""

    class Placeholder:
        """``app.extensions["mail"]`` until first read."""

        def __getattr__(self, name):
            if isinstance(app.extensions["mail"], Placeholder):
                from flask_mail import Mail

                # Replaces this placeholder with Flask-Mail's own state.
                Mail().init_app(app)
            return getattr(app.extensions["mail"], name)

    app.extensions["mail"] = Placeholder()


def init_migrations(app, **options) -> None:
    """Flask-Migrate, bound to the app the first time something uses it (``flask db``, or
    ``flask_migrate.upgrade()`` in the tests and the benchmark). Importing it imports Alembic,
    Mako and Pygments: 11 MB in every web worker for commands no web request runs (issue 14:
    at most 80 MB per worker)."""

    def bind():
        if isinstance(app.extensions["migrate"], Placeholder):
            from flask_migrate import Migrate

            # Replaces both placeholders below with Flask-Migrate's own objects.
            Migrate(app, db, **options)
        return app.extensions["migrate"]

    class Placeholder:
        """``app.extensions["migrate"]`` until first read."""

        def __getattr__(self, name):
            return getattr(bind(), name)

    class DbGroup(click.Group):
        """``flask db``: Flask-Migrate's command group, loaded when the command runs (its
        context is the real group's, so the group's options and callback apply)."""

        def make_context(self, info_name, args, parent=None, **extra):
            bind()
            return app.cli.commands["db"].make_context(info_name, args, parent, **extra)

    app.extensions["migrate"] = Placeholder()
    app.cli.add_command(DbGroup("db", help="Perform database migrations."))
