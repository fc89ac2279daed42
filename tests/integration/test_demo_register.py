"""The demo customer register (issue 11, item 7): built the same on SQLite, PostgreSQL and MariaDB,
holding Aino Virtanen as the README's walkthrough describes her, once however often it is seeded.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.register.demo import NotTheDemo, build_register, row_counts
from portal.register.demo.people import MAIL_DOMAINS, business_id_check_digit
from portal.register.demo.tables import BILLING, PANEL
from tests.registers import BACKENDS, empty_database

TODAY = date(2026, 6, 15)
NOTICE_DIR = Path(__file__).resolve().parents[2] / "portal" / "notice"


# One pair of empty databases per backend ----------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def register_urls(request, tmp_path):
    """(panel URL, billing URL): two empty databases of one backend, dropped after the test."""
    with (
        empty_database(request.param, tmp_path) as panel,
        empty_database(request.param, tmp_path) as billing,
    ):
        yield panel, billing


def all_rows(panel_url: str, billing_url: str) -> dict[str, list[tuple]]:
    rows = {}
    for url, metadata in ((panel_url, PANEL), (billing_url, BILLING)):
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                rows[table.name] = [
                    tuple(row) for row in connection.execute(sa.select(table).order_by(table.c.id))
                ]
        engine.dispose()
    return rows


# Aino Virtanen, as the walkthrough and the other tests use her ------------------------------------


def test_aino_virtanen_is_in_both_databases_with_services_and_invoices(register_urls):
    panel_url, billing_url = register_urls
    built = build_register(panel_url, billing_url, today=TODAY)
    assert built.created
    assert built.counts["customers"] == built.counts["billing_customers"] == 200

    tables = {**PANEL.tables, **BILLING.tables}
    customers, users, services, orders = (
        tables[n] for n in ("customers", "panel_users", "services", "orders")
    )
    panel, billing = sa.create_engine(panel_url), sa.create_engine(billing_url)
    with panel.connect() as connection:
        aino = connection.execute(
            sa.select(customers).where(customers.c.email == "aino.virtanen@example.com")
        ).one()
        assert (aino.customer_number, aino.name, aino.kind) == (10001, "Aino Virtanen", "person")
        assert aino.business_id is None and aino.processing_restricted is False
        owned = {
            table.name: connection.execute(
                sa.select(table).where(table.c.customer_id == aino.id)
            ).all()
            for table in (users, services, orders)
        }
        company = connection.execute(
            sa.select(customers).where(customers.c.customer_number == 10002)
        ).one()
        namesake = connection.execute(
            sa.select(customers).where(customers.c.name == "Aino Virtanen-Koski")
        ).one()
        same_name = connection.scalar(
            sa.select(sa.func.count()).where(customers.c.name == "Aino Virtanen")
        )
    assert [user.username for user in owned["panel_users"]] == ["ainov"]
    assert owned["panel_users"][0].password_hash.startswith("$argon2id$v=19$")
    assert len(owned["services"]) >= 2 and len(owned["orders"]) >= 2
    assert {s.domain for s in owned["services"]} >= {"ainovirtanen.example"}
    # A company whose contact person is someone else, and a namesake at another address.
    assert company.kind == "company" and company.contact_name not in (None, company.name)
    assert company.email != aino.email
    assert namesake.customer_number != 10001 and namesake.email != aino.email
    assert (namesake.street_address, namesake.city) != (aino.street_address, aino.city)
    assert same_name == 1

    invoices = tables["invoices"]
    billing_customers = tables["billing_customers"]
    with billing.connect() as connection:
        copy = connection.execute(
            sa.select(billing_customers).where(billing_customers.c.customer_number == 10001)
        ).one()
        issued = connection.scalars(
            sa.select(invoices.c.issued_on)
            .where(invoices.c.billing_customer_id == copy.id)
            .order_by(invoices.c.issued_on)
        ).all()
        lines = connection.scalar(
            sa.select(sa.func.count())
            .select_from(tables["invoice_lines"].join(invoices))
            .where(invoices.c.billing_customer_id == copy.id)
        )
    panel.dispose()
    billing.dispose()
    assert (copy.name, copy.email) == ("Aino Virtanen", "aino.virtanen@example.com")
    assert copy.last_invoice_on == issued[-1]
    assert len(issued) >= 3 and lines >= len(issued)
    # One invoice older than six years, and past the Accounting Act's period: the end of its year
    # plus six (Kirjanpitolaki 2:10 §) is already behind us, so an erasure may delete it.
    assert issued[0] < TODAY.replace(year=TODAY.year - 6)
    assert date(issued[0].year + 6, 12, 31) < TODAY
    assert any(date(day.year + 6, 12, 31) >= TODAY for day in issued)


def test_the_same_seed_builds_the_same_register_on_every_database(register_urls, tmp_path):
    reference = (f"sqlite:///{tmp_path / 'p0.sqlite'}", f"sqlite:///{tmp_path / 'b0.sqlite'}")
    build_register(*reference, today=TODAY)
    build_register(*register_urls, today=TODAY)
    assert all_rows(*register_urls) == all_rows(*reference)

    other_seed = (f"sqlite:///{tmp_path / 'p1.sqlite'}", f"sqlite:///{tmp_path / 'b1.sqlite'}")
    build_register(*other_seed, today=TODAY, seed=7)
    assert all_rows(*other_seed) != all_rows(*reference)


def test_a_built_register_is_kept_and_a_reset_builds_it_anew(register_urls):
    panel_url, billing_url = register_urls
    first = build_register(panel_url, billing_url, today=TODAY, customers=50)
    again = build_register(panel_url, billing_url, today=TODAY, customers=80)
    assert first.created and not again.created
    assert again.counts == first.counts and first.counts["customers"] == 50

    rebuilt = build_register(panel_url, billing_url, today=TODAY, customers=80, reset=True)
    assert rebuilt.created and rebuilt.counts["customers"] == 80

    # A build that stopped after the panel (the billing database empty) is not left half-done.
    billing = sa.create_engine(billing_url)
    BILLING.drop_all(billing)
    billing.dispose()
    repaired = build_register(panel_url, billing_url, today=TODAY, customers=80)
    assert repaired.created and repaired.counts == rebuilt.counts


def real_customers_table(url: str, *, demo_shape: bool) -> None:
    """A customers table someone else filled: of another shape, or of the demo's but without
    Aino, as a real panel database pointed at by mistake would be."""
    engine = sa.create_engine(url)
    if demo_shape:
        table = PANEL.tables["customers"]
        row = {"id": 1, "customer_number": 10001, "kind": "person", "email": "oikea@example.org"}
    else:
        table = sa.Table(
            "customers",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("nimi", sa.String(100)),
        )
        row = {"id": 1, "nimi": "Oikea Asiakas"}
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [row])
    engine.dispose()


@pytest.mark.parametrize("demo_shape", [False, True])
def test_tables_that_are_not_the_demos_are_never_dropped(register_urls, demo_shape):
    panel_url, billing_url = register_urls
    real_customers_table(panel_url, demo_shape=demo_shape)
    # The billing database is empty, so this looks like a build that stopped midway; and a reset
    # is asked for outright. Neither may touch the tables.
    for reset in (False, True):
        with pytest.raises(NotTheDemo, match="not the demo's; they are left as they are"):
            build_register(panel_url, billing_url, today=TODAY, reset=reset)
    panel, billing = sa.create_engine(panel_url), sa.create_engine(billing_url)
    with panel.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM customers")).all()
    assert len(rows) == 1 and ("Oikea Asiakas" in rows[0] or "oikea@example.org" in rows[0])
    assert sa.inspect(panel).get_table_names() == ["customers"]
    assert sa.inspect(billing).get_table_names() == []
    panel.dispose()
    billing.dispose()


def test_sizes_are_parameters_for_the_benchmark(tmp_path):
    urls = (f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}")
    built = build_register(
        *urls, today=TODAY, customers=3000, invoices_per_customer=10, chunk_size=997
    )
    assert built.counts["customers"] == 3000
    # Between 1 and 19 a customer, 10 on average; the three fixed customers have 10 between them.
    assert 28_000 < built.counts["invoices"] < 32_000
    assert built.counts["invoice_lines"] >= built.counts["invoices"]
    with pytest.raises(ValueError, match="three fixed customers"):
        build_register(*urls, today=TODAY, customers=2, reset=True)


def test_made_up_data_looks_real_and_reaches_no_one(tmp_path):
    urls = (f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}")
    build_register(*urls, today=TODAY, customers=1000)
    rows = all_rows(*urls)
    customers = [
        dict(zip(PANEL.tables["customers"].c.keys(), r, strict=True)) for r in rows["customers"]
    ]
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    # Only the domains reserved for examples (RFC 2606): no message can reach a real mailbox.
    assert {e.rsplit("@", 1)[1] for e in emails} <= set(MAIL_DOMAINS)
    domains = [r[2] for r in rows["services"]]
    assert all(d.endswith(".example") for d in domains)
    # The check digit as the Finnish Tax Administration computes it, on a published business ID
    # (Nokia Oyj, 0112038-9); digits that leave a remainder of 1 are never issued.
    assert business_id_check_digit("0112038") == 9
    assert business_id_check_digit("1000008") is None
    companies = [c for c in customers if c["kind"] == "company"]
    assert 100 < len(companies) < 300
    for company in companies:
        digits, check = company["business_id"].split("-")
        assert re.fullmatch(r"\d{7}", digits) and business_id_check_digit(digits) == int(check)
        assert company["contact_name"] and company["contact_name"] != company["name"]
    assert all(re.fullmatch(r"\d{5}", c["postal_code"]) for c in customers)
    usernames = [r[2] for r in rows["panel_users"]]
    assert len(set(usernames)) == len(usernames)
    # Nothing starts, is ordered or is invoiced after today.
    assert max(r[4] for r in rows["services"]) <= TODAY
    assert max(r[2] for r in rows["orders"]) <= TODAY
    assert max(r[3] for r in rows["invoices"]) <= TODAY
    oldest = min(r[3] for r in rows["invoices"])
    assert oldest >= TODAY - timedelta(days=8 * 366) and oldest < TODAY.replace(year=2020)


# The description files beside the notice match the demo's tables ----------------------------------


@pytest.mark.parametrize(
    ("file_name", "metadata"), [("wprod-panel.toml", PANEL), ("wprod-billing.toml", BILLING)]
)
def test_every_described_column_exists_and_every_lookup_has_an_index(file_name, metadata):
    """What `flask systems check` asks of a live register, asked of the demo's own tables: finding
    a person must never scan a table of 100,000 customers (issue 11, item 8)."""
    with open(NOTICE_DIR / file_name, "rb") as fh:
        described = tomllib.load(fh)["tables"]
    assert {t["name"] for t in described} == set(metadata.tables)
    for entry in described:
        table = metadata.tables[entry["name"]]
        named = [
            entry["primary_key"],
            *entry.get("find_by", {}).values(),
            *entry["columns"],
            *[v for v in (entry.get("contact_address"), entry.get("kept_from")) if v],
        ]
        parent = entry.get("parent")
        if parent:
            named.append(parent["column"])
            (foreign_key,) = table.c[parent["column"]].foreign_keys
            assert foreign_key.column.table.name == parent["table"]
        assert [n for n in named if n not in table.c] == []
        indexed = {next(c.name for c in index.columns) for index in table.indexes}
        lookups = [*entry.get("find_by", {}).values(), *([parent["column"]] if parent else [])]
        assert [n for n in lookups if n not in indexed] == []
        if entry.get("kept_from"):
            assert isinstance(table.c[entry["kept_from"]].type, sa.Date)
        # Personal data and only that: ids and links are never listed as disclosed columns.
        assert entry["primary_key"] not in entry["columns"]


# `flask demo seed` --------------------------------------------------------------------------------


def test_demo_seed_builds_the_register_once(make_app, tmp_path):
    panel_url = f"sqlite:///{tmp_path / 'wprod-panel.sqlite'}"
    billing_url = f"sqlite:///{tmp_path / 'wprod-billing.sqlite'}"
    app = make_app(WPROD_PANEL_DATABASE_URL=panel_url, WPROD_BILLING_DATABASE_URL=billing_url)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Demo customer register built: 200 customers" in first.output
    assert "aino.virtanen@example.com, customer number 10001" in first.output
    panel, billing = sa.create_engine(panel_url), sa.create_engine(billing_url)
    counts = row_counts(panel, billing)

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "already there, kept" in second.output
    assert row_counts(panel, billing) == counts

    rebuilt = runner.invoke(args=["demo", "seed", "--rebuild-register"])
    assert rebuilt.exit_code == 0 and "register built" in rebuilt.output
    assert row_counts(panel, billing) == counts
    panel.dispose()
    billing.dispose()


def test_demo_seed_says_when_the_register_cannot_be_reached(make_app, tmp_path):
    closed = "postgresql+psycopg://nobody:secret-word@127.0.0.1:1/none?connect_timeout=2"
    app = make_app(
        WPROD_PANEL_DATABASE_URL=closed,
        WPROD_BILLING_DATABASE_URL=f"sqlite:///{tmp_path / 'b.sqlite'}",
    )
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "The demo register could not be built" in result.output
    assert "Traceback" not in result.output and "secret-word" not in result.output


def test_demo_seed_leaves_a_real_panel_database_alone(make_app, tmp_path):
    panel_url = f"sqlite:///{tmp_path / 'real-panel.sqlite'}"
    real_customers_table(panel_url, demo_shape=False)
    app = make_app(
        WPROD_PANEL_DATABASE_URL=panel_url,
        WPROD_BILLING_DATABASE_URL=f"sqlite:///{tmp_path / 'b.sqlite'}",
    )
    for args in (["demo", "seed"], ["demo", "seed", "--rebuild-register"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1
        assert "not the demo's; they are left as they are" in result.output
    engine = sa.create_engine(panel_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT nimi FROM customers")).scalars().all() == [
            "Oikea Asiakas"
        ]
    engine.dispose()


# The portal reads the demo register by its description (issue 11, items 2 and 6) ----------------


def demo_notice():
    """WProd Oy's notice as the portal reads it, with its two database systems."""
    from portal.notice import load_notice

    notice = load_notice(NOTICE_DIR / "wprod.toml")
    assert {s.key for s in notice.systems if s.connection == "database"} == {"panel", "billing"}
    return notice


def test_the_portal_finds_aino_and_only_her_in_the_demo_register(register_urls):
    from portal.register import Identity, connection_for

    panel_url, billing_url = register_urls
    build_register(panel_url, billing_url, today=TODAY)
    notice = demo_notice()
    config = {"WPROD_PANEL_DATABASE_URL": panel_url, "WPROD_BILLING_DATABASE_URL": billing_url}
    found = {}
    for key in ("panel", "billing"):
        connection = connection_for(notice.system(key), config)
        # Every described table and column exists, and every look-up has its index.
        assert connection.review() == ([], [])
        found[key] = connection.find(Identity(email="AINO.Virtanen@example.com", username="ainov"))
    panel, billing = found["panel"], found["billing"]
    assert (panel.state, billing.state) == ("found", "found")
    assert [(p.root_key, p.contact_address) for p in panel.people] == [
        (1, "aino.virtanen@example.com")
    ]
    assert set(panel.people[0].matched_by) == {"email", "username"}
    assert [p.root_key for p in billing.people] == [1]
    # Her rows and no one else's: not the namesake's (10003), not the company's (10002).
    assert [row["customer_number"] for row in panel.tables["customers"]] == [10001]
    assert [row["username"] for row in panel.tables["panel_users"]] == ["ainov"]
    assert {row["domain"] for row in panel.tables["services"]} == {
        "ainovirtanen.example",
        "ainonvalokuvat.example",
    }
    assert len(billing.tables["invoices"]) == 4 and len(billing.tables["invoice_lines"]) == 5
    assert [row["customer_number"] for row in billing.tables["billing_customers"]] == [10001]

    namesake = connection_for(notice.system("panel"), config).find(
        Identity(email="aino.virtanen-koski@example.net")
    )
    assert [p.root_key for p in namesake.people] == [3]


def test_flask_systems_check_says_ok_for_the_demo_register(make_app, tmp_path):
    urls = (f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}")
    build_register(*urls, today=TODAY)
    app = make_app(WPROD_PANEL_DATABASE_URL=urls[0], WPROD_BILLING_DATABASE_URL=urls[1])
    result = app.test_cli_runner().invoke(args=["systems", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "panel: ok" in lines and "billing: ok" in lines
    assert not [line for line in lines if "advice" in line]

    found = app.test_cli_runner().invoke(
        args=["systems", "find", "--email", "aino.virtanen@example.com"]
    )
    assert found.exit_code == 0, found.output
    assert "10001" in found.output and "10003" not in found.output
