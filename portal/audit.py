"""Appending to the audit trail (GDPR Art. 5(2)). Services call ``record``; nobody edits events."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from portal.extensions import db
from portal.models import AuditEvent, SubjectRequest, User


def _plain(value):
    """Details as JSON-friendly values (dates as ISO strings, enums as their values)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    request: SubjectRequest | None = None,
    public: bool = False,
    body: str | None = None,
    **details,
) -> AuditEvent:
    """Append an event. ``public`` events appear on the requester's timeline of ``request``."""
    if request is not None and subject is None:
        subject = request.requester
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        subject_user_id=subject.id if subject else None,
        request_id=request.id if request else None,
        public=public,
        body=body,
        details=_plain(details),
    )
    db.session.add(event)
    return event
