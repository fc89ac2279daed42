"""`flask outbox send` during a database outage: a one-off run says so in one line and fails (the
timer tries again); a running sender waits the outage out instead of dying with a traceback."""

from __future__ import annotations

import pytest

from config import ConfigError


@pytest.fixture
def runner_without_database(make_app, tmp_path):
    # A database file that cannot be opened: what a server sees when the disk or the mount is gone.
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'portal.db'}")
    return app.test_cli_runner()


def test_a_one_off_run_reports_the_outage_in_a_line(runner_without_database):
    result = runner_without_database.invoke(args=["outbox", "send"])

    assert result.exit_code == 1
    assert "the database is unavailable, nothing was sent" in result.output
    assert "Traceback" not in result.output


def test_a_running_sender_outlives_the_outage(runner_without_database):
    result = runner_without_database.invoke(
        args=["outbox", "send", "--for", "1.5", "--interval", "0.2"]
    )

    assert result.exit_code == 0, result.output


def test_production_refuses_a_delivery_deadline_as_long_as_the_claim():
    from config import ProductionConfig
    from tests.unit.test_config_secrets import production_settings

    ProductionConfig.check_mapping(production_settings(MAIL_DELIVERY_DEADLINE=60))
    with pytest.raises(ConfigError, match="MAIL_DELIVERY_DEADLINE"):
        ProductionConfig.check_mapping(
            production_settings(MAIL_DELIVERY_DEADLINE=300, OUTBOX_CLAIM_SECONDS=300)
        )
