"""``flask systems check`` and ``flask systems find`` (issue 11, item 6), against a register of our
own beside WProd's systems: one line per system, a failing exit when a configured database has a
problem, and a read-only look-up whose record holds counts, never what was found."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent
from tests.conftest import free_port
from tests.registers import SCHEMA, build, empty_database, write_notice


@pytest.fixture
def shop_url(tmp_path):
    with empty_database("sqlite", tmp_path) as url:
        build(url, "sqlite")
        yield url


@pytest.fixture
def systems_app(make_app, tmp_path, shop_url, monkeypatch):
    """An app whose notice adds the shop; WProd's own databases are not configured here."""
    for name in (
        "WPROD_PANEL_DATABASE_URL",
        "WPROD_BILLING_DATABASE_URL",
        "TEST_SHOP_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)

    def make(schema: str = SCHEMA, url: str | None = None):
        return make_app(
            NOTICE_FILE=str(write_notice(tmp_path, schema)),
            TEST_SHOP_DATABASE_URL=url or shop_url,
            WPROD_PANEL_DATABASE_URL=None,
            WPROD_BILLING_DATABASE_URL=None,
            REGISTER_TIMEOUT=2,
        )

    return make


def run(app, *args):
    return app.test_cli_runner().invoke(args=["systems", *args], catch_exceptions=False)


def test_check_prints_one_line_per_system(systems_app):
    result = run(systems_app(), "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "shop: ok" in lines
    assert "panel: not configured (set WPROD_PANEL_DATABASE_URL)" in lines
    assert "billing: not configured (set WPROD_BILLING_DATABASE_URL)" in lines
    assert "newsletter: task (owner ville@wprod.fi)" in lines
    assert "monitoring: task (owner privacy@monitoring-provider.example.com)" in lines
    assert len(lines) == 5


def test_check_names_what_is_missing_and_fails(systems_app):
    schema = SCHEMA.replace(
        'full_name = { category = "basic_data", erase = "blank" }',
        'full_name = { category = "basic_data", erase = "blank" }\n'
        'phone = { category = "contact_persons", erase = "blank" }',
    )
    result = run(systems_app(schema), "check")
    assert result.exit_code == 1
    assert "shop: missing column members.phone" in result.output.splitlines()
    assert "shop: ok" not in result.output


def test_check_fails_when_a_database_is_down(systems_app):
    result = run(systems_app(url=f"postgresql://x@127.0.0.1:{free_port()}/shop"), "check")
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("shop:")]
    assert line.startswith("shop: unreachable (")


def test_find_prints_what_each_system_holds_and_records_only_counts(systems_app, db):
    app = systems_app()
    result = run(app, "find", "--email", "AINO.virtanen@example.com", "--username", "bertta2")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    shop = output["shop"]
    assert shop["state"] == "found"
    assert {(p["key"], tuple(p["matched_by"])) for p in shop["people"]} == {
        (1, ("email",)),
        (2, ("username",)),
    }
    assert sorted(row["login"] for row in shop["tables"]["accounts"]) == [
        "aino",
        "bertta",
        "bertta2",
    ]
    assert {row["issued_on"] for row in shop["tables"]["bills"]} >= {"2018-03-01"}
    assert shop["held_not_disclosed"] == {"accounts.secret_hash": "Stored only as a one-way hash."}
    assert "argon2" not in result.output
    assert output["panel"] == {
        "state": "misconfigured",
        "problem": "not configured (set WPROD_PANEL_DATABASE_URL)",
    }
    assert output["newsletter"] == {"state": "manual", "owner": "ville@wprod.fi"}
    # Read-only: the register is as it was.
    engine = sa.create_engine(app.config["TEST_SHOP_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM accounts")).scalar() == 4
    engine.dispose()
    # GDPR Art. 5(2) and 5(1)(c): the look-up is on record, what it found is not.
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "register_lookup")
    )
    assert event.actor_id is None and event.request_id is None
    assert event.details["via"] == "cli"
    assert event.details["looked_up_by"] == ["email", "username"]
    assert event.details["systems"]["shop"] == {
        "state": "found",
        "people": 2,
        "rows": {"members": 2, "accounts": 3, "bills": 3, "bill_lines": 4},
    }
    recorded = json.dumps(event.details).lower()
    for value in ("aino", "bertta", "virtanen", "example.com", "10001"):
        assert value not in recorded


def test_find_takes_hostile_input_without_failing(systems_app):
    result = run(
        systems_app(),
        "find",
        "--email",
        "%' OR 1=1 --",
        "--customer-number",
        "1" * 10_000,
        "--business-id",
        "_______-_",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["shop"] == {"state": "not_found"}


def test_find_says_when_a_database_is_down(systems_app):
    result = run(
        systems_app(url=f"mysql+pymysql://root@127.0.0.1:{free_port()}/shop"),
        "find",
        "--email",
        "aino.virtanen@example.com",
    )
    assert result.exit_code == 0
    shop = json.loads(result.output)["shop"]
    assert shop["state"] == "unreachable" and shop["problem"]
