"""Reminders to the owners of tasks not yet answered, from the daily job
(``flask requests remind``).

Two, once each: when a task has waited a week, and two working days before the request's due
date, so that the answer can still reach the requester in time (GDPR Art. 12(3)). Each is
recorded on the task, by a conditional update, and on the ticket's timeline; a second run (the
same day or later) finds it recorded and sends nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal import audit
from portal.deadlines import local_date, previous_working_day
from portal.extensions import db
from portal.models import RequestStatus, SubjectRequest, SystemTask, utcnow
from portal.register.tasks.sending import ACTIVE, queue_task_email, systems_of

WEEK = "7-days"
DUE = "due"
WAIT_DAYS = 7


def due_reminder_from(due_on: date, country: str) -> date:
    """The day of the due-date reminder: two working days before the due date."""
    return previous_working_day(previous_working_day(due_on, country), country)


def reminders_for(task: SystemTask, today: date, country: str) -> list[str]:
    """Which reminders the day calls for. Windows, not exact days, so a missed run still
    reminds the next day; a request whose clock is paused has no due date to count back from."""
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    due = []
    if (
        task.reminded_week_at is None
        and task.sent_at is not None
        and today - local_date(task.sent_at, timezone) >= timedelta(days=WAIT_DAYS)
    ):
        due.append(WEEK)
    request = task.request
    if (
        task.reminded_due_at is None
        and request.status is RequestStatus.OPEN
        and today >= due_reminder_from(request.due_on, country)
    ):
        due.append(DUE)
    return due


def remind_owners(today: date | None = None) -> list[tuple[str, str, str]]:
    """Send the reminders due today; returns (reference, system key, reminder) for each sent.

    When both are due on one day, one email goes (the due-date one, the more pressing) and both
    are recorded as done."""
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = today or local_date(utcnow(), timezone)
    country = current_app.config["HOLIDAY_COUNTRY"]
    systems = {s.key: s for s in systems_of()}
    waiting = db.session.scalars(
        select(SystemTask)
        .join(SubjectRequest, SystemTask.request_id == SubjectRequest.id)
        .where(SystemTask.answered_at.is_(None), SubjectRequest.status.in_(ACTIVE))
        .order_by(SystemTask.id)
    ).all()
    sent = []
    for task in waiting:
        system = systems.get(task.system_key)
        reminders = reminders_for(task, today, country)
        if system is None or not reminders:
            # A system taken out of the notice keeps its tasks on record, but is not chased.
            continue
        now = utcnow()
        values = {"reminded_week_at": now} if WEEK in reminders else {}
        if DUE in reminders:
            values["reminded_due_at"] = now
        claimed = db.session.execute(
            update(SystemTask)
            .where(
                SystemTask.id == task.id,
                SystemTask.answered_at.is_(None),
                *(getattr(SystemTask, column).is_(None) for column in values),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue  # answered or reminded meanwhile
        reminder = DUE if DUE in reminders else WEEK
        email = queue_task_email(task, system, reminder=reminder)
        audit.record(
            "system_task.reminded",
            request=task.request,
            task=task.id,
            system=task.system_key,
            owner=task.owner_email,
            reminders=reminders,
            due_on=task.request.due_on,
            email_subject=email.subject,
        )
        sent.append((task.request.reference, task.system_key, reminder))
    return sent
