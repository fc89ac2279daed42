"""The rows of a staff list as plain values: what the table shows of each request, its requester
and its assignee read as columns in one statement, and the pauses of the waiting ones (what a
waiting request waits for, and the date its clock runs to) in one more.

Loaded as whole requests and accounts, 25 rows cost more Python than the rest of the page's work
together (issue 14); a row here holds only what the table reads, so a template that reads more
fails its tests instead of costing a statement a row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import (
    Outcome,
    PauseReason,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    User,
)
from portal.models.request import Pauses
from portal.web.staff.lists import ASSIGNEE

REQUESTER = aliased(User, name="requester_user")
COLUMNS = (
    SubjectRequest.id,
    SubjectRequest.reference,
    SubjectRequest.kind,
    SubjectRequest.status,
    SubjectRequest.outcome,
    SubjectRequest.received_at,
    SubjectRequest.due_on,
    SubjectRequest.period_months,
    SubjectRequest.assignee_id,
    REQUESTER.name.label("requester_name"),
    REQUESTER.email.label("requester_email"),
    ASSIGNEE.name.label("assignee_name"),
)


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    asked_at: datetime
    resumed_at: datetime | None
    reason: PauseReason | None


@dataclass(slots=True)
class QueueRow(Pauses):
    """One request as its list row shows it; ``pauses`` only for a waiting request."""

    id: int
    reference: str | None
    kind: RequestKind
    status: RequestStatus
    outcome: Outcome | None
    received_at: datetime
    due_on: date | None
    period_months: int
    assignee_id: int | None
    requester: Person
    assignee: Person | None
    pauses: list[Pause] = field(default_factory=list)


def with_people(query: Select) -> Select:
    """``query`` (over SubjectRequest, outer-joined to ASSIGNEE) joined to the requester too."""
    return query.join(REQUESTER, REQUESTER.id == SubjectRequest.requester_id)


def rows_of(query: Select) -> list[QueueRow]:
    """The rows ``query`` (selecting COLUMNS) gives, in its order, with the waiting ones'
    pauses."""
    rows = [
        QueueRow(
            *values[:9],
            requester=Person(values.requester_name, values.requester_email),
            assignee=Person(values.assignee_name) if values.assignee_id is not None else None,
        )
        for values in db.session.execute(query)
    ]
    waiting = {row.id: row for row in rows if row.status is RequestStatus.WAITING}
    if waiting:
        pauses = defaultdict(list)
        for request_id, *values in db.session.execute(
            select(
                RequestPause.request_id,
                RequestPause.asked_at,
                RequestPause.resumed_at,
                RequestPause.reason,
            )
            .where(RequestPause.request_id.in_(list(waiting)))
            .order_by(RequestPause.asked_at)
        ):
            pauses[request_id].append(Pause(*values))
        for request_id, row in waiting.items():
            row.pauses = pauses[request_id]
    return rows
