"""One change at a time on one request.

Two staff members (or one staff member's double click) acting on the same ticket at once must
not both succeed: a request closed *and* extended, or answered twice with contradictory letters,
would be a false record (GDPR Art. 5(1)(d), 5(2)). Every action that changes a request first
takes its row, fresh from the database and locked until the commit; the lifecycle rules then see
what the other action committed. The ticket page also sends the state it showed, so an action
taken on a page that is out of date is refused rather than applied to a state nobody saw.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import RestrictionLift, SubjectRequest


def lock_request(request_id: int) -> SubjectRequest | None:
    """The request, re-read and locked until the transaction ends; None if there is none."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock, held to the commit,
        # so another writer waits and the read below sees what it committed.
        db.session.execute(
            update(SubjectRequest)
            .where(SubjectRequest.id == request_id)
            .values(id=SubjectRequest.id)
            .execution_options(synchronize_session=False)
        )
    request = db.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if request is not None:
        # Relationships (pauses, the requester) are read again too, inside the lock.
        db.session.expire(request, ["pauses", "requester", "assignee"])
        db.session.refresh(request.requester)
    return request


def state_of(request: SubjectRequest) -> str:
    """A short fingerprint of everything an action's rules depend on: status, assignee, due date
    and period, outcome, pauses, and whether the person's data is restricted. Messages and notes
    do not change it, so two staff members may both write on one ticket. A restriction's
    lifting (started, ended) is the person's, whichever ticket it was started from."""
    lifts = db.session.execute(
        select(RestrictionLift.id, RestrictionLift.ended_at.is_(None)).where(
            RestrictionLift.user_id == request.requester_id
        )
    ).all()
    parts = (
        request.status.value,
        request.assignee_id,
        request.due_on.isoformat() if request.due_on else None,
        request.period_months,
        request.outcome.value if request.outcome else None,
        tuple((p.id, p.resumed_at is not None) for p in request.pauses),
        request.requester.restricted_at is not None,
        tuple(sorted(tuple(row) for row in lifts)),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
