"""Carrying out an approved erasure plan in one database system, and looking again.

One system, one transaction: the person is found again inside it and the plan computed anew; if
that plan is not the approved one (a row appeared, went, or changed its date), nothing is done and
the new plan is returned for staff to see (GDPR Art. 5(1)(d): nobody approved what would happen
now). Otherwise every statement is checked against the plan -- a delete or update that touches
another number of rows than planned rolls the whole system back. SQL is SQLAlchemy Core on the
reflected tables, names from the schema file, values bound.

After the commit the portal looks again in a fresh connection: by key, that every deleted row is
gone, every blanked column empty and every kept row there; and by the person's identity, that
nothing is left that the plan does not keep. What it saw is the evidence on the ticket, as counts
and keys (Art. 5(2)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from portal.notice.model import Schema, System
from portal.register.connections.database import (
    CHUNK,
    DatabaseConnection,
    Misconfigured,
    Unreachable,
    _short,
    engine_for,
)
from portal.register.erasure.plan import SystemPlan, TablePlan, plain_key, plan_system
from portal.register.findings import Identity

# An email column must hold an address in many panels: a masked one is on the reserved
# ".invalid" top-level domain (RFC 2606), so no message can ever reach it.
MASK_DOMAIN = "erased.invalid"


class Stale(Exception):
    """The data changed since the plan: nothing was done; ``plan`` is the new one."""

    def __init__(self, plan: SystemPlan) -> None:
        super().__init__("the data changed since the plan")
        self.plan = plan


@dataclass
class Evidence:
    """What the portal saw when it looked again, as counts and keys."""

    deleted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    # Found again by the person's identity, per table (all of it should be on hold).
    found_again: dict[str, int] = field(default_factory=dict)
    # Rows that should not be there, or columns that should be empty: (table, key, what).
    problems: list[list] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems

    def as_record(self) -> dict:
        return {
            "deleted": self.deleted,
            "updated": self.updated,
            "kept": self.kept,
            "found_again": self.found_again,
            "problems": self.problems,
            "clean": self.clean,
        }


def masked(column: str, key: Any, python_type: type) -> Any:
    if python_type is str:
        if "mail" in column:
            return f"erased-{key}@{MASK_DOMAIN}"
        return f"erased-{key}"
    return None


def _blank(column: sa.Column) -> Any:
    """Empty: NULL where the column allows it, else the empty text."""
    if column.nullable:
        return None
    try:
        if column.type.python_type is str:
            return ""
    except NotImplementedError:
        pass
    where = f"{column.table.name}.{column.name}"
    raise Misconfigured(f"{where} cannot be blanked: it must hold a value")


def _python_type(column: sa.Column) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return str


def _key_value(column: sa.Column, key: Any) -> Any:
    """A key from the record (text or number) as the column holds it."""
    if _python_type(column) is int and isinstance(key, str) and key.isdigit():
        return int(key)
    return key


class Executor:
    def __init__(
        self, system: System, url: str, *, timeout: float, years: Mapping[str, int]
    ) -> None:
        self.system = system
        self.schema: Schema = system.schema
        self.connection = DatabaseConnection(system, url, timeout=timeout)
        self.url = url
        self.timeout = timeout
        self.years = years

    def plan(self, identity: Identity, today: date) -> SystemPlan:
        finding = self.connection.find(identity)
        return plan_system(self.system.key, self.schema, finding, self.years, today)

    def carry_out(self, approved: SystemPlan, identity: Identity, today: date) -> Evidence:
        """Carry out ``approved``; Stale, Unreachable or Misconfigured when nothing was done."""
        self._write(lambda connection: self._apply(connection, approved, identity, today))
        return self.look_again(approved, identity)

    # The transaction ------------------------------------------------------------------------

    def _write(self, work) -> None:
        engine = engine_for(self.url, self.timeout)
        try:
            database = engine.url.database
            # SQLite would create an empty file where the register should be.
            if (
                engine.url.get_backend_name() == "sqlite"
                and database not in (None, "", ":memory:")
                and not Path(database).is_file()
            ):
                raise Unreachable(f"no database file at {database}")
            with engine.connect() as connection, connection.begin():
                work(connection)
        except (Stale, Misconfigured, Unreachable):
            raise
        except DBAPIError as exc:
            if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
                raise Unreachable(_short(exc)) from None
            # A constraint the description does not know of (a foreign key from another table).
            raise Misconfigured(_short(exc)) from None
        except (TimeoutError, OSError) as exc:
            raise Unreachable(_short(exc)) from None
        except SQLAlchemyError as exc:
            raise Misconfigured(_short(exc)) from None
        finally:
            engine.dispose()

    def _apply(self, connection, approved: SystemPlan, identity: Identity, today: date) -> None:
        finding = self.connection._find(connection, identity)
        fresh = plan_system(self.system.key, self.schema, finding, self.years, today)
        if fresh.fingerprint != approved.fingerprint:
            raise Stale(fresh)
        tables = self.connection.reflect(connection)
        # Children before parents: a row is deleted only when nothing planned points to it.
        for planned in sorted(fresh.tables, key=self._depth, reverse=True):
            described = self.schema.table(planned.table)
            table = tables[planned.table]
            key = table.c[described.primary_key]
            for chunk in _chunks(list(planned.delete)):
                done = connection.execute(sa.delete(table).where(key.in_(chunk))).rowcount
                if done != len(chunk):
                    raise Stale(fresh)
            self._update(connection, table, key, planned, fresh)

    def _update(self, connection, table: sa.Table, key, planned: TablePlan, fresh) -> None:
        if not planned.update or not (planned.blank or planned.mask):
            return
        blanks = {name: _blank(table.c[name]) for name in planned.blank}
        for row_key in planned.update:
            values = dict(blanks)
            for name in planned.mask:
                values[name] = masked(name, plain_key(row_key), _python_type(table.c[name]))
                if values[name] is None:
                    values[name] = _blank(table.c[name])
            done = connection.execute(
                sa.update(table).where(key == row_key).values(**values)
            ).rowcount
            if done != 1:
                raise Stale(fresh)

    def _depth(self, planned: TablePlan) -> int:
        described, steps = self.schema.table(planned.table), 0
        while described.parent is not None:
            described, steps = self.schema.table(described.parent.table), steps + 1
        return steps

    # Looking again --------------------------------------------------------------------------

    def look_again(self, approved: SystemPlan, identity: Identity) -> Evidence:
        evidence = Evidence()

        def read(connection) -> None:
            tables = self.connection.reflect(connection)
            for planned in approved.tables:
                self._verify(connection, tables[planned.table], planned, evidence)

        self.connection._run(read)
        again = self.connection.find(identity)
        if again.state not in ("found", "not_found"):
            raise Unreachable(again.problem or again.state)
        allowed = {
            (planned.table, plain_key(k))
            for planned in approved.tables
            for k in (*planned.update, *(h.key for h in planned.keep))
        }
        for table, keys in again.keys.items():
            evidence.found_again[table] = len(keys)
            for row_key in keys:
                if (table, plain_key(row_key)) not in allowed:
                    evidence.problems.append([table, plain_key(row_key), "not in the plan"])
        return evidence

    def _verify(self, connection, table: sa.Table, planned: TablePlan, evidence: Evidence):
        described = self.schema.table(planned.table)
        key = table.c[described.primary_key]
        deleted = [_key_value(key, k) for k in planned.delete]
        for chunk in _chunks(deleted):
            for (row_key,) in connection.execute(sa.select(key).where(key.in_(chunk))):
                evidence.problems.append([planned.table, plain_key(row_key), "still there"])
        evidence.deleted[planned.table] = len(deleted)
        changed = [*planned.blank, *planned.mask]
        if planned.update:
            updated = [_key_value(key, k) for k in planned.update]
            columns = [table.c[name] for name in changed]
            seen = 0
            for chunk in _chunks(updated):
                for row in connection.execute(sa.select(key, *columns).where(key.in_(chunk))):
                    seen += 1
                    for name in planned.blank:
                        if row._mapping[name] not in (None, ""):
                            evidence.problems.append([planned.table, plain_key(row[0]), name])
                    for name in planned.mask:
                        value = row._mapping[name]
                        if value is not None and not str(value).startswith("erased-"):
                            evidence.problems.append([planned.table, plain_key(row[0]), name])
            evidence.updated[planned.table] = seen
        kept = [_key_value(key, h.key) for h in planned.keep]
        present = 0
        for chunk in _chunks(kept):
            present += connection.scalar(
                sa.select(sa.func.count()).select_from(table).where(key.in_(chunk))
            )
        evidence.kept[planned.table] = present


def _chunks(values: list) -> list[list]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]
