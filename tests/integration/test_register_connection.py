"""A database system, reached for real on SQLite, PostgreSQL and MariaDB (issue 11, item 2): a
person found by any identity with everything under their record and nothing of anyone else's,
and every fault -- down, silent, misdescribed, hostile input -- a state, never an exception."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from portal.notice import load_notice
from portal.register import Identity, connection_for
from portal.register.connections.database import DatabaseConnection
from tests.conftest import free_port
from tests.faults import HangingSMTPServer
from tests.registers import BACKENDS, SCHEMA, build, empty_database, write_notice

TIMEOUT = 2.0


def shop_system(directory, schema: str = SCHEMA):
    return load_notice(write_notice(directory, schema)).system("shop")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def register_url(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        build(url, backend)
        yield url


@pytest.fixture
def shop(register_url, tmp_path):
    return DatabaseConnection(shop_system(tmp_path), register_url, timeout=TIMEOUT)


def logins(finding) -> list[str]:
    return sorted(row["login"] for row in finding.tables.get("accounts", []))


def test_a_person_is_found_by_email_whatever_its_case(shop):
    finding = shop.find(Identity(email="  aino.virtanen@EXAMPLE.com "))
    assert finding.state == "found"
    [person] = finding.people
    assert person.root_table == "members" and person.root_key == 1
    assert person.contact_address == "Aino.Virtanen@Example.com"
    assert person.matched_by == ("email",)
    assert finding.tables["members"] == [
        {
            "full_name": "Aino Virtanen",
            "email": "Aino.Virtanen@Example.com",
            "member_no": 10001,
            "business_id": None,
        }
    ]
    assert logins(finding) == ["aino"]
    # Held but not disclosed: the hash is never among the values.
    assert "secret_hash" not in finding.tables["accounts"][0]
    # Rows two levels down (a bill's lines) are collected too, each with its key and root.
    assert sorted(row["product"] for row in finding.tables["bill_lines"]) == [
        "Domain aino.fi",
        "Hosting M",
        "Hosting S",
    ]
    assert sorted(finding.keys["bills"]) == [1, 2]
    assert set(finding.roots["bill_lines"]) == {1}
    assert sorted(str(day) for day in finding.kept_from["bills"]) == ["2018-03-01", "2025-03-01"]
    summary = finding.summary()
    assert summary["rows"] == {"members": 1, "accounts": 1, "bills": 2, "bill_lines": 3}
    assert "Aino" not in str(summary) and "example" not in str(summary).lower()


def test_a_non_ascii_address_is_found_in_the_case_it_was_stored(shop):
    assert shop.find(Identity(email="ÄITI@EXAMPLE.COM")).people[0].root_key == 6


def test_a_username_leads_to_its_customer_and_all_their_rows(shop):
    finding = shop.find(Identity(email="someone.else@example.org", username="bertta2"))
    assert finding.state == "found"
    [person] = finding.people
    assert (person.root_key, person.matched_by) == (2, ("username",))
    assert person.contact_address == "bertta@example.com"
    # The sibling account and the bills come with the root.
    assert logins(finding) == ["bertta", "bertta2"]
    assert [row["product"] for row in finding.tables["bill_lines"]] == ["Hosting L"]


def test_the_business_id_and_customer_number_find_their_records(shop):
    company = shop.find(Identity(email="x@example.org", business_id="1234567-8"))
    assert [(p.root_key, p.matched_by) for p in company.people] == [(3, ("business_id",))]
    assert logins(company) == ["firmadmin"]
    number = shop.find(Identity(email="x@example.org", customer_number=" 10002 "))
    assert [(p.root_key, p.matched_by) for p in number.people] == [(2, ("customer_number",))]


def test_people_who_share_nothing_see_nothing_of_each_other(shop):
    aino = shop.find(Identity(email="aino.virtanen@example.com"))
    bertta = shop.find(Identity(email="bertta@example.com"))
    for table in ("members", "accounts", "bills", "bill_lines"):
        assert not set(aino.keys.get(table, [])) & set(bertta.keys.get(table, []))
    assert "Bertta" not in repr(aino.tables) and "bertta" not in repr(aino.tables)
    assert "Aino" not in repr(bertta.tables) and "aino" not in repr(bertta.tables)


def test_an_identifier_of_someone_else_shows_as_a_second_record(shop):
    """The impostor's case: their own address and another customer's number. Both records come
    back, each with what matched it and its own contact address, for the identity check."""
    finding = shop.find(Identity(email="aino.virtanen@example.com", customer_number="10002"))
    people = {(p.root_key, p.matched_by, p.contact_address) for p in finding.people}
    assert people == {
        (1, ("email",), "Aino.Virtanen@Example.com"),
        (2, ("customer_number",), "bertta@example.com"),
    }


def test_one_record_found_several_ways_is_one_person(shop):
    finding = shop.find(
        Identity(email="bertta@example.com", customer_number="10002", username="bertta")
    )
    [person] = finding.people
    assert person.matched_by == ("customer_number", "email", "username")
    assert logins(finding) == ["bertta", "bertta2"]


def test_no_one_found_is_not_found(shop):
    finding = shop.find(Identity(email="nobody@example.com", customer_number="99999"))
    assert finding.state == "not_found" and finding.people == [] and finding.tables == {}


HOSTILE = [
    "' OR '1'='1",
    "'; DROP TABLE members; --",
    '" OR ""="',
    "%",
    "%@example.com",
    "_",
    "a_b@example.com",  # LIKE would match axb@example.com
    "AINO%",
    "aino\x00.virtanen@example.com",
    "x\ny",
    "A" * 10_000,
    "1" * 10_000,
    "10001 OR 1=1",
    "１０００１",  # full-width digits: not the number 10001
    "1e4",
    "-1",
    "\\",
    "aino😀",  # outside the three-byte UTF-8 of the accounts table on MariaDB
    "äino",  # MariaDB's usual collations take this for "aino"
    "Äino.Virtanen@Example.com",
    "aino.virtanen@example.com\u200b",  # an invisible character: not Aino's address
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_identifiers_match_nothing_and_break_nothing(shop, register_url, value):
    finding = shop.find(
        Identity(email=value, customer_number=value, username=value, business_id=value)
    )
    assert (finding.state, finding.people) == ("not_found", [])
    engine = sa.create_engine(register_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM members")).scalar() == 6
    engine.dispose()


def test_quotes_in_a_real_address_are_just_characters(shop):
    finding = shop.find(Identity(email="O'Brien@example.com"))
    assert [p.root_key for p in finding.people] == [5]


def test_check_passes_a_register_that_fits_its_description(shop):
    assert shop.review() == ([], [])
    assert shop.check() == []


def test_check_names_a_missing_table_and_column_and_find_says_misconfigured(register_url, tmp_path):
    schema = SCHEMA.replace('full_name = { category = "basic_data", erase = "blank" }', (
        'full_name = { category = "basic_data", erase = "blank" }\n'
        'phone = { category = "contact_persons", erase = "blank" }'
    )).replace('name = "bill_lines"', 'name = "bill_rows"')  # fmt: skip
    shop = DatabaseConnection(shop_system(tmp_path, schema), register_url, timeout=TIMEOUT)
    problems = shop.check()
    assert "missing column members.phone" in problems
    assert "missing table bill_rows" in problems
    finding = shop.find(Identity(email="aino.virtanen@example.com"))
    assert finding.state == "misconfigured"
    assert "members.phone" in finding.problem and "bill_rows" in finding.problem
    assert finding.tables == {} and finding.people == []


def test_check_advises_an_index_where_a_lookup_would_read_the_whole_table(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        build(url, backend, indexes=False)
        shop = DatabaseConnection(shop_system(tmp_path), url, timeout=TIMEOUT)
        problems, advice = shop.review()
    assert problems == []
    text = "\n".join(advice)
    # InnoDB gives every foreign key an index of its own.
    links = backend != "mariadb"
    assert ("bills.member_id" in text, "bill_lines.bill_id" in text) == (links, links)
    assert "members.business_id" in text and "members.email" in text
    # The customer number and login are unique: their constraint is an index.
    assert "member_no" not in text and "accounts.login" not in text


def test_check_refuses_a_primary_key_that_is_not_one(register_url, tmp_path):
    schema = SCHEMA.replace(
        'name = "bills"\nprimary_key = "id"', 'name = "bills"\nprimary_key = "total"'
    )
    shop = DatabaseConnection(shop_system(tmp_path, schema), register_url, timeout=TIMEOUT)
    assert shop.check() == ["bills.total is neither the primary key nor unique"]


@pytest.mark.parametrize("scheme", ["postgresql", "mysql+pymysql"])
def test_a_database_that_is_down_is_unreachable_at_once(tmp_path, scheme):
    url = f"{scheme}://root@127.0.0.1:{free_port()}/register"
    shop = DatabaseConnection(shop_system(tmp_path), url, timeout=TIMEOUT)
    started = time.monotonic()
    finding = shop.find(Identity(email="aino.virtanen@example.com"))
    assert finding.state == "unreachable" and finding.problem
    assert time.monotonic() - started < TIMEOUT
    [problem] = shop.check()
    assert problem.startswith("unreachable (")


@pytest.mark.parametrize("scheme", ["postgresql", "mysql+pymysql"])
def test_a_database_that_never_answers_is_unreachable_within_the_timeout(tmp_path, scheme):
    with HangingSMTPServer() as silent:
        url = f"{scheme}://root@127.0.0.1:{silent.port}/register"
        shop = DatabaseConnection(shop_system(tmp_path), url, timeout=TIMEOUT)
        started = time.monotonic()
        finding = shop.find(Identity(email="aino.virtanen@example.com"))
        elapsed = time.monotonic() - started
    assert silent.connections >= 1
    assert finding.state == "unreachable"
    # The driver's own rounding aside, the look-up ends near the timeout, not never.
    assert elapsed < TIMEOUT * 2 + 1


def test_a_missing_sqlite_file_is_unreachable_and_not_created(tmp_path):
    path = tmp_path / "gone.sqlite3"
    shop = DatabaseConnection(shop_system(tmp_path), f"sqlite:///{path}", timeout=TIMEOUT)
    assert shop.find(Identity(email="aino.virtanen@example.com")).state == "unreachable"
    assert not path.exists()


def test_an_unusable_url_is_misconfigured(tmp_path):
    shop = DatabaseConnection(shop_system(tmp_path), "nosuchdb://x/y", timeout=TIMEOUT)
    assert shop.find(Identity(email="a@example.com")).state == "misconfigured"
    assert shop.check()[0].startswith("misconfigured (")


def test_the_url_comes_from_the_setting_then_the_environment(tmp_path, monkeypatch):
    system = shop_system(tmp_path)
    monkeypatch.delenv("TEST_SHOP_DATABASE_URL", raising=False)
    unset = connection_for(system, {})
    assert unset.check() == ["not configured (set TEST_SHOP_DATABASE_URL)"]
    assert unset.find(Identity(email="a@example.com")).state == "misconfigured"
    monkeypatch.setenv("TEST_SHOP_DATABASE_URL", "sqlite:///from-env.sqlite3")
    assert connection_for(system, {}).url == "sqlite:///from-env.sqlite3"
    setting = {"TEST_SHOP_DATABASE_URL": "sqlite:///from-setting.sqlite3"}
    assert connection_for(system, setting).url == "sqlite:///from-setting.sqlite3"


def test_a_task_system_is_for_a_person_to_look_into(tmp_path):
    notice = load_notice(write_notice(tmp_path))
    newsletter = connection_for(notice.system("newsletter"), {})
    assert newsletter.check() == []
    assert newsletter.find(Identity(email="a@example.com")).state == "manual"


LOCKS = {
    "sqlite": ["BEGIN EXCLUSIVE"],
    "postgresql": ["BEGIN", "LOCK TABLE members IN ACCESS EXCLUSIVE MODE"],
    "mariadb": ["LOCK TABLES members WRITE"],
}


def test_a_database_too_busy_to_answer_in_time_is_unreachable(backend, register_url, shop):
    """Another program holds the customers table: the look-up waits no longer than the
    timeout (a statement timeout, a read timeout, SQLite's busy timeout), then says so."""
    engine = sa.create_engine(register_url, poolclass=sa.pool.NullPool)
    with engine.connect() as holder:
        raw = holder.connection.dbapi_connection
        if backend == "sqlite":
            raw.isolation_level = None  # the driver would otherwise manage BEGIN itself
        cursor = raw.cursor()
        for statement in LOCKS[backend]:
            cursor.execute(statement)
        started = time.monotonic()
        finding = shop.find(Identity(email="aino.virtanen@example.com"))
        elapsed = time.monotonic() - started
        raw.rollback()
        if backend == "mariadb":
            cursor.execute("UNLOCK TABLES")
    engine.dispose()
    assert finding.state == "unreachable", finding
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT * 2 + 1


def test_a_table_changed_after_a_look_up_is_misconfigured_and_read_again(
    backend, register_url, shop
):
    assert shop.find(Identity(email="bertta@example.com")).state == "found"
    engine = sa.create_engine(register_url)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE bill_lines DROP COLUMN product"))
    engine.dispose()
    # The tables read before no longer fit: the look-up says so rather than failing...
    changed = shop.find(Identity(email="bertta@example.com"))
    assert changed.state == "misconfigured"
    # ...and the next one reads the tables again and names what is missing.
    again = shop.find(Identity(email="bertta@example.com"))
    assert (again.state, again.problem) == ("misconfigured", "missing column bill_lines.product")
