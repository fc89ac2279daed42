"""Start-up rules: configuration, the notice file, and migrations that match the models."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import database_url
from portal import create_app
from portal.notice import NoticeError
from tests.conftest import REPO_ROOT

PRODUCTION_SETTINGS = {
    "SECRET_KEY": "qm1Uio2rtAEi0nM2i0xSFNNQcuo7czPf8Jfki1UT",
    "DATABASE_URL": "sqlite://",
    "PORTAL_BASE_URL": "https://tietosuoja.wprod.fi",
    "MAIL_SERVER": "smtp.wprod.fi",
    "MAIL_DEFAULT_SENDER": "WProd Oy <tietosuoja@wprod.fi>",
}


def start_production(tmp_path, **changes) -> subprocess.CompletedProcess:
    """Start the app the way a server does: a fresh process with only these settings."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_DIR": str(tmp_path),
    }
    for name, value in {**PRODUCTION_SETTINGS, **changes}.items():
        if value is not None:
            env[name] = value
    code = (
        "from portal import create_app\n"
        "app = create_app()\n"
        "print('started', app.config['SESSION_COOKIE_SECURE'], sorted(app.blueprints))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "PORTAL_BASE_URL", "MAIL_SERVER", "MAIL_DEFAULT_SENDER"],
)
def test_production_refuses_to_start_without_a_setting(tmp_path, missing):
    result = start_production(tmp_path, **{missing: None})
    assert result.returncode != 0
    assert "ConfigError" in result.stderr
    assert missing in result.stderr
    assert "README" in result.stderr


def test_production_starts_with_its_settings_and_has_no_mailbox_page(tmp_path):
    result = start_production(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("started True")
    assert "devmail" not in result.stdout


def test_production_refuses_a_short_secret_key(tmp_path):
    result = start_production(tmp_path, SECRET_KEY="lyhyt")
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 32 characters" in result.stderr


def test_mailbox_page_exists_only_in_development(client):
    assert client.get("/dev/mailbox/").status_code == 404
    assert "devmail" in create_app("development").blueprints


def test_postgres_urls_use_psycopg3():
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_malformed_notice_stops_start_up_naming_the_field(tmp_path, app, app_settings):
    from pathlib import Path

    source = Path(app.config["NOTICE_FILE"]).read_text(encoding="utf-8")
    broken = tmp_path / "notice.toml"
    broken.write_text(source.replace('phone = "+358 50 445 1002"\n', ""), encoding="utf-8")
    with pytest.raises(NoticeError) as error:
        create_app({**app_settings, "NOTICE_FILE": str(broken)})
    assert "controller.phone" in str(error.value)


def test_another_controller_points_at_its_own_notice(tmp_path, app, make_app):
    from pathlib import Path

    source = Path(app.config["NOTICE_FILE"]).read_text(encoding="utf-8")
    other = tmp_path / "other.toml"
    # The systems' schema files go with the notice that names them.
    for schema in Path(app.config["NOTICE_FILE"]).parent.glob("wprod-*.toml"):
        (tmp_path / schema.name).write_bytes(schema.read_bytes())
    other.write_text(
        source.replace('name = "WProd Oy"', 'name = "Toinen Oy"')
        .replace("Ville Kärpijoki", "Tiina Tietosuoja")
        .replace("ville@wprod.fi", "tiina@toinen.fi"),
        encoding="utf-8",
    )
    page = make_app(NOTICE_FILE=str(other)).test_client().get("/").get_data(as_text=True)
    assert "Toinen Oy" in page
    assert "Tiina Tietosuoja" in page
    assert "WProd" not in page


def test_models_and_migrations_agree(app, db_backend):
    """The schema the migrations build is exactly the one the models describe."""
    from portal.extensions import db
    from portal.subject_requests.search import include_name

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # The search table is the migrations' own (on SQLite an FTS5 virtual table).
                "include_name": include_name,
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_schema_is_built_only_by_migrations(app):
    from portal.extensions import db

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert "alembic_version" in tables
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_migrations_downgrade_and_upgrade_again(db_backend, tmp_path):
    """Every migration can be undone and redone on both backends."""
    from flask_migrate import downgrade, upgrade

    from portal.extensions import db

    if db_backend.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
        schema = None
    else:
        import secrets

        schema = f"roundtrip_{secrets.token_hex(4)}"
        engine = sa.create_engine(db_backend)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        # The run's URL sets search_path to its own schema; point it at this one instead.
        url = db_backend.rsplit("search_path%3D", 1)[0] + f"search_path%3D{schema}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "subject_request" in sa.inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        if schema:
            engine = sa.create_engine(db_backend)
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
