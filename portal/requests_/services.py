"""The rules of a data-subject request, from submission to answer.

Services check the lifecycle, append events to the ticket's timeline (the audit trail), and queue
email; the views commit. Every event the requester should know of is public and also emailed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, files
from portal.auth.services import check_unused, spend_token
from portal.deadlines import (
    due_date,
    extension_problem,
    local_date,
    paused_days,
)
from portal.extensions import db
from portal.mail import queue_email
from portal.models import (
    Outcome,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    User,
    utcnow,
)
from portal.requests_.kinds import KINDS
from portal.requests_.lifecycle import ACTIVE, check_transition
from portal.tokens import Purpose, TokenInvalid, TokenUsed, load_token, make_token
from portal.urls import external_url


class RequestError(Exception):
    """A rule refused the action; the message is shown to the person who tried it."""


# Time ------------------------------------------------------------------------------------------


def _local(moment: datetime) -> date:
    return local_date(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"])


def controller_today(now: datetime | None = None) -> date:
    """Today in the controller's time zone: deadlines are counted in local days."""
    return _local(now or utcnow())


def compute_due_on(request: SubjectRequest, today: date) -> date:
    """Receipt + the period (1 or up to 3 months) + the days the clock stood still."""
    pauses = [
        (_local(p.asked_at), _local(p.resumed_at) if p.resumed_at else None) for p in request.pauses
    ]
    return due_date(
        _local(request.received_at),
        request.period_months,
        country=current_app.config["HOLIDAY_COUNTRY"],
        paused_days=paused_days(pauses, today),
    )


# Notifications ---------------------------------------------------------------------------------


def notify(request: SubjectRequest, template: str, *, to: User | str, subject, **context):
    """Queue an email about a request and put it on the ticket's record.

    A person with no address (a request that came by letter) gets no email; the ticket records
    that the contact person must send the message another way."""
    user = to if isinstance(to, User) else None
    address = to.email if isinstance(to, User) else to
    if not address:
        audit.record("email.not_sent", request=request, template=template, reason="no-address")
        return None
    message = queue_email(
        template,
        to=address,
        user=user,
        subject=subject,
        request=request,
        kind_title=KINDS[request.kind].title,
        **context,
    )
    audit.record(
        "email.queued",
        request=request,
        to=address,
        template=template,
        email_subject=message.subject,
    )
    return message


def _record_with_files(
    action: str,
    uploads,
    *,
    actor: User,
    request: SubjectRequest,
    public: bool,
    body: str | None = None,
    **details,
):
    """Append an event together with the files that came with it (stored first, so the event
    can name them by checksum)."""
    try:
        stored = files.store(uploads, request=request, uploader=actor, public=public)
    except files.UploadError as exc:
        raise RequestError(str(exc)) from None
    if stored:
        details["attachments"] = files.describe(stored)
    event = audit.record(action, actor=actor, request=request, public=public, body=body, **details)
    files.attach_to(event, stored)
    return event, stored


def requester_url(request: SubjectRequest) -> str:
    return external_url("requests.show", request_id=request.id)


def staff_url(request: SubjectRequest) -> str:
    return external_url("staff.ticket", request_id=request.id)


# Submission and confirmation -------------------------------------------------------------------


def reference_for(request: SubjectRequest) -> str:
    """The human-readable reference, e.g. WP-2026-0042: the year of receipt and the row's id."""
    return (
        f"{current_app.config['REQUEST_REFERENCE_PREFIX']}-{_local(request.received_at).year}-"
        f"{request.id:04d}"
    )


def store_new_request(
    requester: User,
    kind: RequestKind,
    *,
    status: RequestStatus,
    received_at: datetime,
    submission_key: str,
    description: str | None = "",
    particular_situation: str | None = None,
    customer_number: str | None = None,
    username: str | None = None,
    business_id: str | None = None,
    **columns,
) -> SubjectRequest:
    """Add a request with its due date and reference; the same form sent twice is refused."""
    request = SubjectRequest(
        requester=requester,
        kind=kind,
        status=status,
        description=(description or "").strip(),
        particular_situation=(particular_situation or "").strip() or None,
        customer_number=(customer_number or "").strip() or None,
        username=(username or "").strip() or None,
        business_id=(business_id or "").strip() or None,
        submission_key=submission_key,
        received_at=received_at,
        period_months=1,
        due_on=due_date(_local(received_at), 1, country=current_app.config["HOLIDAY_COUNTRY"]),
        **columns,
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise RequestError(_l("This form was already used. Open the form again.")) from None
    request.reference = reference_for(request)
    return request


def submit_request(
    requester: User,
    kind: RequestKind,
    *,
    submission_key: str,
    description: str = "",
    particular_situation: str | None = None,
    customer_number: str | None = None,
    username: str | None = None,
    business_id: str | None = None,
    evidence=None,
) -> SubjectRequest:
    """Store a request and email its confirmation link. The clock starts now (LEGAL.md)."""
    if not requester.is_confirmed:
        raise RequestError(_l("Confirm your email address before you submit requests."))
    existing = db.session.scalar(
        select(SubjectRequest).where(SubjectRequest.submission_key == submission_key)
    )
    if existing is not None:
        # The same form sent twice (a double click, a reload): one request, not two.
        if existing.requester_id != requester.id:
            raise RequestError(_l("This form was already used. Open the form again."))
        return existing
    if kind is RequestKind.OBJECTION and not (particular_situation or "").strip():
        # Notice §9 and GDPR Art. 21(1): the objection rests on the person's particular situation.
        raise RequestError(_l("Describe the particular situation on which you base the objection."))

    request = store_new_request(
        requester,
        kind,
        status=RequestStatus.UNCONFIRMED,
        received_at=utcnow(),
        submission_key=submission_key,
        description=description,
        particular_situation=particular_situation,
        customer_number=customer_number,
        username=username,
        business_id=business_id,
    )
    _record_with_files(
        "request.submitted",
        # Evidence for a correction (GDPR Art. 16); other rights need no documents.
        evidence if KINDS[kind].accepts_evidence else None,
        actor=requester,
        request=request,
        public=True,
        kind=kind,
        due_on=request.due_on,
    )
    token = make_token(Purpose.CONFIRM_REQUEST, rid=request.id)
    notify(
        request,
        "request_confirm",
        to=requester,
        subject=_l("Confirm your request %(reference)s", reference=request.reference),
        confirm_url=external_url("requests.confirm", token=token),
        max_age_days=current_app.config["REQUEST_CONFIRM_MAX_AGE"] // 86400,
    )
    return request


def check_request_confirmation(token: str) -> tuple[dict, SubjectRequest]:
    payload = load_token(Purpose.CONFIRM_REQUEST, token)
    request = db.session.get(SubjectRequest, payload.get("rid"))
    if request is None:
        raise TokenInvalid()
    check_unused(payload)
    if request.status is not RequestStatus.UNCONFIRMED:
        raise TokenUsed()
    return payload, request


def contact_person_user() -> User | None:
    """The staff account of the contact person the notice names (§2, §10)."""
    email = current_app.extensions["notice"].contact_person.email.lower()
    user = db.session.scalar(select(User).where(User.email == email))
    return user if user is not None and user.is_staff else None


def confirm_request(token: str) -> SubjectRequest:
    """The requester pressed the button in the emailed link: route the ticket."""
    payload, request = check_request_confirmation(token)
    spend_token(Purpose.CONFIRM_REQUEST, payload)
    check_transition(request.status, RequestStatus.OPEN)
    request.status = RequestStatus.OPEN
    request.confirmed_at = utcnow()
    audit.record(
        "request.confirmed",
        actor=request.requester,
        request=request,
        public=True,
        status=[RequestStatus.UNCONFIRMED, RequestStatus.OPEN],
    )
    open_ticket(request)
    return request


def open_ticket(request: SubjectRequest) -> None:
    """A request now open for work, confirmed by link or registered by staff: apply what acts at
    once, route it to the contact person and acknowledge it to the requester."""
    # Marketing objections and consent withdrawals act at once (GDPR Art. 21(3), 7(3)).
    from portal.requests_.rights import apply_on_confirmation  # rights builds on this module

    apply_on_confirmation(request)
    # Every request goes to the contact person named in the notice (§2, §10).
    contact = contact_person_user()
    if contact is not None:
        request.assignee = contact
        audit.record("request.assigned", request=request, assignee=[None, contact.email])
    notice = current_app.extensions["notice"]
    notify(
        request,
        "staff_new_request",
        to=contact or notice.contact_person.email,
        subject=_l(
            "New request %(reference)s, due %(due)s",
            reference=request.reference,
            due=request.due_on.strftime("%d.%m.%Y"),
        ),
        ticket_url=staff_url(request),
    )
    # Acknowledging receipt with the response period is good practice (EDPB §57). Without an
    # address, notify records "email.not_sent" so the contact person answers another way.
    notify(
        request,
        "request_received",
        to=request.requester,
        subject=_l("We received your request %(reference)s", reference=request.reference),
        request_url=requester_url(request),
    )


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


def requester_reply(request: SubjectRequest, requester: User, body: str, uploads=None) -> None:
    """A message from the requester; when staff were waiting for it, the clock runs again."""
    if request.status not in ACTIVE:
        raise RequestError(_l("This request is no longer open for messages."))
    body = _required_text(body, _l("Write a message."))
    _record_with_files(
        "message.requester", uploads, actor=requester, request=request, public=True, body=body
    )
    if request.status is RequestStatus.WAITING:
        resume(request, requester)
    if request.assignee is not None:
        notify(
            request,
            "staff_request_update",
            to=request.assignee,
            subject=_l("New message on %(reference)s", reference=request.reference),
            ticket_url=staff_url(request),
            update=_l("The requester sent a message."),
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
    _event, stored = _record_with_files(
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
    _record_with_files("note", uploads, actor=staff, request=request, public=False, body=body)


def ask_for_information(request: SubjectRequest, staff: User, body: str) -> None:
    """Ask for what is needed (e.g. to confirm identity, GDPR Art. 12(6)); the clock pauses."""
    check_transition(request.status, RequestStatus.WAITING)
    body = _required_text(body, _l("Say what information you need."))
    request.status = RequestStatus.WAITING
    db.session.add(RequestPause(request=request, asked_at=utcnow()))
    audit.record(
        "request.info_requested",
        actor=staff,
        request=request,
        public=True,
        body=body,
        status=[RequestStatus.OPEN, RequestStatus.WAITING],
    )
    notify(
        request,
        "request_info_needed",
        to=request.requester,
        subject=_l("We need more information: %(reference)s", reference=request.reference),
        body=body,
        request_url=requester_url(request),
    )


def _close_open_pause(request: SubjectRequest) -> None:
    for pause in request.pauses:
        if pause.resumed_at is None:
            pause.resumed_at = utcnow()


def resume(request: SubjectRequest, actor: User) -> None:
    """The information arrived (or staff go on without it): the clock runs again."""
    check_transition(request.status, RequestStatus.OPEN)
    if request.status is not RequestStatus.WAITING:
        raise RequestError(_l("The request is not waiting for information."))
    _close_open_pause(request)
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
    problem = extension_problem(
        _local(request.received_at), request.due_on, controller_today(), months
    )
    if problem:
        raise RequestError(EXTENSION_MESSAGES[problem])
    before = request.due_on
    request.period_months = months
    request.extension_reason = reason
    request.due_on = compute_due_on(request, controller_today())
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
    _close_open_pause(request)
    request.status = RequestStatus.CLOSED
    request.outcome = outcome
    request.outcome_reasons = reasons or None
    request.closed_at = utcnow()
    _event, stored = _record_with_files(
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
        "request_resolved",
        to=request.requester,
        subject=_l("Answer to your request %(reference)s", reference=request.reference),
        outcome=outcome.value,
        reasons=reasons,
        attachments=[a.filename for a in stored],
        **letter_context,
        authority=current_app.extensions["notice"].supervisory_authority,
        request_url=requester_url(request),
    )
