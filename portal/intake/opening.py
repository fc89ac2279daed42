"""Putting a new request on record and opening its ticket: one way for every channel.

A request is stored with its due date and reference the moment it is received (the clock starts
then, EDPB Guidelines 01/2022 §159). Opening it applies what acts at once (an objection to direct
marketing), routes it to the contact person the notice names and acknowledges it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.answering import identity
from portal.answering.rights.marketing import apply_on_confirmation
from portal.deadlines import due_date
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import Channel, RequestKind, RequestStatus, Role, SubjectRequest, User
from portal.subject_requests.clock import local_day
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.timeline import notify, requester_url, staff_url
from portal.urls import external_url


def reference_for(request: SubjectRequest) -> str:
    """The human-readable reference, e.g. WP-2026-0042: the year of receipt and the row's id."""
    return (
        f"{current_app.config['REQUEST_REFERENCE_PREFIX']}-{local_day(request.received_at).year}-"
        f"{request.id:04d}"
    )


def earlier_submission(
    submission_key: str, same_sender: Callable[[SubjectRequest], bool]
) -> SubjectRequest | None:
    """The request this very form already made, if any: the same form sent twice (a double click,
    a reload) makes one request, not two. Someone else's form key is refused."""
    existing = db.session.scalar(
        select(SubjectRequest).where(SubjectRequest.submission_key == submission_key)
    )
    if existing is not None and not same_sender(existing):
        raise RequestError(_l("This form was already used. Open the form again."))
    return existing


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
        due_on=due_date(local_day(received_at), 1, country=current_app.config["HOLIDAY_COUNTRY"]),
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


def contact_person_user() -> User | None:
    """The staff account of the contact person the notice names (§2, §10)."""
    email = current_app.extensions["notice"].contact_person.email.lower()
    user = db.session.scalar(select(User).where(User.email == email))
    return user if user is not None and user.is_staff else None


def open_ticket(request: SubjectRequest, acknowledgement: str = "request_received") -> None:
    """A request now open for work, confirmed by link or registered by staff: apply what acts at
    once, route it to the contact person and acknowledge it to the requester."""
    # Marketing objections and consent withdrawals act at once (GDPR Art. 21(3), 7(3)).
    apply_on_confirmation(request)
    _check_identity(request)
    # Every request goes to the contact person named in the notice (§2, §10).
    contact = contact_person_user()
    admins: list[User] = []
    if contact is not None:
        request.assignee = contact
        audit.record("request.assigned", request=request, assignee=[None, contact.email])
    else:
        admins = _warn_admins_of_unassigned(request)
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
        admins_told=bool(admins),
    )
    # Acknowledging receipt with the response period is good practice (EDPB §57). Without an
    # address, notify records "email.not_sent" so the contact person answers another way.
    notify(
        request,
        acknowledgement,
        to=request.requester,
        subject=_l("We received your request %(reference)s", reference=request.reference),
        request_url=requester_url(request),
        register_url=external_url("auth.register"),
        # Replies reach the privacy mailbox only through the Reply-To the portal sets.
        replies_reach_us=bool(current_app.config.get("MAIL_REPLY_TO_TEMPLATE")),
    )


def _check_identity(request: SubjectRequest) -> None:
    """Who is asking, against the register (GDPR Art. 12(6)). Staff who registered a request
    that came another way recorded how they checked it: that is the decision."""
    if request.channel is not Channel.PORTAL and (request.identity_check or "").strip():
        audit.record(
            "identity.decided",
            actor=request.registered_by,
            request=request,
            how="other",
            body=request.identity_check.strip(),
        )
    identity.check(request)


# The contact person's account ------------------------------------------------------------------


def _admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN).order_by(User.id)))


def _warn_admins_of_unassigned(request: SubjectRequest) -> list[User]:
    """No staff account has the contact person's address yet: the request waits for it, and the
    admins are told, since nobody may be looking at the queue."""
    email = current_app.extensions["notice"].contact_person.email.lower()
    admins = _admins()
    audit.record(
        "request.not_assigned",
        request=request,
        reason="no-contact-person-account",
        contact_person=email,
        admins_told=[admin.email for admin in admins],
    )
    for admin in admins:
        notify(
            request,
            "staff_request_update",
            to=admin,
            subject=_l("%(reference)s is assigned to no one", reference=request.reference),
            ticket_url=staff_url(request),
            update=_l(
                "No staff account has the address of the contact person named in the privacy "
                "notice (%(email)s), so this request is assigned to no one. Create that account "
                'on the server (flask staff create %(email)s "%(name)s"); it is then given every '
                "request that waits for it.",
                email=email,
                name=current_app.extensions["notice"].contact_person.name,
            ),
        )
    return admins


def unassigned_requests() -> list[SubjectRequest]:
    """Open requests that wait for the contact person's staff account, oldest first."""
    return list(
        db.session.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.status.in_(ACTIVE), SubjectRequest.assignee_id.is_(None))
            .order_by(SubjectRequest.received_at, SubjectRequest.id)
        )
    )


def route_waiting_requests(actor: User | None = None) -> list[SubjectRequest]:
    """Give the contact person's staff account every open request that was confirmed before the
    account existed (notice §2, §10). Run when a staff account is created and by the daily job;
    without the account it changes nothing."""
    contact = contact_person_user()
    if contact is None:
        return []
    routed = unassigned_requests()
    for request in routed:
        request.assignee = contact
        audit.record(
            "request.assigned",
            actor=actor,
            request=request,
            assignee=[None, contact.email],
            reason="contact-person-account-created",
        )
    return routed
