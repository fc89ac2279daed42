"""WProd Oy's demo customer register: the hosting panel's database and the billing partner's.

``build_register`` fills both on any SQLAlchemy URL (SQLite files by default, PostgreSQL, MariaDB),
the same rows every time for the same seed and ``today``. ``flask demo seed`` builds it under
``instance/`` for the README's walkthrough; the tests and the benchmark build their own.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from .rows import AINO_EMAIL, FIRST_CUSTOMER_NUMBER, Generator
from .tables import BILLING, PANEL

SEED = 20261
DEFAULT_CUSTOMERS = 200
DEFAULT_INVOICES_PER_CUSTOMER = 4
PANEL_TABLES = ("customers", "panel_users", "services", "orders")
BILLING_TABLES = ("billing_customers", "invoices", "invoice_lines")
# The settings (wprod.toml's [[systems]] url_env) that point the notice's database systems at the
# register, each with the file the demo uses when it is unset.
DEMO_DATABASES = (
    ("WPROD_PANEL_DATABASE_URL", "wprod-panel.sqlite"),
    ("WPROD_BILLING_DATABASE_URL", "wprod-billing.sqlite"),
)
__all__ = [
    "DEMO_DATABASES",
    "FIRST_CUSTOMER_NUMBER",
    "Built",
    "NotTheDemo",
    "build_register",
    "row_counts",
]


@dataclass
class Built:
    """What a build did: ``created`` is False when a complete register was already there."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def row_counts(panel: sa.Engine, billing: sa.Engine) -> dict[str, int]:
    """Rows per table; a table that does not exist counts 0."""
    counts = {}
    for engine, metadata, names in (
        (panel, PANEL, PANEL_TABLES),
        (billing, BILLING, BILLING_TABLES),
    ):
        existing = set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            for name in names:
                counts[name] = (
                    connection.scalar(sa.select(sa.func.count()).select_from(metadata.tables[name]))
                    if name in existing
                    else 0
                )
    return counts


class NotTheDemo(RuntimeError):
    """A database the demo would build in holds tables of the same names that are not its own."""


def ensure_ours(engine: sa.Engine, metadata, root: str, names, counts: dict[str, int]) -> None:
    """Refuse to drop tables that hold rows unless they are the demo's: its first customer is
    there. A setting pointed at a real panel or billing database by mistake must never empty it."""
    if not any(counts[name] for name in names):
        return
    table = metadata.tables[root]
    query = sa.select(sa.func.count()).where(
        table.c.customer_number == FIRST_CUSTOMER_NUMBER, table.c.email == AINO_EMAIL
    )
    try:
        with engine.connect() as connection:
            ours = bool(connection.scalar(query))
    except sa.exc.SQLAlchemyError:
        ours = False  # not even the demo's columns
    if not ours:
        where = engine.url.render_as_string(hide_password=True)
        raise NotTheDemo(
            f"{where} holds tables named like the demo register's ({', '.join(names)}) that are "
            "not the demo's; they are left as they are. Point the setting at another database."
        )


def build_register(
    panel_url: str,
    billing_url: str,
    *,
    today: date,
    customers: int = DEFAULT_CUSTOMERS,
    invoices_per_customer: int = DEFAULT_INVOICES_PER_CUSTOMER,
    seed: int = SEED,
    reset: bool = False,
    chunk_size: int = 5000,
) -> Built:
    """Build the demo register, or leave a complete one as it is (``reset`` builds it anew).

    ``customers`` counts everyone, the three fixed people included; ``invoices_per_customer`` is
    the average (each customer gets between 1 and twice that, less one). A half-built register (one
    database filled, the other not: a build that stopped midway) is built anew. Tables of the same
    names that are not the demo's are never dropped: ``NotTheDemo``.
    """
    if customers < 3:
        raise ValueError("The demo register has at least its three fixed customers.")
    if invoices_per_customer < 0:
        raise ValueError("invoices_per_customer cannot be negative.")
    started = time.perf_counter()
    panel = sa.create_engine(panel_url)
    billing = sa.create_engine(billing_url)
    try:
        counts = row_counts(panel, billing)
        if not reset and counts["customers"] and counts["billing_customers"]:
            return Built(False, counts, time.perf_counter() - started)
        # Nothing is dropped before both databases are known to be the demo's (or empty).
        ensure_ours(panel, PANEL, "customers", PANEL_TABLES, counts)
        ensure_ours(billing, BILLING, "billing_customers", BILLING_TABLES, counts)
        for engine, metadata in ((panel, PANEL), (billing, BILLING)):
            metadata.drop_all(engine, checkfirst=True)
            metadata.create_all(engine)
        _fill(panel, billing, today, customers, invoices_per_customer, seed, chunk_size)
        return Built(True, row_counts(panel, billing), time.perf_counter() - started)
    finally:
        panel.dispose()
        billing.dispose()


def _fill(panel, billing, today, customers, invoices_per_customer, seed, chunk_size) -> None:
    """Insert in chunks, parents before children, one transaction per database.

    One transaction each keeps a failed build from leaving a register that looks complete; the
    chunks keep memory flat at 100,000 customers and a million invoices.
    """
    # A seeded generator on purpose: the same register every time; it makes no secrets.
    rng = random.Random(seed)  # noqa: S311
    generator = Generator(rng, today, invoices_per_customer)
    order = {
        **{n: PANEL.tables[n] for n in PANEL_TABLES},
        **{n: BILLING.tables[n] for n in BILLING_TABLES},
    }
    pending: dict[str, list[dict]] = {name: [] for name in order}
    with panel.begin() as panel_tx, billing.begin() as billing_tx:
        target = {
            **dict.fromkeys(PANEL_TABLES, panel_tx),
            **dict.fromkeys(BILLING_TABLES, billing_tx),
        }

        def flush() -> None:
            for name, table in order.items():
                if pending[name]:
                    target[name].execute(table.insert(), pending[name])
                    pending[name] = []

        def people():
            yield from generator.fixed_customers()
            for index in range(4, customers + 1):
                yield generator.random_customer(index)

        for made in people():
            for name, rows in made.items():
                pending[name].extend(rows)
            if (
                len(pending["invoice_lines"]) >= chunk_size
                or len(pending["customers"]) >= chunk_size
            ):
                flush()
        flush()
