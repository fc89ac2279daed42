"""The controller confirms its additions to the notice, on the audit trail (GDPR Art. 5(2)).

A confirmation is an audit event ``notice.addition_confirmed``: who, when, which addition, the
notice's file and version, what the statement and the covered fields said, and a fingerprint of
that. It stands for as long as the file says the same; once the addition is edited, its
fingerprint changes and the admin page shows it as changed since the last confirmation. Nothing is
stored elsewhere: the audit trail is the record an auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.notice.additions import covered_values, fingerprint, plain
from portal.notice.model import ControllerAddition, Notice

ACTION = "notice.addition_confirmed"


@dataclass(frozen=True)
class Confirmation:
    """The latest confirmation of one addition, and whether it still matches the file."""

    confirmed_at: datetime
    actor_id: int | None
    current: bool


def confirm(notice: Notice, addition: ControllerAddition, actor: User) -> AuditEvent:
    """Record that ``actor`` confirmed the addition as the file states it now."""
    return audit.record(
        ACTION,
        actor=actor,
        addition=addition.key,
        fingerprint=fingerprint(notice, addition),
        notice_file=notice.path,
        notice_version=notice.version,
        statement=plain(addition.statement),
        values=covered_values(notice, addition),
    )


def latest(notice: Notice) -> dict[str, Confirmation]:
    """Each addition's latest confirmation, by key; an addition never confirmed is absent."""
    found: dict[str, Confirmation] = {}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == ACTION).order_by(AuditEvent.id.desc())
    )
    wanted = {addition.key: addition for addition in notice.controller_additions}
    for event in events:
        key = event.details.get("addition")
        if key in wanted and key not in found:
            found[key] = Confirmation(
                confirmed_at=event.occurred_at,
                actor_id=event.actor_id,
                current=event.details.get("fingerprint") == fingerprint(notice, wanted[key]),
            )
        if len(found) == len(wanted):
            break
    return found
