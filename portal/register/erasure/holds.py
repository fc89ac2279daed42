"""The daily job on the hold list: rows kept after an erasure are deleted when their day has
passed (GDPR Art. 5(1)(e), 17(1)(a)), and each end is recorded on the erasure's ticket.

Each system in its own transaction, children before parents. Before a row goes, the date its
retention counts from is read again: a row whose date moved (a correction in the billing program)
is held to its new day, not deleted early. A system that is down or refuses keeps its holds for the
next run; the others go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import HoldEnd, RetentionHold, utcnow
from portal.notice.model import System
from portal.register.connections import DEFAULT_TIMEOUT, database_url_of
from portal.register.connections.database import DatabaseConnection, Misconfigured, Unreachable
from portal.register.erasure.execute import Executor
from portal.register.erasure.plan import retained_until


@dataclass
class Ended:
    hold: RetentionHold
    # deleted, gone, extended, or failed (with ``problem``)
    how: str
    problem: str | None = None


def end_holds(today: date, years: Mapping[str, int]) -> list[Ended]:
    """End every hold whose last day is before ``today``; the caller commits."""
    due = list(
        db.session.scalars(
            select(RetentionHold)
            .where(RetentionHold.ended_at.is_(None), RetentionHold.kept_until < today)
            .order_by(RetentionHold.system_key, RetentionHold.id)
        )
    )
    systems = {s.key: s for s in current_app.extensions["notice"].systems}
    results: list[Ended] = []
    for system_key in dict.fromkeys(h.system_key for h in due):
        holds = [h for h in due if h.system_key == system_key]
        system = systems.get(system_key)
        results += _end_in(system, holds, today, years)
    return results


def _end_in(
    system: System | None, holds: list[RetentionHold], today: date, years: Mapping[str, int]
) -> list[Ended]:
    url = database_url_of(system, current_app.config) if system is not None else None
    if system is None or system.schema is None or not url:
        problem = "the system is not in the notice" if system is None else "not configured"
        return [_failed(hold, problem) for hold in holds]
    timeout = float(current_app.config.get("REGISTER_TIMEOUT") or DEFAULT_TIMEOUT)
    executor = Executor(system, url, timeout=timeout, years=years)
    outcomes: list[tuple[RetentionHold, str, date | None]] = []

    def work(connection) -> None:
        tables = DatabaseConnection(system, url, timeout=timeout).reflect(connection)
        for hold in sorted(holds, key=lambda h: _depth(system, h.table_name), reverse=True):
            outcomes.append(_end_one(connection, system, tables, hold, today, years))

    try:
        executor._write(work)
    except (Unreachable, Misconfigured) as exc:
        return [_failed(hold, str(exc)) for hold in holds]
    results = []
    for hold, how, until in outcomes:
        if how == "extended":
            hold.kept_until = until
        else:
            hold.ended_at = utcnow()
            hold.ended_how = HoldEnd(how)
        audit.record(
            f"retention_hold.{how}",
            request=hold.request,
            system=hold.system_key,
            table=hold.table_name,
            key=hold.row_key,
            category=hold.category,
            kept_until=hold.kept_until,
        )
        results.append(Ended(hold, how))
    return results


def _end_one(connection, system: System, tables, hold: RetentionHold, today: date, years):
    described = system.schema.table(hold.table_name)
    table = tables[hold.table_name]
    key = table.c[described.primary_key]
    value = _key(key, hold.row_key)
    if described.kept_from is not None:
        kept_from = connection.scalar(sa.select(table.c[described.kept_from]).where(key == value))
        until = retained_until(kept_from, years.get(hold.category, 0), today)
        if kept_from is not None and until >= today:
            return hold, "extended", until
    done = connection.execute(sa.delete(table).where(key == value)).rowcount
    return hold, "deleted" if done else "gone", None


def _failed(hold: RetentionHold, problem: str) -> Ended:
    audit.record(
        "retention_hold.failed",
        request=hold.request,
        system=hold.system_key,
        table=hold.table_name,
        key=hold.row_key,
        problem=problem,
    )
    return Ended(hold, "failed", problem)


def _key(column: sa.Column, text: str):
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    return int(text) if python_type is int and text.lstrip("-").isdigit() else text


def _depth(system: System, table_name: str) -> int:
    described, steps = system.schema.table(table_name), 0
    while described.parent is not None:
        described, steps = system.schema.table(described.parent.table), steps + 1
    return steps
