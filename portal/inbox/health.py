"""Whether the privacy mailbox can be read, as staff see it.

A mailbox that cannot be read hides requests whose clocks run anyway (EDPB Guidelines 01/2022
§159), so an outage must not live only in a log file. The fetcher records when one starts and
when it ends — transitions only, not every failed try — and the staff inbox shows the outage
while it lasts.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent

DOWN = "inbox.unavailable"
UP = "inbox.available"


def last_state() -> AuditEvent | None:
    """The latest of the outage events: DOWN while the mailbox cannot be read."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action.in_((DOWN, UP)))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def note(reachable: bool, reason: str = "") -> None:
    """Record a change of state (and commit); nothing when the state is as last recorded."""
    last = last_state()
    was_down = last is not None and last.action == DOWN
    if reachable == (not was_down):
        db.session.rollback()
        return
    if reachable:
        audit.record(UP)
    else:
        audit.record(DOWN, reason=reason[:500])
    db.session.commit()
