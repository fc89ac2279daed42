"""How long the records of a finished request are kept, and what is removed after that.

The records of a request are personal data themselves. They are kept to be able to show that
the request was answered, and on time (GDPR Art. 5(2) accountability), and no longer than that
needs (Art. 5(1)(e) storage limitation). The privacy notice states the period: its category
``privacy_requests`` is kept "three years from the closure of the request" (``retention.years``).

The rule: a request that ended (closed, withdrawn or lapsed) on local day D is kept through the
same date N calendar years later (29 February becomes 28 February), and anonymised from the next
day on. ``REQUEST_RETENTION_DAYS``, when set, replaces the notice's years with D + that many days;
the notice should then say the same.

Anonymising keeps what proves the handling — reference, type, channel, status, outcome, the dates
(received, due, confirmed, closed), pauses, who acted and when, and each event's action — and
removes what the person or staff wrote or sent: the request's texts and identifiers, the bodies of
its events, the personal details in its events, the files and access packages (bytes deleted from
disk), and the address and text of every email about it. Accounts are not touched here: an erased
account is already a stub without personal data, which stays because the anonymised requests
point to it; any other account is the person's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from portal import audit, files
from portal.deadlines import local_date
from portal.extensions import db
from portal.models import (
    AccessPackage,
    Attachment,
    AuditEvent,
    ExcessiveDecision,
    IncomingMessage,
    IncomingState,
    OutboxMessage,
    OutboxStatus,
    SubjectRequest,
    SystemTask,
    utcnow,
)
from portal.models import audit as audit_model
from portal.subject_requests.lifecycle import FINAL

# The request's own free text and identifiers. Reference, kind, channel, status, outcome and the
# dates stay: they are the statistics and the proof that the request was answered on time.
TEXT_FIELDS = (
    "description",
    "particular_situation",
    "customer_number",
    "username",
    "business_id",
    "identity_check",
    "outcome_reasons",
    "extension_reason",
)

# What of an event's details anonymising keeps is defined with the audit trail, whose chain covers
# exactly that part in clear, so the chain still verifies afterwards (portal.models.audit).
KEPT_DETAILS = audit_model.KEPT_DETAILS


class RetentionError(RuntimeError):
    """The retention period cannot be worked out from the settings and the notice."""


@dataclass
class Removal:
    """What anonymising one request removed (or, in a dry run, would remove)."""

    reference: str
    texts: list[str] = field(default_factory=list)
    files: int = 0
    packages: int = 0
    event_bodies: int = 0
    event_details: int = 0
    emails: int = 0
    incoming: int = 0

    def as_details(self) -> dict:
        return {
            "texts": self.texts,
            "files": self.files,
            "packages": self.packages,
            "event_bodies": self.event_bodies,
            "event_details": self.event_details,
            "emails": self.emails,
            "incoming_mail": self.incoming,
        }


# The period ------------------------------------------------------------------------------------


def years_later(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(closed_on: date, *, years: int | None = None, days: int | None = None) -> date:
    """The last day the records of a request that ended on ``closed_on`` are kept."""
    if days is not None:
        return closed_on + timedelta(days=days)
    if years is None:
        raise ValueError("give years or days")
    return years_later(closed_on, years)


def retention_period() -> dict:
    """``{"days": n}`` from ``REQUEST_RETENTION_DAYS``, else ``{"years": n}`` from the notice."""
    days = current_app.config.get("REQUEST_RETENTION_DAYS")
    if days is not None:
        if int(days) < 1:
            raise RetentionError("REQUEST_RETENTION_DAYS must be a positive number of days.")
        return {"days": int(days)}
    try:
        years = current_app.extensions["notice"].category("privacy_requests").retention.years
    except KeyError:
        years = None
    if not years:
        raise RetentionError(
            "Set REQUEST_RETENTION_DAYS, or give the notice a 'privacy_requests' data category "
            "with retention.years."
        )
    return {"years": years}


def _local(moment: datetime) -> date:
    return local_date(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"])


def due_for_anonymisation(now: datetime | None = None) -> list[SubjectRequest]:
    """Finished requests whose retention period has ended and that are not anonymised yet."""
    now = now or utcnow()
    period = retention_period()
    today = _local(now)
    # A cheap bound for the database (N years hold at least 365 * N days), then the exact rule.
    shortest = period.get("days") or 365 * period["years"]
    candidates = db.session.scalars(
        select(SubjectRequest)
        .where(
            SubjectRequest.status.in_(FINAL),
            SubjectRequest.anonymised_at.is_(None),
            SubjectRequest.closed_at.is_not(None),
            SubjectRequest.closed_at < now - timedelta(days=shortest - 1),
        )
        .order_by(SubjectRequest.closed_at, SubjectRequest.id)
    ).all()
    return [r for r in candidates if kept_until(_local(r.closed_at), **period) < today]


# Anonymising -----------------------------------------------------------------------------------


_kept_details = audit_model.kept_details


def _package_path(package: AccessPackage) -> Path:
    from portal.answering import access_package  # the module that writes them knows where

    return access_package.path_of(package)


def _emails_about(event_rows) -> list[OutboxMessage]:
    """The outbox messages of the request's "email.queued" events.

    The outbox has no link to the request; each such event names the address, the template and
    the subject, and every request email's subject carries the request's (unique) reference, so a
    message with those three is this request's and no other's."""
    found: dict[int, OutboxMessage] = {}
    for row in event_rows:
        details = row.details or {}
        if row.action != "email.queued" or not details.get("to"):
            continue
        for message in db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == details["to"],
                OutboxMessage.template == details.get("template"),
                OutboxMessage.subject == details.get("email_subject"),
            )
        ):
            found[message.id] = message
    return list(found.values())


def blank_incoming(message: IncomingMessage) -> None:
    """A message read from the privacy mailbox, emptied of what it said and who sent it: its raw
    bytes go; arrival, sizes, checksum and what was decided stay, as proof of handling."""
    files.incoming_path(message.storage_key).unlink(missing_ok=True)
    message.body_text = ""
    message.subject = ""
    message.sender = ""
    message.sender_name = ""
    message.attachments = []
    message.message_id = None
    message.in_reply_to = None
    message.references = None
    message.defects = None
    if message.decided_by_id is not None:
        # A reason staff wrote may quote the message; the codes of automatic sorting do not.
        message.state_reason = None


def purge_unrelated_mail(now: datetime | None = None) -> int:
    """Mail that turned out not to be a request (and is part of none) is kept INBOX_KEEP_DAYS
    after the decision, for questions about it, then emptied (GDPR Art. 5(1)(e))."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["INBOX_KEEP_DAYS"])
    due = db.session.scalars(
        select(IncomingMessage).where(
            IncomingMessage.state == IncomingState.NOT_REQUEST,
            IncomingMessage.request_id.is_(None),
            IncomingMessage.decided_at < cutoff,
            IncomingMessage.sender != "",
        )
    ).all()
    for message in due:
        blank_incoming(message)
    return len(due)


def anonymise(request: SubjectRequest, now: datetime | None = None, *, dry_run: bool = False):
    """Remove what the records of ``request`` say about the person; keep the proof of handling.

    Returns a :class:`Removal`. With ``dry_run`` nothing is changed. Otherwise file bytes are
    deleted at once (a rollback leaves the rows saying the files exist, and the next run deletes
    again, missing files included); the caller commits.
    """
    now = now or utcnow()
    removal = Removal(reference=request.reference or str(request.id))
    table = AuditEvent.__table__
    event_rows = db.session.execute(
        select(table.c.id, table.c.action, table.c.body, table.c.details).where(
            table.c.request_id == request.id
        )
    ).all()

    # Emails first: they are found through the event details removed below.
    for message in _emails_about(event_rows):
        if message.recipient or message.body_text or message.body_html:
            removal.emails += 1
        if not dry_run:
            message.recipient = ""
            message.body_text = ""
            message.body_html = ""
            message.last_error = None
            message.user_id = None
            if message.status is OutboxStatus.PENDING:
                # Never deliver an emptied message.
                message.status = OutboxStatus.FAILED

    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.request_id == request.id)
    ):
        if attachment.removed_at is None:
            removal.files += 1
        if not dry_run:
            files.path_of(attachment).unlink(missing_ok=True)
            attachment.removed_at = attachment.removed_at or now
            # The name the person gave the file may say who they are; size and checksum stay.
            attachment.filename = f"file-{attachment.id}"

    for message in db.session.scalars(
        select(IncomingMessage).where(IncomingMessage.request_id == request.id)
    ):
        if message.body_text or message.sender:
            removal.incoming += 1
        if not dry_run:
            blank_incoming(message)

    for package in db.session.scalars(
        select(AccessPackage).where(AccessPackage.request_id == request.id)
    ):
        if package.removed_at is None:
            removal.packages += 1
        if not dry_run:
            _package_path(package).unlink(missing_ok=True)
            package.removed_at = package.removed_at or now

    for name in TEXT_FIELDS:
        if getattr(request, name):
            removal.texts.append(name)
            if not dry_run:
                setattr(request, name, "" if name == "description" else None)

    for decision in db.session.scalars(
        select(ExcessiveDecision).where(ExcessiveDecision.request_id == request.id)
    ):
        # The ground and the evidence stay (Art. 12(5)); the words sent to the person go.
        for name in ("reasons", "payment_instructions"):
            if getattr(decision, name):
                removal.texts.append(f"excessive_decision.{name}")
                if not dry_run:
                    setattr(decision, name, "" if name == "reasons" else None)

    for task in db.session.scalars(select(SystemTask).where(SystemTask.request_id == request.id)):
        # What was asked and answered, and when, stays; the words to and from the system's owner
        # go (their files went with the attachments above).
        for name in ("message", "reason"):
            if getattr(task, name):
                removal.texts.append(f"system_task.{name}")
                if not dry_run:
                    setattr(task, name, None)

    for row in event_rows:
        details = _kept_details(row.details)
        if row.body is not None:
            removal.event_bodies += 1
        if details != (row.details or {}):
            removal.event_details += 1
        if dry_run or (row.body is None and details == (row.details or {})):
            continue
        # The single sanctioned exception to the append-only audit trail (the ORM listeners refuse
        # any UPDATE of an event). Storage limitation (GDPR Art. 5(1)(e)) outweighs keeping what
        # people wrote for ever; accountability (Art. 5(2)) needs only the fact of each event —
        # its action, time, actor and request — which stays. A Core statement on the table, so it
        # cannot be done by accident through the ORM.
        db.session.execute(
            update(table).where(table.c.id == row.id).values(body=None, details=details)
        )
    if not dry_run:
        for event in [e for e in db.session.identity_map.values() if isinstance(e, AuditEvent)]:
            if event.request_id == request.id:
                db.session.expire(event)
        request.anonymised_at = now
        audit.record("request.anonymised", request=request, removed=removal.as_details())
    return removal
