"""Appending to the audit trail (GDPR Art. 5(2)). Services call ``record``; nobody edits events."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, User


def record(
    action: str, *, actor: User | None = None, subject: User | None = None, **details
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        subject_user_id=subject.id if subject else None,
        details=details,
    )
    db.session.add(event)
    return event
