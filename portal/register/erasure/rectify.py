"""Rectification in a connected database (GDPR Art. 16): staff see the person's fields as each
system holds them, enter corrections, and the portal writes them, before -> after on the record.

Only text columns the schema file lists as disclosed personal data can be corrected: keys, links
and what is held but not shown (a password hash) cannot. A correction is written in one
transaction after the row is read again: if its values changed since staff saw them, or the row no
longer belongs to the person, nothing is written (GDPR Art. 5(1)(d): a correction must not
overwrite a change nobody saw). The row is then read once more, so the record says what the
database holds now.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.notice.model import System
from portal.register.connections.database import DatabaseConnection, Misconfigured
from portal.register.erasure.execute import Executor, Stale, _key_value, _python_type
from portal.register.erasure.plan import SystemPlan, plain_key
from portal.register.findings import Identity

# Longer than any text column of a register the portal describes; a longer value is refused.
MAX_VALUE = 254


class NotTheirs(Exception):
    """The row is not among the person's rows (a forged form, or the data changed)."""


@dataclass
class Row:
    table: str
    key: Any
    values: dict[str, Any]
    editable: list[str]
    fingerprint: str


@dataclass
class Fields:
    system: System
    state: str
    problem: str | None = None
    rows: list[Row] = field(default_factory=list)


def fingerprint(values: dict[str, Any], editable: list[str]) -> str:
    content = repr(
        [(name, None if values.get(name) is None else str(values[name])) for name in editable]
    )
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _editable(system: System, tables: dict[str, sa.Table], table_name: str) -> list[str]:
    described = system.schema.table(table_name)
    skip = {described.primary_key}
    if described.parent is not None:
        skip.add(described.parent.column)
    return [
        column.name
        for column in described.columns
        if column.disclose
        and column.name not in skip
        and _python_type(tables[table_name].c[column.name]) is str
    ]


def fields_of(executor: Executor, identity: Identity) -> Fields:
    """The person's rows in one system with the columns staff may correct."""
    system = executor.system
    connection: DatabaseConnection = executor.connection
    finding = connection.find(identity)
    if finding.state != "found":
        return Fields(system, finding.state, finding.problem)
    tables = connection._run(connection.reflect)
    result = Fields(system, "found")
    for described in system.schema.tables:
        editable = _editable(system, tables, described.name)
        for values, key in zip(
            finding.tables.get(described.name, []),
            finding.keys.get(described.name, []),
            strict=True,
        ):
            result.rows.append(
                Row(described.name, key, values, editable, fingerprint(values, editable))
            )
    return result


def correct(
    executor: Executor,
    identity: Identity,
    table_name: str,
    key: str,
    seen: str,
    changes: dict[str, str],
) -> dict[str, list]:
    """Write ``changes`` to the person's row ``key`` of ``table_name`` if it still holds what
    staff saw (``seen``, its fingerprint). Returns {column: [before, after]} as read back."""
    system = executor.system
    connection = executor.connection
    if table_name not in {t.name for t in system.schema.tables}:
        raise NotTheirs(table_name)
    described = system.schema.table(table_name)
    written: dict[str, list] = {}

    def work(db_connection) -> None:
        finding = connection._find(db_connection, identity)
        keys = [str(plain_key(k)) for k in finding.keys.get(table_name, [])]
        if str(key) not in keys:
            raise NotTheirs(key)
        tables = connection.reflect(db_connection)
        table = tables[table_name]
        editable = _editable(system, tables, table_name)
        unknown = [name for name in changes if name not in editable]
        if unknown:
            raise Misconfigured(f"{table_name}.{unknown[0]} cannot be corrected here")
        primary = table.c[described.primary_key]
        row_key = _key_value(primary, key)
        columns = [table.c[name] for name in editable]
        current = db_connection.execute(sa.select(*columns).where(primary == row_key)).one()
        before = dict(zip(editable, current, strict=True))
        if fingerprint(before, editable) != seen:
            raise Stale(SystemPlan(system.key, "found"))
        # An empty field and an empty column are the same: only a real difference is written.
        really = {
            name: value
            for name, value in changes.items()
            if (before[name] or None) != (value or None)
        }
        if not really:
            return
        done = db_connection.execute(
            sa.update(table).where(primary == row_key).values(**really)
        ).rowcount
        if done != 1:
            raise Stale(SystemPlan(system.key, "found"))
        for name, value in really.items():
            written[name] = [before[name], value]

    executor._write(work)
    if written:
        after = executor.connection._run(
            lambda db_connection: _read_back(executor, db_connection, table_name, key, written)
        )
        for name in written:
            written[name][1] = after[name]
    return written


def _read_back(executor: Executor, db_connection, table_name: str, key, written) -> dict:
    table = executor.connection.reflect(db_connection)[table_name]
    primary = table.c[executor.system.schema.table(table_name).primary_key]
    row = db_connection.execute(
        sa.select(*[table.c[name] for name in written]).where(primary == _key_value(primary, key))
    ).one()
    return dict(zip(written, row, strict=True))
