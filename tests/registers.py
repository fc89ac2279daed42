"""A small customer register of our own (not the demo's), built on each database kind the
connection supports, with the description the portal reads it by.

SQLite in a file, PostgreSQL in a schema of its own, MariaDB in a database of its own; each is
dropped after the test run. MariaDB is the machine's server on 127.0.0.1:3306 (root, no
password); without it the MariaDB tests are skipped, unless MARIADB_REQUIRED is set (CI), when
they fail.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import database_url

MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")

# The description of the register below, in the schema file format (portal/notice/systems.py).
SCHEMA = """
[[tables]]
name = "members"
primary_key = "id"
find_by = { email = "email", customer_number = "member_no", business_id = "business_id" }
contact_address = "email"
erase = "update"
[tables.columns]
full_name = { category = "basic_data", erase = "blank" }
email = { category = "contact_persons", erase = "mask" }
member_no = { category = "basic_data", erase = "keep", keep_under = "billing_records" }
business_id = { category = "basic_data", erase = "keep", keep_under = "billing_records" }

[[tables]]
name = "accounts"
primary_key = "id"
parent = { table = "members", column = "member_id" }
find_by = { username = "login" }
erase = "delete"
[tables.columns]
login = { category = "hosting_account" }
secret_hash.category = "hosting_account"
secret_hash.disclose = false
secret_hash.withheld_reason.fi = "Tallennettu vain yksisuuntaisena tiivisteenä."
secret_hash.withheld_reason.en = "Stored only as a one-way hash."
secret_hash.withheld_reason.sv = "Lagras endast som en envägshash."

[[tables]]
name = "bills"
primary_key = "id"
parent = { table = "members", column = "member_id" }
erase = "keep"
keep_under = "billing_records"
kept_from = "issued_on"
[tables.columns]
issued_on = { category = "billing_records" }
total = { category = "billing_records" }

[[tables]]
name = "bill_lines"
primary_key = "id"
parent = { table = "bills", column = "bill_id" }
erase = "keep"
keep_under = "billing_records"
[tables.columns]
product = { category = "billing_records" }
"""

SYSTEM = """
[[systems]]
key = "shop"
name.fi = "Kaupan asiakastietokanta"
name.en = "Shop customer database"
name.sv = "Butikens kunddatabas"
categories = ["basic_data", "contact_persons", "hosting_account", "billing_records"]
owner_name = "Ville Kärpijoki"
owner_email = "ville@wprod.fi"
connection = "database"
url_env = "TEST_SHOP_DATABASE_URL"
schema = "shop.toml"
"""

MEMBERS = [
    # id, email, member_no, business_id, full_name
    (1, "Aino.Virtanen@Example.com", 10001, None, "Aino Virtanen"),
    (2, "bertta@example.com", 10002, None, "Bertta Berg"),
    (3, "office@firm.example.com", 10003, "1234567-8", "Firma Oy"),
    (4, "axb@example.com", 10004, None, "Aksel Xb"),
    (5, "o'brien@example.com", 10005, None, "Orla O'Brien"),
    (6, "ÄITI@example.com", 10006, None, "Äiti Ääninen"),
]
ACCOUNTS = [
    (1, 1, "aino", "$argon2id$v=19$m=65536,t=3,p=4$aino"),
    (2, 2, "bertta", "$argon2id$v=19$m=65536,t=3,p=4$b1"),
    (3, 2, "bertta2", "$argon2id$v=19$m=65536,t=3,p=4$b2"),
    (4, 3, "firmadmin", "$argon2id$v=19$m=65536,t=3,p=4$f"),
]
BILLS = [
    (1, 1, date(2018, 3, 1), Decimal("120.00")),
    (2, 1, date(2025, 3, 1), Decimal("130.50")),
    (3, 2, date(2025, 4, 1), Decimal("99.00")),
]
LINES = [(1, 1, "Hosting S"), (2, 1, "Domain aino.fi"), (3, 2, "Hosting M"), (4, 3, "Hosting L")]


def metadata(backend: str, *, indexes: bool = True) -> sa.MetaData:
    md = sa.MetaData()
    members = sa.Table(
        "members",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(254), nullable=False),
        # Older billing programs keep numbers as NUMERIC(10, 0): MariaDB here does.
        sa.Column(
            "member_no",
            sa.Numeric(10, 0) if backend == "mariadb" else sa.Integer,
            nullable=False,
            unique=True,
        ),
        sa.Column("business_id", sa.String(9)),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime),
    )
    accounts = sa.Table(
        "accounts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        # An older program's table in MariaDB's three-byte UTF-8, which cannot hold an emoji.
        mysql_charset="utf8mb3",
    )
    bills = sa.Table(
        "bills",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("total", sa.Numeric(10, 2), nullable=False),
    )
    lines = sa.Table(
        "bill_lines",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bill_id", sa.Integer, sa.ForeignKey("bills.id"), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
    )
    if indexes:
        sa.Index("ix_members_business_id", members.c.business_id)
        sa.Index("ix_bills_member_id", bills.c.member_id)
        sa.Index("ix_bill_lines_bill_id", lines.c.bill_id)
        sa.Index("ix_accounts_member_id", accounts.c.member_id)
        if backend == "mariadb":
            # MariaDB has no index on an expression; its default collation compares
            # case-insensitively, and a plain index is what it can have.
            sa.Index("ix_members_email", members.c.email)
        else:
            sa.Index("ix_members_email_lower", sa.func.lower(members.c.email))
    return md


def build(url: str, backend: str, *, indexes: bool = True) -> None:
    engine = sa.create_engine(url)
    md = metadata(backend, indexes=indexes)
    with engine.begin() as connection:
        md.create_all(connection)
        t = md.tables
        keys = ("id", "email", "member_no", "business_id", "full_name")
        connection.execute(
            t["members"].insert(), [dict(zip(keys, m, strict=True)) for m in MEMBERS]
        )
        keys = ("id", "member_id", "login", "secret_hash")
        connection.execute(
            t["accounts"].insert(), [dict(zip(keys, a, strict=True)) for a in ACCOUNTS]
        )
        keys = ("id", "member_id", "issued_on", "total")
        connection.execute(t["bills"].insert(), [dict(zip(keys, b, strict=True)) for b in BILLS])
        keys = ("id", "bill_id", "product")
        connection.execute(
            t["bill_lines"].insert(), [dict(zip(keys, row, strict=True)) for row in LINES]
        )
    engine.dispose()


@contextlib.contextmanager
def empty_database(backend: str, tmp_path: Path):
    """The URL of an empty database of ``backend``, private to this test, dropped after."""
    name = f"register_{secrets.token_hex(6)}"
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        return
    if backend == "postgresql":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("TEST_DATABASE_URL is not set")
        base = database_url(base)
        admin = sa.create_engine(base)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        separator = "&" if "?" in base else "?"
        try:
            yield f"{base}{separator}options=-csearch_path%3D{name}"
        finally:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
            admin.dispose()
        return
    admin = sa.create_engine(MARIADB_URL)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("MARIADB_REQUIRED"):
            raise
        pytest.skip(f"MariaDB is not running at {MARIADB_URL}: {exc.orig}")
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP DATABASE `{name}`"))
        admin.dispose()


def write_notice(directory: Path, schema: str = SCHEMA) -> Path:
    """WProd's notice with the shop database as one more system, its schema beside it."""
    notices = Path(__file__).resolve().parents[1] / "portal" / "notice"
    # WProd's own systems' schema files come along, as the notice names them beside itself.
    for other in notices.glob("*.toml"):
        (directory / other.name).write_bytes(other.read_bytes())
    (directory / "shop.toml").write_text(schema, encoding="utf-8")
    notice = directory / "notice.toml"
    wprod = (notices / "wprod.toml").read_text(encoding="utf-8")
    notice.write_text(wprod + SYSTEM, encoding="utf-8")
    return notice


BACKENDS = ("sqlite", "postgresql", "mariadb")
