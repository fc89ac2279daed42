"""The systems of a request as the ticket shows them, and sending a task to a system's owner."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.mail import queue_email
from portal.models import (
    Attachment,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    SystemTask,
    TaskAsk,
    User,
    utcnow,
)
from portal.tokens import Purpose, make_token
from portal.urls import external_url

# A task is sent, and answered, only while the request is being handled: once it is answered
# nothing in the systems should change because of it (GDPR Art. 5(1)(c)).
ACTIVE = frozenset({RequestStatus.OPEN, RequestStatus.WAITING})


def asked_for(kind: RequestKind) -> TaskAsk:
    """What the owner is asked: the export for an access request (GDPR Art. 15(3)); for every
    other right, to confirm what they did in the system and when (Art. 16-18, 21, 7(3))."""
    return TaskAsk.EXPORT if kind is RequestKind.ACCESS else TaskAsk.CONFIRM


class TaskError(ValueError):
    """A task that cannot be sent; the message is shown to staff and nothing changed."""


@dataclass(frozen=True)
class SystemState:
    """One system of the notice on one request: its latest task, if it is a task system."""

    system: object  # portal.notice.System
    task: SystemTask | None

    @property
    def is_task_system(self) -> bool:
        return self.system.connection == "task"


def systems_of() -> tuple:
    """The controller's systems, in the notice's order."""
    return tuple(current_app.extensions["notice"].systems)


def task_systems() -> tuple:
    return tuple(s for s in systems_of() if s.connection == "task")


def _tasks(request: SubjectRequest) -> list[SystemTask]:
    return list(
        db.session.scalars(
            select(SystemTask).where(SystemTask.request_id == request.id).order_by(SystemTask.id)
        )
    )


def states(request: SubjectRequest, loaded: list[SystemTask] | None = None) -> list[SystemState]:
    """Every system of the notice with its latest task on this request (sending again after an
    answer makes a new task; the older ones stay on the timeline). ``loaded``: the request's
    tasks, when the caller has them already."""
    latest = {task.system_key: task for task in (_tasks(request) if loaded is None else loaded)}
    return [SystemState(system, latest.get(system.key)) for system in systems_of()]


def tasks_state(request: SubjectRequest, loaded: list[SystemTask] | None = None) -> str:
    """A fingerprint of the request's tasks, sent with the panel's forms: a task sent or answered
    since the page was drawn makes a second click a conflict, not a second email."""
    parts = tuple(
        (t.id, t.sent_at.isoformat() if t.sent_at else None, t.answered_at is not None)
        for t in (_tasks(request) if loaded is None else loaded)
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def owner_locale(system) -> str:
    """The owner's language: a staff member's own choice; an outside contact gets the system's
    ``owner_language``, Finnish (the portal's default) when the notice does not say."""
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == system.owner_email.strip().lower())
    )
    if user is not None and user.is_staff and user.locale:
        return user.locale
    return system.owner_language or current_app.config["BABEL_DEFAULT_LOCALE"]


def link_for(task: SystemTask) -> str:
    """A fresh link to the task; every link of a task dies when the task is answered."""
    token = make_token(Purpose.SYSTEM_TASK, task=task.id, key=task.link_jti)
    return external_url("tasks.answer", token=token)


def link_expires(task: SystemTask):
    """When a link made now stops working (and never after the request is closed)."""
    return utcnow() + timedelta(seconds=current_app.config["SYSTEM_TASK_MAX_AGE"])


def _subject(reminder: str | None, **names):
    if reminder == "7-days":
        return _l("Reminder: a task for %(system)s is waiting (request %(reference)s)", **names)
    if reminder == "due":
        return _l(
            "Reminder: request %(reference)s is due soon; a task for %(system)s is waiting",
            **names,
        )
    return _l("A task for %(system)s: request %(reference)s", **names)


def queue_task_email(task: SystemTask, system, *, reminder: str | None = None):
    """The email to the owner; it names the request but none of the person's data, which only
    the page behind the link shows (GDPR Art. 5(1)(f), 32)."""
    notice = current_app.extensions["notice"]
    name = system.name.in_language(task.owner_locale)
    return queue_email(
        "system_task",
        to=task.owner_email,
        locale=task.owner_locale,
        subject=_subject(reminder, system=name, reference=task.request.reference),
        task=task,
        system_name=name,
        controller=notice.controller.name,
        request=task.request,
        link=link_for(task),
        expires=link_expires(task),
        reminder=reminder,
    )


def send_task(
    request: SubjectRequest, system_key: str, staff: User, message: str | None
) -> SystemTask:
    """Send (or send again) the task for one system of the notice. The caller holds the
    request's lock and commits.

    While a task is unanswered, sending again sends the same task with a fresh link and the new
    message; after an answer it makes a new task, so each answer stays with what was asked."""
    if request.status not in ACTIVE:
        raise TaskError(_l("Tasks are sent only while the request is being handled."))
    system = next((s for s in systems_of() if s.key == system_key), None)
    if system is None or system.connection != "task":
        raise TaskError(_l("This system is not reached through a task."))
    message = (message or "").strip() or None
    task = next(
        (
            t
            for t in reversed(_tasks(request))
            if t.system_key == system.key and t.answered_at is None
        ),
        None,
    )
    again = task is not None
    if task is None:
        task = SystemTask(
            request=request,
            system_key=system.key,
            # Copied: the notice may name another owner later; the record keeps whom we asked.
            owner_name=system.owner_name,
            owner_email=system.owner_email.strip(),
            owner_locale=owner_locale(system),
            asked=asked_for(request.kind),
            created_by_id=staff.id,
            link_jti=secrets.token_urlsafe(24),
        )
        db.session.add(task)
    task.message = message
    task.sent_at = utcnow()
    db.session.flush()
    email = queue_task_email(task, system)
    audit.record(
        "system_task.sent",
        actor=staff,
        request=request,
        body=message,
        task=task.id,
        system=system.key,
        owner=task.owner_email,
        asked=task.asked,
        again=again,
        email_subject=email.subject,
    )
    return task


def answered_files(request: SubjectRequest) -> list[tuple[SystemTask, list[Attachment]]]:
    """The answered tasks of a request with the files their owners uploaded, oldest first: what
    the access package says of each system, and the exports it carries (GDPR Art. 15(3))."""
    tasks = [t for t in _tasks(request) if t.answered_at is not None]
    event_ids = [t.answer_event_id for t in tasks if t.answer_event_id]
    by_event: dict[int, list[Attachment]] = {}
    if event_ids:
        for attachment in db.session.scalars(
            select(Attachment)
            .where(Attachment.event_id.in_(event_ids), Attachment.removed_at.is_(None))
            .order_by(Attachment.id)
        ):
            by_event.setdefault(attachment.event_id, []).append(attachment)
    return [(t, by_event.get(t.answer_event_id, [])) for t in tasks]
