"""The rules of a data-subject request, once it is on record: lapse, withdrawal, messages and the
contact person's actions up to the answer.

Services check the lifecycle, append events to the ticket's timeline (the audit trail), and queue
email; the views commit. Every event the requester should know of is public and also emailed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.deadlines import extension_problem
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import (
    Outcome,
    PauseReason,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    User,
    utcnow,
)
from portal.subject_requests.clock import (
    compute_due_on,
    controller_today,
    days_since_receipt,
    local_day,
)
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE, check_transition
from portal.subject_requests.timeline import notify, record_with_files, requester_url, staff_url
from portal.urls import external_url


def lapse_unconfirmed(now: datetime | None = None) -> list[SubjectRequest]:
    """Requests whose confirmation link expired unused lapse; they stay on record."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["REQUEST_CONFIRM_MAX_AGE"])
    lapsed = db.session.scalars(
        select(SubjectRequest).where(
            SubjectRequest.status == RequestStatus.UNCONFIRMED,
            SubjectRequest.received_at < cutoff,
        )
    ).all()
    for request in lapsed:
        check_transition(request.status, RequestStatus.LAPSED)
        request.status = RequestStatus.LAPSED
        request.closed_at = now
        audit.record(
            "request.lapsed",
            request=request,
            public=True,
            status=[RequestStatus.UNCONFIRMED, RequestStatus.LAPSED],
        )
        notify(
            request,
            "request_lapsed",
            to=request.requester,
            subject=_l("Your request %(reference)s was not confirmed", reference=request.reference),
            new_request_url=external_url("requests.choose"),
            request_url=requester_url(request),
        )
    return lapsed


# The requester ---------------------------------------------------------------------------------


def withdraw(request: SubjectRequest, requester: User) -> None:
    before = request.status
    check_transition(before, RequestStatus.WITHDRAWN)
    _close_open_pause(request)
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = utcnow()
    audit.record(
        "request.withdrawn",
        actor=requester,
        request=request,
        public=True,
        status=[before, RequestStatus.WITHDRAWN],
    )
    notify(
        request,
        "request_withdrawn",
        to=requester,
        subject=_l("Your request %(reference)s is withdrawn", reference=request.reference),
        request_url=requester_url(request),
    )
    if before in ACTIVE and request.assignee is not None:
        notify(
            request,
            "staff_request_update",
            to=request.assignee,
            subject=_l("%(reference)s was withdrawn", reference=request.reference),
            ticket_url=staff_url(request),
            update=_l("The requester withdrew the request."),
        )


def requester_reply(
    request: SubjectRequest, requester: User, body: str, uploads=None, **details
) -> None:
    """A message from the requester (through the portal, or by email with ``details`` of how it
    came); when staff were waiting for it, the clock runs again."""
    if request.status not in ACTIVE:
        raise RequestError(_l("This request is no longer open for messages."))
    body = _required_text(body, _l("Write a message."))
    _event, stored = record_with_files(
        "message.requester",
        uploads,
        actor=requester,
        request=request,
        public=True,
        body=body,
        **details,
    )
    if request.status is RequestStatus.WAITING and not request.waits_for_fee:
        # The information asked for may be in it; a fee is paid elsewhere (Art. 12(5)).
        resume(request, requester)
    if request.assignee is not None:
        # The message itself, so the assignee can read it where the notification lands; files
        # stay behind the login.
        notify(
            request,
            "staff_request_update",
            to=request.assignee,
            subject=_l("New message on %(reference)s", reference=request.reference),
            ticket_url=staff_url(request),
            update=_l("The requester sent a message:"),
            body=body,
            attachments=[a.filename for a in stored],
        )


# Staff -----------------------------------------------------------------------------------------


def _required_text(text: str | None, message) -> str:
    text = (text or "").strip()
    if not text:
        raise RequestError(message)
    return text


def _require_active(request: SubjectRequest) -> None:
    if request.status not in ACTIVE:
        raise RequestError(_l("This request is not open, so this cannot be done any more."))


def reply(request: SubjectRequest, staff: User, body: str, uploads=None) -> None:
    _require_active(request)
    body = _required_text(body, _l("Write the reply."))
    _event, stored = record_with_files(
        "message.staff", uploads, actor=staff, request=request, public=True, body=body
    )
    notify(
        request,
        "request_message",
        to=request.requester,
        subject=_l("A reply on your request %(reference)s", reference=request.reference),
        body=body,
        # Files are never emailed: they wait on the request's page behind the login.
        attachments=[a.filename for a in stored],
        request_url=requester_url(request),
    )


def add_note(request: SubjectRequest, staff: User, body: str, uploads=None) -> None:
    body = _required_text(body, _l("Write the note."))
    record_with_files("note", uploads, actor=staff, request=request, public=False, body=body)


# What a question to the requester is for. Only two stop the clock (EDPB Guidelines 01/2022
# §159; LEGAL.md "Deadlines"): information needed to confirm who is asking (GDPR Art. 12(6)),
# and a justified request to clarify an unclear request. Any other question leaves it running.
QUESTION_PURPOSES = {
    "identity": PauseReason.IDENTITY,
    "clarification": PauseReason.CLARIFICATION,
    "other": None,
}
# Such a question must come without undue delay: after this many days from receipt, the ticket
# warns before it is sent, and the record says how late it was.
ASK_LATE_AFTER_DAYS = 7


def asked_late(request: SubjectRequest, today) -> bool:
    return days_since_receipt(request, today) > ASK_LATE_AFTER_DAYS


def ask_for_information(request: SubjectRequest, staff: User, body: str, purpose: str) -> None:
    """Ask the requester a question; to confirm identity or clarify the request, the clock
    pauses until they answer (or staff resume)."""
    if purpose not in QUESTION_PURPOSES:
        raise RequestError(_l("Choose what the question is for."))
    pause = QUESTION_PURPOSES[purpose]
    if pause is None:
        _require_active(request)
    else:
        check_transition(request.status, RequestStatus.WAITING)
    body = _required_text(body, _l("Say what information you need."))
    today = controller_today()
    changes = {}
    if pause is not None:
        changes["status"] = [request.status, RequestStatus.WAITING]
        request.status = RequestStatus.WAITING
        db.session.add(RequestPause(request=request, asked_at=utcnow(), reason=pause))
    audit.record(
        "request.info_requested",
        actor=staff,
        request=request,
        public=True,
        body=body,
        purpose=purpose,
        clock="paused" if pause else "running",
        days_after_receipt=days_since_receipt(request, today),
        late=asked_late(request, today),
        **changes,
    )
    notify(
        request,
        "request_info_needed",
        to=request.requester,
        subject=_l("We need more information: %(reference)s", reference=request.reference),
        body=body,
        clock_paused=pause is not None,
        request_url=requester_url(request),
    )


def _close_open_pause(request: SubjectRequest, at: datetime | None = None) -> None:
    for pause in request.pauses:
        if pause.resumed_at is None:
            pause.resumed_at = at or utcnow()


def resume(request: SubjectRequest, actor: User) -> None:
    """The information arrived (or staff go on without it): the clock runs again."""
    check_transition(request.status, RequestStatus.OPEN)
    if request.status is not RequestStatus.WAITING:
        raise RequestError(_l("The request is not waiting for information."))
    if request.waits_for_fee:
        raise RequestError(
            _l(
                "The request waits for the fee: record the payment when it arrives, or close "
                "the request. Nothing changed."
            )
        )
    run_clock_again(request, actor)


def run_clock_again(request: SubjectRequest, actor: User, at: datetime | None = None, **details):
    """End the open pause (at ``at``, default now) and work out the due date again."""
    _close_open_pause(request, at)
    request.status = RequestStatus.OPEN
    before = request.due_on
    request.due_on = compute_due_on(request, controller_today())
    audit.record(
        "request.resumed",
        actor=actor,
        request=request,
        public=True,
        status=[RequestStatus.WAITING, RequestStatus.OPEN],
        due_on=[before, request.due_on],
        **details,
    )


EXTENSION_MESSAGES = {
    "too-long": _l("The deadline can be at most three months from receipt."),
    "not-longer": _l("Choose a longer period than the current one."),
    "due-date-passed": _l(
        "The due date has passed, so the deadline can no longer be extended (GDPR Art. 12(3))."
    ),
}


def extend(request: SubjectRequest, staff: User, months: int, reason: str) -> None:
    """Extend to ``months`` from receipt, with reasons the requester is told (GDPR Art. 12(3))."""
    _require_active(request)
    reason = _required_text(reason, _l("Give the reasons for the extension."))
    if months <= request.period_months:
        raise RequestError(EXTENSION_MESSAGES["not-longer"])
    today = controller_today()
    # The stored due date does not move while a pause runs; the one that counts does, by a day
    # for each day of the pause so far.
    before = compute_due_on(request, today)
    problem = extension_problem(local_day(request.received_at), before, today, months)
    if problem:
        raise RequestError(EXTENSION_MESSAGES[problem])
    request.period_months = months
    request.extension_reason = reason
    request.due_on = compute_due_on(request, today)
    audit.record(
        "request.extended",
        actor=staff,
        request=request,
        public=True,
        body=reason,
        due_on=[before, request.due_on],
        period_months=months,
    )
    notify(
        request,
        "request_extended",
        to=request.requester,
        subject=_l("More time for your request %(reference)s", reference=request.reference),
        reason=reason,
        request_url=requester_url(request),
    )


def assign(request: SubjectRequest, staff: User, assignee: User) -> None:
    if not assignee.is_staff:
        raise RequestError(_l("Requests can be assigned to staff only."))
    before = request.assignee.email if request.assignee else None
    if request.assignee_id == assignee.id:
        return
    request.assignee = assignee
    audit.record(
        "request.assigned", actor=staff, request=request, assignee=[before, assignee.email]
    )
    if assignee.id != staff.id:
        notify(
            request,
            "staff_request_update",
            to=assignee,
            subject=_l("%(reference)s was assigned to you", reference=request.reference),
            ticket_url=staff_url(request),
            update=_l("The request was assigned to you."),
        )


def resolve(
    request: SubjectRequest,
    staff: User,
    outcome: Outcome,
    reasons: str,
    uploads=None,
    template: str = "request_resolved",
    **letter_context,
) -> None:
    """Close with an outcome. A refusal, whole or partial, needs reasons (GDPR Art. 12(4))."""
    before = request.status
    check_transition(before, RequestStatus.CLOSED)
    reasons = (reasons or "").strip()
    if outcome is not Outcome.COMPLETED and not reasons:
        raise RequestError(
            _l("Give the reasons: the requester must be told why (GDPR Art. 12(4)).")
        )
    paused = request.open_pause is not None
    _close_open_pause(request)
    if paused:
        # Closed while the clock stood still (identity never confirmed, a fee never paid): the
        # due date that counts at closing holds the days of that pause too (Art. 12(6); EDPB
        # Guidelines 01/2022 §159), and the accountability figures compare the answer with it.
        request.due_on = compute_due_on(request, controller_today())
    request.status = RequestStatus.CLOSED
    request.outcome = outcome
    request.outcome_reasons = reasons or None
    request.closed_at = utcnow()
    _event, stored = record_with_files(
        "request.resolved",
        uploads,
        actor=staff,
        request=request,
        public=True,
        body=reasons or None,
        status=[before, RequestStatus.CLOSED],
        outcome=outcome,
    )
    notify(
        request,
        template,
        to=request.requester,
        subject=_l("Answer to your request %(reference)s", reference=request.reference),
        outcome=outcome.value,
        reasons=reasons,
        attachments=[a.filename for a in stored],
        **letter_context,
        authority=current_app.extensions["notice"].supervisory_authority,
        request_url=requester_url(request),
    )
