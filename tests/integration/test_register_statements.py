"""Finding a person stays fast as the register grows (issue 11, item 8): the number of SQL
statements a look-up sends does not grow with the person's rows, and on MariaDB an address is
compared the way its index can serve. Counted and read from the query plan, never timed: a timing
fails on a busy machine and passes on a broken one. ``scripts/bench_register.py`` prints the times.
"""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.notice import load_notice
from portal.register import Identity
from portal.register.connections.database import DatabaseConnection
from tests.registers import BACKENDS, SCHEMA, build, empty_database, metadata, write_notice

TIMEOUT = 5.0


@contextlib.contextmanager
def statements():
    """Every statement any engine sends while the block runs, as (SQL, parameters)."""
    sent: list[tuple[str, object]] = []

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    sa.event.listen(sa.Engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", seen)


def add_bills(url: str, backend: str, member_id: int, count: int, first_id: int) -> None:
    """``count`` more bills for one member, each with two lines."""
    tables = metadata(backend).tables
    bills = [
        {
            "id": first_id + i,
            "member_id": member_id,
            "issued_on": date.fromordinal(date(2024, 1, 1).toordinal() + i % 365),
            "total": Decimal("10.00"),
        }
        for i in range(count)
    ]
    lines = [
        {"id": 10 * bill["id"] + n, "bill_id": bill["id"], "product": f"Hosting {n}"}
        for bill in bills
        for n in (1, 2)
    ]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(tables["bills"].insert(), bills)
        connection.execute(tables["bill_lines"].insert(), lines)
    engine.dispose()


def warm_up(connection: DatabaseConnection) -> None:
    """One look-up first, so that every look-up counted finds the same state: a connection may
    keep what it read of the database's tables between look-ups."""
    assert connection.find(Identity(email="warm-up@example.org")).state == "not_found"


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def register_url(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        build(url, backend)
        yield url


def shop(url: str, directory, schema: str = SCHEMA) -> DatabaseConnection:
    system = load_notice(write_notice(directory, schema)).system("shop")
    return DatabaseConnection(system, url, timeout=TIMEOUT)


def test_a_look_up_sends_as_many_statements_for_300_bills_as_for_3(backend, register_url, tmp_path):
    # Bertta has one bill; Aino two. Bertta gets 2 more (3), Aino 298 more (300), two lines each.
    add_bills(register_url, backend, member_id=2, count=2, first_id=100)
    add_bills(register_url, backend, member_id=1, count=298, first_id=1000)
    connection = shop(register_url, tmp_path)
    warm_up(connection)
    counts = {}
    for who, email in (("bertta", "bertta@example.com"), ("aino", "aino.virtanen@example.com")):
        with statements() as sent:
            finding = connection.find(Identity(email=email))
        counts[who] = (len(sent), finding.row_counts)
    (few, bertta_rows), (many, aino_rows) = counts["bertta"], counts["aino"]
    assert bertta_rows["bills"] == 3 and aino_rows["bills"] == 300
    assert aino_rows["bill_lines"] == 2 * 298 + 3  # her first two bills had 3 lines
    # The same statements whatever the number of rows: one query per table and level, never one
    # per row (a look-up of 300 bills sending 300 queries would take seconds at 1,000,000).
    assert many == few
    assert few < 60


def test_every_identity_kind_costs_a_bounded_number_of_statements(register_url, tmp_path):
    connection = shop(register_url, tmp_path)
    warm_up(connection)
    with statements() as nobody:
        assert connection.find(Identity(email="nobody@example.com")).state == "not_found"
    with statements() as everything:
        found = connection.find(
            Identity(email="bertta@example.com", customer_number="10002", username="bertta2")
        )
    assert [p.root_key for p in found.people] == [2]
    # Beyond what finding no one costs: one query per identity kind that matched, one to lift the
    # account to its member, one per table collected. Nothing scales with the register's size.
    assert len(everything) - len(nobody) <= 3 + 1 + 4


def explain(url: str, statement: str, parameters) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).mappings().all()
    engine.dispose()
    return [dict(row) for row in rows]


def email_queries(sent: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return [
        (sql, params)
        for sql, params in sent
        if sql.lstrip().upper().startswith("SELECT")
        and "members.email" in sql.partition("WHERE")[2]
    ]


@pytest.mark.parametrize("collation", ["utf8mb4_general_ci", "utf8mb4_bin"])
def test_mariadb_finds_an_address_in_another_case_by_its_index_where_it_can(tmp_path, collation):
    """MariaDB cannot index lower(email); its usual collations compare without case, so there a
    plain ``=`` finds Aino@ and aino@ alike and uses the email index. A column compared by its
    bytes (``_bin``) keeps lower(): still found, whatever the case."""
    with empty_database("mariadb", tmp_path) as url:
        build(url, "mariadb")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                f"ALTER TABLE members MODIFY email VARCHAR(254) COLLATE {collation} NOT NULL"
            )
            # Enough rows that reading the whole table is a plan the optimiser would not pick.
            members = metadata("mariadb").tables["members"]
            connection.execute(
                members.insert(),
                [
                    {"id": n, "email": f"m{n}@example.net", "member_no": n, "full_name": "M"}
                    for n in range(100, 2100)
                ],
            )
            connection.exec_driver_sql("ANALYZE TABLE members")
        engine.dispose()
        connection = shop(url, tmp_path)
        with statements() as sent:
            finding = connection.find(Identity(email="AINO.virtanen@example.COM"))
        assert [p.root_key for p in finding.people] == [1]
        [(sql, params)] = email_queries(sent)
        plan = explain(url, sql, params)
        problems, advice = connection.review()
    assert problems == []
    if collation.endswith("_ci"):
        assert "lower(" not in sql.lower()
        assert plan[0]["key"] == "ix_members_email", plan
        assert advice == []
    else:
        # flask systems check says why, and what would help.
        assert advice == [
            "members.email compares case-sensitively (collation utf8mb4_bin): finding a person "
            "by email reads the whole table; a case-insensitive (_ci) collation lets its index "
            "serve"
        ]
        assert "lower(members.email)" in sql.lower()
        # No index can serve lower() there: every row of the table or of an index is read.
        assert plan[0]["type"] in ("ALL", "index"), plan


def test_postgresql_check_advises_statistics_for_a_large_table_never_analyzed(tmp_path):
    """Without statistics PostgreSQL guessed and read all 1,500,000 invoice lines for a dozen
    (autovacuum off, or just after a bulk load): flask systems check names the table."""
    with empty_database("postgresql", tmp_path) as url:
        build(url, "postgresql")
        lines = metadata("postgresql").tables["bill_lines"]
        engine = sa.create_engine(url)
        with engine.begin() as db:
            db.execute(
                lines.insert(),
                [{"id": n, "bill_id": 1, "product": "Hosting"} for n in range(100, 10_100)],
            )
        connection = shop(url, tmp_path)
        problems, advice = connection.review()
        assert problems == []
        assert advice == [
            "bill_lines has no planner statistics (never analyzed): PostgreSQL may read the whole "
            "table instead of its indexes; run ANALYZE bill_lines, or turn autovacuum on"
        ]
        with engine.begin() as db:
            db.exec_driver_sql("ANALYZE bill_lines")
        engine.dispose()
        assert connection.review() == ([], [])
