"""Sorting stored mail: a reply joins its ticket, a bounce marks what did not arrive, and
everything else waits in the staff inbox.

Each stored message is sorted once, in a transaction of its own that first moves it out of
``new`` with a conditional UPDATE: of two fetchers sorting at once, one does it and the other
finds nothing left to do, so no reply is put on a ticket twice. A message that cannot be sorted
(an error in this code, a raw file gone) is not lost: it waits in the inbox, with the reason.

What may join a request, and how (issue: email as a channel; GDPR Art. 5(1)(f), 12(6)):

- the portal's own mail coming back, and other automatic mail (auto-replies, out-of-office,
  lists), is recorded and never answered, so no loop can start;
- a delivery status notification for one of our messages marks that message bounced and tells
  the assignee that the person did not get it;
- a person's message found by reply token, thread or reference becomes the requester's message
  on the ticket only when it comes from the requester's own address, passes the receiving
  server's authentication checks (when the deployment trusts them) and the request is open;
  otherwise it waits for staff, and the ticket says so. A reply to a closed request never
  reopens it.
"""

from __future__ import annotations

import email
import logging
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from portal import audit
from portal.errors import database_unavailable
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.inbox import authentication
from portal.inbox.bounces import Bounce, read_bounce
from portal.inbox.fetcher import raw_path
from portal.inbox.joining import join_reply, tell_of_new_mail, tell_staff
from portal.inbox.threading import match_request
from portal.models import (
    AuditEvent,
    IncomingMessage,
    IncomingState,
    OutboxMessage,
    SubjectRequest,
    utcnow,
)
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.locking import lock_request
from portal.subject_requests.timeline import staff_url

log = logging.getLogger(__name__)

# Why a message was sorted the way it was (IncomingMessage.state_reason); the inbox shows them
# in the reader's language (portal.web.staff.inbox).
OWN = "own-mail"
AUTOMATIC = "automatic"
BOUNCE_UNKNOWN = "bounce-not-ours"
SENDER_DIFFERS = "sender-differs"
NOT_AUTHENTICATED = "not-authenticated"
CLOSED = "request-closed"
UNREADABLE = "unreadable"


@dataclass
class SortReport:
    joined: list[int] = field(default_factory=list)
    bounced: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    automatic: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.joined or self.bounced or self.waiting or self.automatic)

    def __str__(self) -> str:
        return (
            f"joined {len(self.joined)}, bounces {len(self.bounced)}, "
            f"for staff {len(self.waiting)}, automatic {len(self.automatic)}"
        )


def sort_new(limit: int | None = None) -> SortReport:
    """Sort every stored message still ``new`` (oldest first). Needs an app context."""
    report = SortReport()
    query = (
        select(IncomingMessage.id)
        .where(IncomingMessage.state == IncomingState.NEW)
        .order_by(IncomingMessage.id)
    )
    ids = db.session.scalars(query.limit(limit) if limit else query).all()
    db.session.rollback()
    for message_id in ids:
        try:
            outcome = sort_one(message_id)
        except Exception as exc:
            db.session.rollback()
            if database_unavailable(exc):
                raise  # an outage: the runner waits it out; the message stays new
            log.exception("inbox: message %s could not be sorted; it waits for staff", message_id)
            _set_aside(message_id)
            outcome = "waiting"
        if outcome is not None:
            getattr(report, outcome).append(message_id)
    return report


def _claim(message_id: int) -> IncomingMessage | None:
    """Take the message out of ``new`` in this transaction; None when another fetcher has."""
    taken = db.session.execute(
        update(IncomingMessage)
        .where(IncomingMessage.id == message_id, IncomingMessage.state == IncomingState.NEW)
        .values(state=IncomingState.WAITING)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        db.session.rollback()
        return None
    return db.session.scalars(
        select(IncomingMessage)
        .where(IncomingMessage.id == message_id)
        .execution_options(populate_existing=True)
    ).one()


def _set_aside(message_id: int) -> None:
    db.session.execute(
        update(IncomingMessage)
        .where(IncomingMessage.id == message_id, IncomingMessage.state == IncomingState.NEW)
        .values(state=IncomingState.WAITING, state_reason=UNREADABLE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def original(row: IncomingMessage) -> EmailMessage:
    path = raw_path(row)
    raw = path.read_bytes() if path.is_file() else b""
    return email.message_from_bytes(raw, policy=policy.default)


def sort_one(message_id: int) -> str | None:
    """Sort one message and commit; the report's list it goes to, or None if it was taken."""
    row = _claim(message_id)
    if row is None:
        return None
    message = original(row)
    bounce = read_bounce(message, loose=row.automatic == "bounce") if row.automatic else None
    if row.automatic == "own":
        outcome = _automatic(row, OWN, None)
    elif bounce is not None:
        outcome = _bounced(row, bounce)
    elif row.automatic == "bounce":
        outcome = _automatic(row, BOUNCE_UNKNOWN, None)
    elif row.automatic:
        outcome = _automatic(row, AUTOMATIC, match_request(message).request_id)
    else:
        outcome = _person(row, message)
    db.session.commit()
    return outcome


def _finish(row: IncomingMessage, state: IncomingState, reason: str | None, request_id=None):
    row.state = state
    row.state_reason = reason
    row.request_id = request_id
    row.decided_at = utcnow() if state is not IncomingState.WAITING else None


def _automatic(row: IncomingMessage, reason: str, request_id: int | None) -> str:
    """Recorded, never answered (RFC 3834): an auto-reply about a request is noted on its
    ticket, where an out-of-office message may matter to the contact person."""
    _finish(row, IncomingState.NOT_REQUEST, reason, request_id)
    if request_id is not None and (request := db.session.get(SubjectRequest, request_id)):
        audit.record(
            "email.automatic",
            request=request,
            public=False,
            body=row.body_text[:2000] or None,
            incoming_message=row.id,
            sender=row.sender,
            kind=row.automatic,
        )
    audit.record("inbox.sorted", incoming_message=row.id, outcome=reason, request_id=request_id)
    return "automatic"


def _outbox_of(bounce: Bounce) -> OutboxMessage | None:
    details = db.session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.request_id == bounce.request_id, AuditEvent.action == "email.queued"
        )
    )
    wanted = bounce.message_id.strip("<>").lower()
    for found in details:
        if (found.get("message_id") or "").strip("<>").lower() == wanted:
            return db.session.get(OutboxMessage, found.get("outbox_id"))
    return None


def _bounced(row: IncomingMessage, bounce: Bounce) -> str:
    """GDPR Art. 12(1): an answer the person never received is no answer; the ticket says so
    and the assignee is told, so the person is reached another way."""
    request = lock_request(bounce.request_id)
    outbox = _outbox_of(bounce)
    _finish(row, IncomingState.JOINED, None, request.id if request else None)
    if request is None:
        return "bounced"
    recipient = outbox.recipient if outbox is not None else bounce.recipient
    if outbox is not None and outbox.bounced_at is None:
        outbox.bounced_at = row.arrived_at
        outbox.bounce_reason = bounce.reason or None
    audit.record(
        "email.bounced",
        request=request,
        public=False,
        to=recipient,
        outbox_id=outbox.id if outbox is not None else None,
        email_subject=outbox.subject if outbox is not None else None,
        status=bounce.status,
        diagnostic=bounce.diagnostic,
        incoming_message=row.id,
    )
    # A bounce of a message to staff is not the requester's problem; only the requester's is.
    if recipient and request.requester and recipient == (request.requester.email or "").lower():
        tell_staff(
            request,
            subject=_l(
                "Email to the requester bounced: %(reference)s", reference=request.reference
            ),
            update=_l(
                "An email to %(address)s could not be delivered: %(reason)s. The person did not "
                "receive it; reach them another way.",
                address=recipient,
                reason=bounce.reason or "-",
            ),
            ticket_url=staff_url(request),
        )
    return "bounced"


def _waits(row: IncomingMessage, reason: str | None, request: SubjectRequest | None) -> str:
    _finish(row, IncomingState.WAITING, reason, request.id if request else None)
    if request is not None:
        # The ticket points at it, so nobody working the request misses it.
        audit.record(
            "email.waiting",
            request=request,
            public=False,
            incoming_message=row.id,
            sender=row.sender,
            reason=reason,
        )
        tell_staff(
            request,
            subject=_l(
                "A message about %(reference)s waits in the inbox", reference=request.reference
            ),
            update=_l(
                "A message about this request came from %(sender)s. It was not added to the "
                "request: %(why)s",
                sender=row.sender or "-",
                why=REASON_TEXTS.get(reason or "", ""),
            ),
            body=row.body_text[:5000],
            ticket_url=staff_url(request),
        )
    return "waiting"


def _person(row: IncomingMessage, message: EmailMessage) -> str:
    match = match_request(message)
    if match.request_id is None:
        # Maybe a request, whose clock runs from now (EDPB 01/2022 §159): the contact person
        # hears of it with its text, not only from the daily reminder.
        tell_of_new_mail(row)
        return _waits(row, None, None)
    request = lock_request(match.request_id)
    if not match.sender_matches:
        return _waits(row, SENDER_DIFFERS, request)
    verdict = authentication.check(message, current_app.config.get("INBOX_AUTHSERV_ID"))
    if not verdict.passed:
        log.warning("inbox: message %s failed authentication (%s)", row.id, verdict.why)
        row.defects = "; ".join(filter(None, [row.defects, verdict.why]))[:2000]
        return _waits(row, NOT_AUTHENTICATED, request)
    if request.status not in ACTIVE:
        return _waits(row, CLOSED, request)
    join_reply(request, row, message, found_by=match.by)
    _finish(row, IncomingState.JOINED, None, request.id)
    return "joined"


REASON_TEXTS = {
    OWN: _l("The portal's own mail, come back: never answered."),
    AUTOMATIC: _l("An automatic message (for example an out-of-office reply): never answered."),
    BOUNCE_UNKNOWN: _l("A delivery report that names none of the portal's messages."),
    SENDER_DIFFERS: _l(
        "It names the request, but it came from another address than the requester's."
    ),
    NOT_AUTHENTICATED: _l(
        "It came from the requester's address, but the receiving mail server could not "
        "confirm that the requester sent it."
    ),
    CLOSED: _l("The request is already closed; it was not reopened."),
    UNREADABLE: _l("It could not be sorted automatically."),
}
