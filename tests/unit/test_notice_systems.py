"""The controller's systems in the notice file, and the schema files of its databases: what they
say, and a NoticeError naming the field for every mistake (issue 11, item 1)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from portal.notice import NoticeError, load_notice, parse_notice
from portal.notice.model import LANGUAGES

WPROD = Path(__file__).resolve().parents[2] / "portal" / "notice" / "wprod.toml"

SCHEMA = """
[[tables]]
name = "clients"
primary_key = "id"
find_by = { email = "email_address", customer_number = "number" }
contact_address = "email_address"
erase = "update"
[tables.columns]
full_name = { category = "basic_data", erase = "blank" }
email_address = { category = "contact_persons", erase = "mask" }
number = { category = "basic_data", erase = "keep", keep_under = "billing_records" }

[[tables]]
name = "logins"
primary_key = "login_id"
parent = { table = "clients", column = "client_id" }
find_by = { username = "login" }
erase = "delete"
[tables.columns]
login = { category = "hosting_account" }
secret_hash.category = "hosting_account"
secret_hash.disclose = false
secret_hash.withheld_reason.fi = "Vain tiiviste."
secret_hash.withheld_reason.en = "A hash only."
secret_hash.withheld_reason.sv = "Endast en hash."

[[tables]]
name = "bills"
primary_key = "id"
parent = { table = "clients", column = "client_id" }
erase = "keep"
keep_under = "billing_records"
kept_from = "issued"
[tables.columns]
issued = { category = "billing_records" }
amount = { category = "billing_records", erase = "blank" }
"""


def _names(key: str) -> dict:
    return {language: f"{key} ({language})" for language in ("fi", "en", "sv")}


def notice_data(tmp_path: Path, schema: str = SCHEMA) -> dict:
    """WProd's notice with two systems of our own: a database described by ``schema`` and a
    task for an outside contact."""
    data = tomllib.loads(WPROD.read_text(encoding="utf-8"))
    (tmp_path / "shop.toml").write_text(schema, encoding="utf-8")
    data["systems"] = [
        {
            "key": "shop",
            "name": _names("shop"),
            "categories": ["basic_data", "contact_persons", "hosting_account", "billing_records"],
            "owner_name": "Ville Kärpijoki",
            "owner_email": "ville@wprod.fi",
            "connection": "database",
            "url_env": "SHOP_DATABASE_URL",
            "schema": "shop.toml",
        },
        {
            "key": "mailer",
            "name": _names("mailer"),
            "categories": ["newsletter_subscription"],
            "owner_name": "Mailer Support",
            "owner_email": "support@mailer.example.com",
            "connection": "task",
        },
    ]
    return data


def parse(tmp_path: Path, data: dict):
    return parse_notice(data, tmp_path / "notice.toml")


def refused(tmp_path: Path, data: dict) -> NoticeError:
    with pytest.raises(NoticeError) as caught:
        parse(tmp_path, data)
    return caught.value


def test_systems_are_read_with_their_schema(tmp_path):
    notice = parse(tmp_path, notice_data(tmp_path))
    shop = notice.system("shop")
    assert shop.connection == "database"
    assert shop.url_env == "SHOP_DATABASE_URL"
    assert shop.owner_email == "ville@wprod.fi"
    assert [t.name for t in shop.schema.tables] == ["clients", "logins", "bills"]
    clients = shop.schema.table("clients")
    assert clients.is_root
    assert dict(clients.find_by) == {"email": "email_address", "customer_number": "number"}
    assert clients.contact_address == "email_address"
    assert clients.column("number").erase == "keep"
    assert clients.column("number").keep_under == "billing_records"
    logins = shop.schema.table("logins")
    assert logins.parent.table == "clients" and logins.parent.column == "client_id"
    # A column of a deleted table goes with its row; a held-back column says why.
    assert logins.column("login").erase == "delete"
    assert not logins.column("secret_hash").disclose
    assert logins.column("secret_hash").withheld_reason["en"] == "A hash only."
    bills = shop.schema.table("bills")
    # A kept table's columns are kept under its category unless they say otherwise.
    assert bills.column("issued").erase == "keep"
    assert bills.column("issued").keep_under == "billing_records"
    assert bills.column("amount").erase == "blank"
    assert bills.kept_from == "issued"
    assert [t.name for t in shop.schema.children("clients")] == ["logins", "bills"]
    assert shop.schema.root_of("bills").name == "clients"
    mailer = notice.system("mailer")
    assert mailer.connection == "task" and mailer.schema is None and mailer.url_env is None


def test_a_notice_without_systems_has_none(tmp_path):
    data = notice_data(tmp_path)
    del data["systems"]
    assert parse(tmp_path, data).systems == ()


def test_the_wprod_notice_lists_its_systems():
    notice = load_notice(WPROD)
    connections = {system.key: system.connection for system in notice.systems}
    assert connections == {
        "panel": "database",
        "billing": "database",
        "newsletter": "task",
        "monitoring": "task",
    }
    assert notice.system("panel").url_env == "WPROD_PANEL_DATABASE_URL"
    assert notice.system("billing").url_env == "WPROD_BILLING_DATABASE_URL"
    for system in notice.systems:
        assert set(system.name) >= set(LANGUAGES)
        if system.connection == "database":
            assert system.schema is not None and system.url_env


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.pop("owner_email"), "systems[0].owner_email"),
        (lambda s: s.update(owner_email="not an address"), "systems[0].owner_email"),
        (lambda s: s.update(connection="ftp"), "systems[0].connection"),
        (lambda s: s.update(categories=["basic_data", "nope"]), "systems[0].categories[1]"),
        (lambda s: s.update(key="Shop!"), "systems[0].key"),
        (lambda s: s.pop("url_env"), "systems[0].url_env"),
        (lambda s: s.update(url_env="postgresql://u:pw@host/db"), "systems[0].url_env"),
        (lambda s: s.update(url_env="lower_case"), "systems[0].url_env"),
        (lambda s: s.pop("schema"), "systems[0].schema"),
        (lambda s: s.update(schema="missing.toml"), "systems[0].schema"),
        (lambda s: s["name"].pop("en"), "systems[0].name.en"),
    ],
)
def test_a_malformed_system_is_named(tmp_path, change, field):
    data = notice_data(tmp_path)
    change(data["systems"][0])
    assert refused(tmp_path, data).field == field


def test_a_task_system_takes_no_database_fields(tmp_path):
    data = notice_data(tmp_path)
    data["systems"][1]["url_env"] = "MAILER_URL"
    assert refused(tmp_path, data).field == "systems[1].url_env"


def test_a_repeated_system_key_is_refused(tmp_path):
    data = notice_data(tmp_path)
    data["systems"][1]["key"] = "shop"
    assert refused(tmp_path, data).field == "systems[1].key"


def test_every_language_of_the_notice_is_required(tmp_path):
    data = notice_data(tmp_path)
    for language in LANGUAGES:
        broken = copy.deepcopy(data)
        broken["systems"][1]["name"].pop(language)
        assert refused(tmp_path, broken).field == f"systems[1].name.{language}"


def test_a_schema_file_that_does_not_parse_names_the_file(tmp_path):
    error = refused(tmp_path, notice_data(tmp_path, schema="[[tables]\nname = "))
    assert error.path.endswith("shop.toml") and error.field == "(file)"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('name = "clients"', 'name = "cli\\"ents"', "tables[0].name"),
        ('name = "clients"', 'name = "logins"', "tables[1].name"),
        ('primary_key = "login_id"', 'primary_key = ""', "tables[1].primary_key"),
        (
            'find_by = { username = "login" }',
            'find_by = { nick = "login" }',
            "tables[1].find_by.nick",
        ),
        ('find_by = { username = "login" }', "find_by = {}", "tables[1].find_by"),
        ('erase = "delete"', 'erase = "shred"', "tables[1].erase"),
        (
            'table = "clients", column = "client_id" }\nfind_by',
            'table = "nobody", column = "client_id" }\nfind_by',
            "tables[1].parent.table",
        ),
        (
            'login = { category = "hosting_account" }',
            'login = { category = "hosting_account", erase = "blank" }',
            "tables[1].columns.login.erase",
        ),
        (
            'full_name = { category = "basic_data", erase = "blank" }',
            'full_name = { category = "basic_data" }',
            "tables[0].columns.full_name.erase",
        ),
        (
            'category = "basic_data", erase = "blank" }',
            'category = "secret", erase = "blank" }',
            "tables[0].columns.full_name.category",
        ),
        (
            'category = "basic_data", erase = "blank" }',
            'category = "books", erase = "blank" }',
            "tables[0].columns.full_name.category",
        ),
        (
            'erase = "keep", keep_under = "billing_records"',
            'erase = "keep"',
            "tables[0].columns.number.keep_under",
        ),
        (
            'erase = "keep", keep_under = "billing_records"',
            'erase = "keep", keep_under = "basic_data"',
            "tables[0].columns.number.keep_under",
        ),
        (
            'keep_under = "billing_records"\nkept_from',
            'keep_under = "newsletter_subscription"\nkept_from',
            "tables[2].keep_under",
        ),
        (
            'secret_hash.withheld_reason.fi = "Vain tiiviste."\n',
            "",
            "tables[1].columns.secret_hash.withheld_reason.fi",
        ),
    ],
)
def test_a_malformed_schema_is_named(tmp_path, old, new, field):
    assert old in SCHEMA
    error = refused(tmp_path, notice_data(tmp_path, schema=SCHEMA.replace(old, new, 1)))
    assert error.path.endswith("shop.toml")
    assert error.field == field


def test_contact_address_belongs_to_the_persons_own_record(tmp_path):
    schema = SCHEMA.replace(
        'find_by = { username = "login" }',
        'find_by = { username = "login" }\ncontact_address = "login"',
    )
    assert refused(tmp_path, notice_data(tmp_path, schema)).field == "tables[1].contact_address"


def test_a_loop_of_parents_is_refused(tmp_path):
    schema = SCHEMA.replace(
        'primary_key = "id"\nfind_by',
        'primary_key = "id"\nparent = { table = "bills", column = "b" }\nfind_by',
        1,
    ).replace('contact_address = "email_address"\n', "")
    assert refused(tmp_path, notice_data(tmp_path, schema)).field.endswith(".parent")


def test_a_table_no_person_can_be_found_through_is_refused(tmp_path):
    schema = SCHEMA + '\n[[tables]]\nname = "notes"\nprimary_key = "id"\nerase = "delete"\n'
    error = refused(tmp_path, notice_data(tmp_path, schema))
    assert error.field == "tables[3]" and "find_by" in error.problem
