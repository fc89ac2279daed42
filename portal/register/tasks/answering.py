"""The owner's side of a task: the link opens it, the answer closes it, once.

The link is signed for its purpose and expires (``SYSTEM_TASK_MAX_AGE``); it names the task and
the task's link key, so a token for another task, or an altered one, opens nothing. It works only
while the task is unanswered and the request is being handled. The answer is written with a
conditional update (``answered_at IS NULL`` and the request still open), so of two submissions of
the owner's form, or two owners racing, exactly one lands; the other changes nothing.
"""

from __future__ import annotations

import hmac
from datetime import date

from flask import current_app
from sqlalchemy import select, update

from portal import audit, files
from portal.deadlines import local_date
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, SubjectRequest, SystemTask, TaskAnswer, TaskAsk, utcnow
from portal.register.tasks.sending import ACTIVE
from portal.tokens import Purpose, TokenError, TokenExpired, load_token

REASON_MAX = 2000


class LinkProblem(Exception):
    """The link opens nothing; ``problem`` names the page that says why."""

    problem = "invalid"

    def __init__(self, task: SystemTask | None = None) -> None:
        super().__init__(self.problem)
        self.task = task


class LinkInvalid(LinkProblem):
    problem = "invalid"


class LinkExpired(LinkProblem):
    problem = "expired"


class LinkUsed(LinkProblem):
    problem = "used"


class LinkClosed(LinkProblem):
    problem = "closed"


class TaskAnswerError(ValueError):
    """An answer the page cannot take; shown next to the form, nothing stored."""


def today() -> date:
    return local_date(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


def open_task(token: str) -> SystemTask:
    """The task the link is for, or the LinkProblem that says why it opens nothing."""
    try:
        payload = load_token(Purpose.SYSTEM_TASK, token)
    except TokenExpired:
        raise LinkExpired() from None
    except TokenError:
        raise LinkInvalid() from None
    task_id, key = payload.get("task"), payload.get("key")
    if not isinstance(task_id, int) or isinstance(task_id, bool) or not isinstance(key, str):
        raise LinkInvalid()
    if not 0 < task_id < 2**31:
        raise LinkInvalid()
    task = db.session.get(SystemTask, task_id)
    if task is None or not hmac.compare_digest(task.link_jti.encode(), key.encode()):
        raise LinkInvalid()
    if task.answered_at is not None:
        raise LinkUsed(task)
    if task.request.status not in ACTIVE:
        raise LinkClosed(task)
    return task


def _checked(task: SystemTask, answer: TaskAnswer, done_on: date | None, reason: str, uploads):
    """The answer's parts, or TaskAnswerError for the first one missing or wrong."""
    try:
        chosen = files.check_uploads(uploads)
    except files.UploadError as exc:
        raise TaskAnswerError(str(exc)) from None
    reason = reason.strip()
    if answer is TaskAnswer.DONE:
        if task.asked is TaskAsk.EXPORT and not chosen:
            raise TaskAnswerError(_l("Upload the export of the person's data from the system."))
        if done_on is None:
            if task.asked is TaskAsk.CONFIRM:
                raise TaskAnswerError(_l("Give the date on which you made the change."))
            done_on = today()
        if done_on > today():
            raise TaskAnswerError(_l("The date cannot be in the future."))
    else:
        done_on = None
    if answer is TaskAnswer.CANNOT and not reason:
        raise TaskAnswerError(_l("Say why it cannot be done."))
    if len(reason) > REASON_MAX:
        raise TaskAnswerError(
            _l("Write at most %(count)s characters.", count=REASON_MAX),
        )
    return done_on, reason or None, chosen


def answer_task(
    task: SystemTask, answer: TaskAnswer, *, done_on: date | None, reason: str, uploads
) -> AuditEvent:
    """Record the owner's answer with its files on the ticket's timeline. The caller commits;
    LinkUsed or LinkClosed means another answer (or the closing) came first and nothing was
    stored."""
    done_on, reason, chosen = _checked(task, answer, done_on, reason, uploads)
    answered_at = utcnow()
    still_open = select(SubjectRequest.id).where(SubjectRequest.status.in_(ACTIVE))
    result = db.session.execute(
        update(SystemTask)
        .where(
            SystemTask.id == task.id,
            SystemTask.answered_at.is_(None),
            SystemTask.request_id.in_(still_open),
        )
        .values(answered_at=answered_at, answer=answer, done_on=done_on, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(task)
        raise (LinkUsed if task.answered_at is not None else LinkClosed)(task)
    db.session.refresh(task)
    stored = files.store(chosen, request=task.request, uploader=None, public=False)
    details = {"attachments": files.describe(stored)} if stored else {}
    event = audit.record(
        "system_task.answered",
        request=task.request,
        body=reason,
        task=task.id,
        system=task.system_key,
        owner=task.owner_email,
        owner_name=task.owner_name,
        answer=answer,
        done_on=done_on,
        **details,
    )
    files.attach_to(event, stored)
    db.session.flush()
    task.answer_event_id = event.id
    return event
