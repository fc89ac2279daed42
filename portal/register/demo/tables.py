"""The tables of WProd Oy's demo register: the hosting panel's database and the billing partner's.

They stand for systems the portal does not own: the portal never creates them in production, only
reads and changes them through the description files beside the notice (wprod-panel.toml,
wprod-billing.toml). Every column used to find a person, and every foreign key, has an index, as
`flask systems check` asks: finding one person among 100,000 customers must not scan a table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    event,
)
from sqlalchemy.schema import DDL

PANEL = MetaData()
BILLING = MetaData()

# The hosting panel: WProd Oy's own customer database (notice §3, both parts of the register).
customers = Table(
    "customers",
    PANEL,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_number", Integer, nullable=False, unique=True, index=True),
    Column("kind", String(10), nullable=False),  # "person" or "company"
    Column("name", String(200)),
    Column("business_id", String(9), index=True),  # Y-tunnus, companies only
    Column("contact_name", String(200)),  # a company's contact person
    Column("email", String(254), index=True),
    Column("phone", String(30)),
    Column("street_address", String(200)),
    Column("postal_code", String(5)),
    Column("city", String(100)),
    Column("created_on", Date),
    Column("marketing_allowed", Boolean),  # the newsletter and other direct marketing
    # Set while the person's data are restricted (GDPR Art. 18): the panel then only stores them.
    Column("processing_restricted", Boolean, nullable=False, default=False),
)

panel_users = Table(
    "panel_users",
    PANEL,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("username", String(64), nullable=False, unique=True, index=True),
    Column("password_hash", String(200), nullable=False),
    Column("last_login_at", DateTime),
)

services = Table(
    "services",
    PANEL,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("domain", String(253), nullable=False),
    Column("plan", String(60), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
)

orders = Table(
    "orders",
    PANEL,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("ordered_on", Date, nullable=False),
    Column("product", String(120), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
)

# The billing program: the outside partner's database (notice §7), with its own copy of the
# customer's name and address as the invoices need them.
billing_customers = Table(
    "billing_customers",
    BILLING,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("customer_number", Integer, nullable=False, unique=True, index=True),
    Column("name", String(200), nullable=False),
    Column("business_id", String(9), index=True),
    Column("email", String(254), index=True),
    Column("street_address", String(200)),
    Column("postal_code", String(5)),
    Column("city", String(100)),
    # The date of the customer's latest invoice: the record is kept as long as its invoices are.
    Column("last_invoice_on", Date),
)

invoices = Table(
    "invoices",
    BILLING,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column(
        "billing_customer_id",
        Integer,
        ForeignKey("billing_customers.id"),
        nullable=False,
        index=True,
    ),
    Column("invoice_number", String(20), nullable=False, unique=True),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("total", Numeric(10, 2), nullable=False),
    Column("paid_on", Date),
)

invoice_lines = Table(
    "invoice_lines",
    BILLING,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=False, index=True),
    # The invoice's date again, as billing programs keep it on each line: the line's own
    # retention is counted from it (Kirjanpitolaki 1336/1997, 2 luku 10 §).
    Column("issued_on", Date, nullable=False),
    Column("description", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False),
    Column("vat_percent", Numeric(4, 1), nullable=False),
)


# A person is looked up by lower(email) = lower(?), whatever case they typed their address in: an
# index on that expression where the database has them (SQLite, PostgreSQL). MariaDB's default
# collation already compares case-insensitively.
for _table in (customers, billing_customers):
    event.listen(
        _table,
        "after_create",
        DDL(
            f"CREATE INDEX ix_{_table.name}_email_lower ON {_table.name} (lower(email))"
        ).execute_if(dialect=("sqlite", "postgresql")),
    )
