"""Requests that reach the controller outside the portal: by letter, by email or in person.

The privacy notice (§10) asks people to make requests "in writing or in person" to the contact
person, so a request need not start in the portal. Staff register such a request here with the
day it actually arrived: the one-month clock runs from receipt (GDPR Art. 12(3); EDPB Guidelines
01/2022 §159), not from the day someone typed it in. The staff member has checked who the person
is (Art. 12(6)) and records how, so the request skips the email confirmation and is open at once;
from then on it follows the same lifecycle as any other request.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from portal import audit
from portal.accounts.services import find_user_by_email, normalize_email
from portal.deadlines import start_of_day
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.intake.opening import earlier_submission, open_ticket, store_new_request
from portal.models import Channel, RequestKind, RequestStatus, Role, SubjectRequest, User, utcnow
from portal.subject_requests.clock import controller_today
from portal.subject_requests.errors import RequestError

# The ways a request reaches the controller besides the portal (notice §10).
MANUAL_CHANNELS = (Channel.LETTER, Channel.EMAIL, Channel.IN_PERSON)

CHANNEL_NAMES = {
    Channel.PORTAL.value: _l("The portal"),
    Channel.LETTER.value: _l("Letter"),
    Channel.EMAIL.value: _l("Email"),
    Channel.IN_PERSON.value: _l("In person"),
}


def _requester_for(name: str, email: str | None, language: str) -> User:
    """The person's account: the one with this address if there is one, else a new one.

    A person who wrote without giving an address gets an account without one (and without a
    password): it holds the name the request is filed under, and nobody can sign in with it.
    A new account takes the language the person wrote in, so that the acknowledgement, the
    letters and the copy of the data are in it (a Swedish letter is answered in Swedish); an
    existing account keeps the language its owner chose.
    """
    if email:
        existing = find_user_by_email(email)
        if existing is not None:
            return existing
    user = User(
        role=Role.REQUESTER,
        email=email,
        name=name,
        locale=language,
        password_hash=None,
        email_confirmed_at=None,
    )
    db.session.add(user)
    return user


def register_request(
    staff: User,
    kind: RequestKind,
    *,
    received_on: date,
    channel: Channel,
    name: str,
    identity_check: str,
    submission_key: str,
    email: str | None = None,
    description: str = "",
    particular_situation: str | None = None,
    customer_number: str | None = None,
    username: str | None = None,
    business_id: str | None = None,
    language: str = "fi",
    today: date | None = None,
    arrived_at: datetime | None = None,
) -> SubjectRequest:
    """Register a request that came by letter, by email or in person, as of its day of receipt.

    Routed to the contact person and acknowledged to the requester (by email when there is an
    address; otherwise the ticket says to send the acknowledgement another way). The view commits.

    ``arrived_at``: a message read from the privacy mailbox, made a request by staff. The clock
    runs from its arrival (EDPB 01/2022 §159), nobody has checked the sender's identity yet (the
    register check and the identity panel follow, GDPR Art. 12(6)), and the acknowledgement
    answers the email.
    """
    existing = earlier_submission(submission_key, lambda r: r.registered_by_id == staff.id)
    if existing is not None:
        return existing
    if channel not in MANUAL_CHANNELS:
        raise RequestError(_l("Choose how the request arrived."))
    today = today or controller_today()
    if received_on > today:
        # The clock cannot start in the future: a later date would give a later due date.
        raise RequestError(_l("The date of receipt cannot be in the future."))
    name = (name or "").strip()
    if not name:
        raise RequestError(_l("Enter the person's name."))
    identity_check = (identity_check or "").strip()
    if not identity_check and arrived_at is None:
        # GDPR Art. 12(6): the request is acted on only once the person is known to be who they
        # say; staff record how they made sure (no more information than needed).
        raise RequestError(_l("Say how you checked the person's identity."))
    if kind is RequestKind.OBJECTION and not (particular_situation or "").strip():
        # Notice §9 and GDPR Art. 21(1): the objection rests on the person's particular situation.
        raise RequestError(_l("Describe the particular situation on which the objection is based."))

    if language not in current_app.config["LANGUAGES"]:
        raise RequestError(_l("Choose the person's language."))
    requester = _requester_for(
        name, normalize_email(email) if email and email.strip() else None, language
    )
    request = store_new_request(
        requester,
        kind,
        status=RequestStatus.OPEN,
        # The clock starts when the request reached the controller (EDPB §159): that local day.
        received_at=arrived_at
        or start_of_day(received_on, current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        submission_key=submission_key,
        description=description,
        particular_situation=particular_situation,
        customer_number=customer_number,
        username=username,
        business_id=business_id,
        confirmed_at=utcnow(),
        channel=channel,
        identity_check=identity_check or None,
        registered_by=staff,
    )
    audit.record(
        "request.registered",
        actor=staff,
        request=request,
        public=True,
        kind=kind,
        channel=channel,
        received_on=received_on,
        due_on=request.due_on,
        status=[None, RequestStatus.OPEN],
    )
    open_ticket(
        request, acknowledgement="request_received_by_email" if arrived_at else "request_received"
    )
    return request
