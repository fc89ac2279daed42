"""An erasure on the ticket: the plan staff see, carrying it out, the holds, the waivers.

Everything is an event on the request's trail (GDPR Art. 5(2)) -- ``erasure.planned`` (one per
system, the plan as keys and days), ``erasure.carried_out`` (what the portal saw when it looked
again), ``erasure.stale`` and ``erasure.failed`` (nothing done in that system), and
``erasure.waived`` (staff's written reason) -- and the latest one per system is its state. Kept
rows go on the hold list (``RetentionHold``). The caller holds the request's lock and commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, RetentionHold, SubjectRequest, TaskAnswer, User
from portal.notice.model import System
from portal.register.connections import DEFAULT_TIMEOUT, connection_for, database_url_of
from portal.register.connections.database import Misconfigured, Unreachable
from portal.register.erasure.execute import Executor, Stale
from portal.register.erasure.plan import SystemPlan, plain_key, plan_system
from portal.register.findings import Identity

ACTIONS = (
    "erasure.planned",
    "erasure.carried_out",
    "erasure.stale",
    "erasure.failed",
    "erasure.waived",
    "rectification.carried_out",
    "flags.set",
)
# A system's state on a request, and which of them let the request be completed.
SETTLED = frozenset({"done", "no_data", "waived"})


class ErasureError(ValueError):
    """Shown to staff; nothing changed."""


@dataclass
class SystemStatus:
    system: System
    # done, no_data, waived, planned (waiting for approval), failed, problems, task_pending,
    # task_cannot, not_planned
    state: str
    plan: SystemPlan | None = None
    event: AuditEvent | None = None

    @property
    def settled(self) -> bool:
        return self.state in SETTLED


def years_kept() -> dict[str, int]:
    """Each category the notice keeps after an erasure, with its years."""
    return {
        c.key: c.retention.years
        for c in current_app.extensions["notice"].data_categories
        if c.retention.kept_after_erasure and c.retention.years is not None
    }


def database_systems() -> list[System]:
    return [s for s in current_app.extensions["notice"].systems if s.connection == "database"]


def _executor(system: System) -> Executor | None:
    url = database_url_of(system, current_app.config)
    if not url:
        return None
    timeout = float(current_app.config.get("REGISTER_TIMEOUT") or DEFAULT_TIMEOUT)
    return Executor(system, url, timeout=timeout, years=years_kept())


def _plan(system: System, identity: Identity, today: date) -> SystemPlan:
    executor = _executor(system)
    if executor is None:
        finding = connection_for(system, current_app.config).find(identity)
        return plan_system(system.key, system.schema, finding, years_kept(), today)
    return executor.plan(identity, today)


def _record_plan(request: SubjectRequest, staff: User | None, plan: SystemPlan) -> AuditEvent:
    return audit.record(
        "erasure.planned",
        actor=staff,
        request=request,
        system=plan.system_key,
        plan=plan.as_record(),
    )


def make_plans(request: SubjectRequest, staff: User, identity: Identity, today: date) -> None:
    """A fresh plan for every database system, from a fresh search (nothing is changed)."""
    for system in database_systems():
        if status_of(request, system).state in ("done", "waived"):
            continue
        _record_plan(request, staff, _plan(system, identity, today))


def _events(request: SubjectRequest) -> list[AuditEvent]:
    db.session.flush()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == request.id, AuditEvent.action.in_(ACTIONS))
            .order_by(AuditEvent.id)
        )
    )


def erasure_state(request: SubjectRequest) -> str:
    """A fingerprint of the plans and results, sent with the panel's forms: a plan made or
    carried out since the page was drawn turns a second click into a conflict, not a second
    erasure."""
    parts = tuple(event.id for event in _events(request))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def status_of(request: SubjectRequest, system: System, events=None) -> SystemStatus:
    every = events if events is not None else _events(request)
    mine = [e for e in every if e.details.get("system") == system.key]
    plan_event = next((e for e in reversed(mine) if e.action == "erasure.planned"), None)
    plan = SystemPlan.from_record(plan_event.details["plan"]) if plan_event else None
    latest = mine[-1] if mine else None
    if latest is not None and latest.action == "erasure.waived":
        return SystemStatus(system, "waived", plan, latest)
    if system.connection == "task":
        return _task_status(request, system)
    if latest is None:
        return SystemStatus(system, "not_planned")
    if latest.action == "flags.set":
        tables = latest.details.get("tables", {})
        if not any(t["keys"] for t in tables.values()):
            return SystemStatus(system, "no_data", plan, latest)
        clean = all(t["verified"] == len(t["keys"]) for t in tables.values())
        return SystemStatus(system, "done" if clean else "problems", plan, latest)
    if latest.action == "rectification.carried_out":
        return SystemStatus(system, "done", plan, latest)
    if latest.action == "erasure.carried_out":
        clean = latest.details.get("evidence", {}).get("clean")
        return SystemStatus(system, "done" if clean else "problems", plan, latest)
    if latest.action == "erasure.failed":
        return SystemStatus(system, "failed", plan, latest)
    if plan is not None and plan.state == "not_found":
        return SystemStatus(system, "no_data", plan, plan_event)
    if plan is not None and plan.state == "found":
        return SystemStatus(system, "planned", plan, plan_event)
    return SystemStatus(system, "failed", plan, plan_event)


def _task_status(request: SubjectRequest, system: System) -> SystemStatus:
    from portal.register.tasks import states

    task = next((s.task for s in states(request) if s.system.key == system.key), None)
    if task is None or task.answered_at is None:
        return SystemStatus(system, "task_pending")
    state = {TaskAnswer.DONE: "done", TaskAnswer.NO_DATA: "no_data"}.get(task.answer)
    return SystemStatus(system, state or "task_cannot")


def approvable(status: SystemStatus) -> bool:
    """A plan waiting for approval, or one a system that was down could not carry out: trying
    again compares it with the data first, like the first time."""
    return (
        status.state in ("planned", "failed")
        and status.plan is not None
        and status.plan.state == "found"
    )


def statuses(request: SubjectRequest) -> list[SystemStatus]:
    events = _events(request)
    return [status_of(request, s, events) for s in current_app.extensions["notice"].systems]


def unsettled(request: SubjectRequest) -> list[SystemStatus]:
    return [s for s in statuses(request) if not s.settled]


def carry_out(
    request: SubjectRequest, staff: User, identity: Identity, today: date
) -> dict[str, str]:
    """Carry out every approved plan still waiting, each system in its own transaction. Returns
    what happened per system: done, problems, stale (a new plan is on the ticket), failed."""
    results: dict[str, str] = {}
    waiting = [s for s in statuses(request) if approvable(s)]
    if not waiting:
        raise ErasureError(_l("There is no plan waiting to be carried out."))
    for status in waiting:
        results[status.system.key] = _carry_out_one(request, staff, identity, today, status)
    return results


def _carry_out_one(request, staff, identity, today, status: SystemStatus) -> str:
    system, plan = status.system, status.plan
    executor = _executor(system)
    try:
        if executor is None:
            raise Misconfigured(f"not configured (set {system.url_env})")
        evidence = executor.carry_out(plan, identity, today)
    except Stale as stale:
        audit.record(
            "erasure.stale",
            actor=staff,
            request=request,
            system=system.key,
            approved=plan.fingerprint,
            found=stale.plan.fingerprint,
        )
        _record_plan(request, staff, stale.plan)
        return "stale"
    except (Unreachable, Misconfigured) as exc:
        audit.record(
            "erasure.failed",
            actor=staff,
            request=request,
            system=system.key,
            state="unreachable" if isinstance(exc, Unreachable) else "misconfigured",
            problem=str(exc),
        )
        return "failed"
    holds = _hold(request, system, plan)
    audit.record(
        "erasure.carried_out",
        actor=staff,
        request=request,
        system=system.key,
        fingerprint=plan.fingerprint,
        evidence=evidence.as_record(),
        holds=holds,
    )
    return "done" if evidence.clean else "problems"


def _hold(request: SubjectRequest, system: System, plan: SystemPlan) -> int:
    """Put the kept rows on the hold list; a row already held (an earlier erasure of the same
    person) keeps its one hold, with the later day."""
    added = 0
    for table, hold in plan.holds:
        key = str(plain_key(hold.key))
        existing = db.session.scalar(
            select(RetentionHold).where(
                RetentionHold.system_key == system.key,
                RetentionHold.table_name == table,
                RetentionHold.row_key == key,
                RetentionHold.ended_at.is_(None),
            )
        )
        if existing is not None:
            existing.kept_until = max(existing.kept_until, hold.until)
            continue
        db.session.add(
            RetentionHold(
                request_id=request.id,
                system_key=system.key,
                table_name=table,
                row_key=key,
                category=hold.category,
                kept_until=hold.until,
            )
        )
        added += 1
    db.session.flush()
    return added


def waive(request: SubjectRequest, staff: User, system_key: str, reason: str) -> None:
    reason = (reason or "").strip()
    systems = current_app.extensions["notice"].systems
    system = next((s for s in systems if s.key == system_key), None)
    if system is None:
        raise ErasureError(_l("There is no such system."))
    if not reason:
        raise ErasureError(_l("Write why this system needs nothing done. Nothing was changed."))
    audit.record("erasure.waived", actor=staff, request=request, system=system.key, body=reason)


def kept_on_request(request: SubjectRequest) -> list[tuple[str, str, int, date]]:
    """What this request's erasure keeps, from the hold list: (system, category, rows, until),
    the latest day first per group -- what the letter may say (nothing more, GDPR Art. 5(1)(a))."""
    groups: dict[tuple[str, str, date], int] = {}
    for hold in db.session.scalars(
        select(RetentionHold).where(
            RetentionHold.request_id == request.id, RetentionHold.ended_at.is_(None)
        )
    ):
        slot = (hold.system_key, hold.category, hold.kept_until)
        groups[slot] = groups.get(slot, 0) + 1
    return [
        (system, category, count, until)
        for (system, category, until), count in sorted(groups.items())
    ]


def letter_facts(request: SubjectRequest) -> dict:
    """What the erasure letter says of the systems, only from the record: each group of kept rows
    with its system, category and last day, and the systems where nothing could be erased yet
    because everything there is kept (GDPR Art. 17(3)(b), 12(1))."""
    notice = current_app.extensions["notice"]
    systems = {s.key: s for s in notice.systems}
    categories = {c.key: c for c in notice.data_categories}
    kept = [
        {
            "system": systems[system].name if system in systems else system,
            "category": categories[category].name if category in categories else category,
            "count": count,
            "until": until,
        }
        for system, category, count, until in kept_on_request(request)
    ]
    nothing_erased = []
    for status in statuses(request):
        if status.state != "done" or status.event is None:
            continue
        evidence = status.event.details.get("evidence", {})
        changed = sum(evidence.get("deleted", {}).values()) + sum(
            evidence.get("updated", {}).values()
        )
        if not changed:
            nothing_erased.append(status.system.name)
    return {"kept": kept, "nothing_erased": nothing_erased}


def record_correction(
    request: SubjectRequest, staff: User, system: System, table: str, key, changes: dict
) -> None:
    """GDPR Art. 16 and 5(2): the correction as it was made, before -> after, on the ticket."""
    audit.record(
        "rectification.carried_out",
        actor=staff,
        request=request,
        system=system.key,
        table=table,
        key=plain_key(key),
        changes=changes,
    )


def executor_for(system: System) -> Executor | None:
    return _executor(system)


def flag_kind(request: SubjectRequest) -> str | None:
    """What a request sets in the systems: a restriction, or an objection to marketing."""
    return {"restriction": "restriction", "marketing_objection": "marketing_objection"}.get(
        request.kind.value
    )


def flag_systems(kind: str) -> list[System]:
    return [
        s
        for s in database_systems()
        if s.schema is not None and any(t.flag(kind) for t in s.schema.tables)
    ]


def set_flags_in(
    request: SubjectRequest, staff: User, identity: Identity, system: System, kind: str
) -> str:
    """Set the system's flag columns for the person and record what was read back: done,
    stale (nothing set), or failed (the system could not be used)."""
    from portal.register.erasure.flags import set_flags

    executor = _executor(system)
    try:
        if executor is None:
            raise Misconfigured(f"not configured (set {system.url_env})")
        tables = set_flags(executor, identity, kind)
    except Stale:
        return "stale"
    except (Unreachable, Misconfigured) as exc:
        audit.record(
            "erasure.failed",
            actor=staff,
            request=request,
            system=system.key,
            state="unreachable" if isinstance(exc, Unreachable) else "misconfigured",
            problem=str(exc),
        )
        return "failed"
    audit.record(
        "flags.set", actor=staff, request=request, system=system.key, kind=kind, tables=tables
    )
    return "done"
