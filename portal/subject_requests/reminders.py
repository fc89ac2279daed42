"""Daily reminders of due dates, to the assignee and, when overdue, to the admins.

Meant to run once a day (``flask requests remind``); running it again the same day, or on a later
day, never sends the same reminder twice: each one is recorded on the ticket and looked up first.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.deadlines import previous_working_day
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, RequestStatus, Role, SubjectRequest, User
from portal.subject_requests.clock import controller_today
from portal.subject_requests.timeline import notify, staff_url

WEEK = "7-days"
LAST_DAY = "1-working-day"
OVERDUE = "overdue"

MESSAGES = {
    WEEK: _l("The request is due in a week."),
    LAST_DAY: _l("The request is due on the next working day."),
    OVERDUE: _l("The request is overdue: its due date has passed."),
}


def reminder_due(due_on: date, today: date, country: str) -> str | None:
    """Which reminder, if any, the day calls for. Windows, not exact days, so a missed run
    still reminds the next day."""
    if today > due_on:
        return OVERDUE
    if today >= previous_working_day(due_on, country):
        return LAST_DAY
    if (due_on - today).days <= 7:
        return WEEK
    return None


def send_reminders(today: date | None = None) -> list[tuple[str, str]]:
    """Send what is due today; returns (reference, reminder) pairs sent."""
    today = today or controller_today()
    country = current_app.config["HOLIDAY_COUNTRY"]
    # A waiting request's clock is paused, so its due date is not yet known.
    requests = db.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.status == RequestStatus.OPEN)
        .options(selectinload(SubjectRequest.assignee))
    ).all()
    sent_before: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "reminder.sent",
            AuditEvent.request_id.in_([r.id for r in requests]),
        )
    ):
        sent_before[event.request_id].add((event.details["reminder"], event.details["due_on"]))

    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN)).all()
    notice = current_app.extensions["notice"]
    sent = []
    for request in requests:
        reminder = reminder_due(request.due_on, today, country)
        if reminder is None or (reminder, request.due_on.isoformat()) in sent_before[request.id]:
            continue
        recipients: list[User | str] = [request.assignee or notice.contact_person.email]
        if reminder == OVERDUE:
            recipients += [a for a in admins if a.id != request.assignee_id]
        for recipient in recipients:
            notify(
                request,
                "staff_request_update",
                to=recipient,
                subject=_l(
                    "Reminder: %(reference)s is due %(due)s",
                    reference=request.reference,
                    due=request.due_on.strftime("%d.%m.%Y"),
                ),
                ticket_url=staff_url(request),
                update=MESSAGES[reminder],
            )
        audit.record("reminder.sent", request=request, reminder=reminder, due_on=request.due_on)
        sent.append((request.reference, reminder))
    return sent
