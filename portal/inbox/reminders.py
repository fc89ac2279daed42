"""The daily reminder of mail waiting in the staff inbox.

A request by email runs from its arrival whether or not anyone has opened it (GDPR Art. 12(3);
EDPB Guidelines 01/2022 §159), so mail left in the inbox is a deadline nobody sees. Once a day
(``flask requests remind``) the contact person is told how many messages wait, and when the
oldest would be due if it is a request. Run again the same day, it sends nothing more.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from portal import audit
from portal.deadlines import due_date
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.inbox.joining import contact_person
from portal.mail import queue_email
from portal.models import AuditEvent, IncomingMessage, IncomingState
from portal.subject_requests.clock import controller_today, local_day
from portal.urls import external_url

WAITING = (IncomingState.NEW, IncomingState.WAITING)
SENT = "inbox.reminder_sent"


def remind_of_inbox(today: date | None = None) -> int:
    """Email the contact person about waiting mail; the number of messages it named (0: none)."""
    today = today or controller_today()
    count, oldest = db.session.execute(
        select(func.count(IncomingMessage.id), func.min(IncomingMessage.arrived_at)).where(
            IncomingMessage.state.in_(WAITING)
        )
    ).one()
    if not count:
        return 0
    last = db.session.scalar(
        select(AuditEvent.details)
        .where(AuditEvent.action == SENT)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if last and last.get("day") == today.isoformat():
        return 0
    contact, to = contact_person()
    arrived_on = local_day(oldest)
    queue_email(
        "staff_inbox_reminder",
        to=to,
        user=contact,
        subject=_l("Mail waits in the inbox: %(count)s", count=count),
        count=count,
        oldest_on=arrived_on,
        due_on=due_date(arrived_on, 1, country=current_app.config["HOLIDAY_COUNTRY"]),
        inbox_url=external_url("staff.inbox"),
    )
    audit.record(SENT, day=today.isoformat(), count=count, to=to)
    return count
