"""Requests made on the portal: submitted by a signed-in person, confirmed through a single-use
emailed link, then opened like any other request.
"""

from __future__ import annotations

from flask import current_app

from portal import audit
from portal.accounts.services import check_unused, spend_token
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.intake.opening import earlier_submission, open_ticket, store_new_request
from portal.models import RequestKind, RequestStatus, SubjectRequest, User, utcnow
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.lifecycle import check_transition
from portal.subject_requests.timeline import notify, record_with_files
from portal.tokens import Purpose, TokenInvalid, TokenUsed, load_token, make_token
from portal.urls import external_url


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
    existing = earlier_submission(submission_key, lambda r: r.requester_id == requester.id)
    if existing is not None:
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
    record_with_files(
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
