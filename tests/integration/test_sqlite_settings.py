"""SQLite as the portal keeps it outside the tests: a write-ahead log, synced at each commit
(issue 14: a commit waits for one sync instead of the rollback journal's several)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db


@pytest.mark.parametrize("level", ["FULL", "NORMAL"])
def test_a_sqlite_file_is_in_wal_mode_with_the_configured_sync(tmp_path, level):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SQLITE_WAL": True,
            "SQLITE_SYNCHRONOUS": level,
        }
    )
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("PRAGMA journal_mode")) == "wal"
            # 2 is FULL, 1 NORMAL (https://sqlite.org/pragma.html#pragma_synchronous)
            assert (
                connection.scalar(sa.text("PRAGMA synchronous")) == {"FULL": 2, "NORMAL": 1}[level]
            )
        db.engine.dispose()


def test_an_unknown_sync_level_stops_start_up(tmp_path):
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "SQLITE_WAL": True,
        "SQLITE_SYNCHRONOUS": "SOMETIMES",
    }
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app(settings)


def test_the_tests_keep_the_rollback_journal(app):
    # The outage tests lock the file; in WAL mode a lock would not stop the worker's reads.
    assert app.config["SQLITE_WAL"] is False
