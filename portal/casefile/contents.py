"""What one request's case file holds, gathered from the database: the request, every event of
its audit trail with its chain links, every email queued about it, the mail that came in joined
to it, its files, and the chain's verification.

Everything about the request is in it, internal notes included: the file is for the supervisory
authority, which may ask for "all information necessary" to perform its tasks (GDPR Art. 58(1)(a)),
and for the controller's own proof of compliance (Art. 5(2)).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from portal import audit, files
from portal.extensions import db
from portal.models import (
    Attachment,
    AuditEvent,
    IncomingMessage,
    OutboxMessage,
    Role,
    SubjectRequest,
    User,
    utcnow,
)
from portal.models import audit as chain

FORMAT = "wprod-case-file/1"
# How a reader re-computes each link without the portal (also written into case.json).
ALGORITHM = (
    "chain_hash = SHA-256 (hex) of the JSON object {v, prev, chain, seq, id, at, actor, subject, "
    "request, action, public, kept, body, details} with keys sorted, no spaces, UTF-8: v = 1, "
    "prev = the previous event's chain_hash (64 zeros for the first), at = occurred_at as "
    "YYYY-MM-DDTHH:MM:SS.ffffffZ, kept = the details restricted to kept_detail_keys (a list "
    "'attachments' counted into 'files'), body = body_digest = SHA-256 of the body ('' when "
    "none), details = details_digest = SHA-256 of the details in the same JSON form. Retention "
    "anonymisation may blank bodies and cut details to their kept part; the digests stay."
)
# Letters, digits, dot, dash and underscore: a name in the ZIP never climbs out of its folder.
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, fallback: str) -> str:
    cleaned = UNSAFE.sub("_", name or "").strip("._")[:80]
    return cleaned or fallback


def _iso(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _value(value):
    return getattr(value, "value", value)


@dataclass
class Member:
    """One file of the ZIP besides the report and case.json: bytes on disk or made here."""

    name: str
    path: Path | None = None
    data: bytes | None = None


@dataclass
class CaseFile:
    request: SubjectRequest
    events: list[AuditEvent]
    actors: dict[int, User]
    emails: list[dict]
    incoming: list[dict]
    attachments: list[dict]
    verification: audit.Verification
    generated_at: datetime
    generated_by: User
    members: list[Member] = field(default_factory=list)
    # Staff addresses the record stores (assignees, notifications), each with its owner's name:
    # the report names the staff, as the ticket does; case.json and the .eml files keep the
    # addresses as they were, which the chain covers (GDPR Art. 5(2)).
    staff_names: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def when(iso: str) -> datetime:
        """A moment kept in the JSON form, back as a datetime for the report."""
        return datetime.fromisoformat(iso)

    def as_json(self) -> dict:
        request = self.request
        return {
            "format": FORMAT,
            "generated_at": _iso(self.generated_at),
            "generated_by": {"id": self.generated_by.id, "name": self.generated_by.name},
            "request": {
                name: _iso(_value(getattr(request, name)))
                for name in (
                    "id",
                    "reference",
                    "kind",
                    "channel",
                    "status",
                    "outcome",
                    "received_at",
                    "confirmed_at",
                    "due_on",
                    "period_months",
                    "closed_at",
                    "anonymised_at",
                    "description",
                    "particular_situation",
                    "customer_number",
                    "username",
                    "business_id",
                    "identity_check",
                    "outcome_reasons",
                    "extension_reason",
                    "requester_id",
                    "assignee_id",
                    "registered_by_id",
                )
            }
            | {
                "requester": {"name": request.requester.name, "email": request.requester.email},
                "pauses": [
                    {
                        "reason": _value(p.reason),
                        "asked_at": _iso(p.asked_at),
                        "resumed_at": _iso(p.resumed_at),
                    }
                    for p in request.pauses
                ],
            },
            "people": {
                str(k): {"name": u.name, "role": _value(u.role)} for k, u in self.actors.items()
            },
            "events": [event_json(e) for e in self.events],
            "chain": {
                "name": chain.chain_of(request.id, None),
                "algorithm": ALGORITHM,
                "kept_detail_keys": sorted(chain.KEPT_DETAILS),
                "verification": self.verification.as_dict(),
            },
            "emails": self.emails,
            "incoming": self.incoming,
            "files": self.attachments,
        }


def event_json(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "occurred_at": chain.moment(event.occurred_at),
        "actor_id": event.actor_id,
        "subject_user_id": event.subject_user_id,
        "request_id": event.request_id,
        "action": event.action,
        "public": bool(event.public),
        "body": event.body,
        "details": chain.as_stored(event.details),
        "chain": event.chain,
        "seq": event.seq,
        "body_digest": event.body_digest,
        "details_digest": event.details_digest,
        "prev_hash": event.prev_hash,
        "chain_hash": event.chain_hash,
    }


def _thread_headers(details: dict) -> dict[str, str]:
    names = {
        "message_id": "Message-ID",
        "reply_to": "Reply-To",
        "in_reply_to": "In-Reply-To",
        "references": "References",
    }
    return {names[k]: v for k, v in details.items() if k in names and v}


def _emails(events: list[AuditEvent], case: CaseFile, render_eml) -> list[dict]:
    """The outbox messages named by the request's ``email.queued`` events, as queued and sent."""
    queued = [e for e in events if e.action == "email.queued" and e.details.get("outbox_id")]
    found = []
    for event in queued:
        message = db.session.get(OutboxMessage, int(event.details["outbox_id"]))
        if message is None:
            continue
        headers = _thread_headers(event.details)
        name = f"emails/{message.id}.eml"
        entry = {
            "outbox_id": message.id,
            "event_id": event.id,
            "to": message.recipient,
            "subject": message.subject,
            "template": message.template,
            "locale": message.locale,
            "status": _value(message.status),
            "queued_at": _iso(message.created_at),
            "sent_at": _iso(message.sent_at),
            "attempts": message.attempts,
            "bounced_at": _iso(message.bounced_at),
            "bounce_reason": message.bounce_reason,
            "headers": headers,
            "body_text": message.body_text,
            "file": None,
        }
        if message.recipient and (message.body_text or message.body_html):
            case.members.append(Member(name, data=render_eml(message, headers)))
            entry["file"] = name
        found.append(entry)
    return found


def _incoming(request: SubjectRequest, case: CaseFile, raw_path_of) -> list[dict]:
    found = []
    for message in db.session.scalars(
        select(IncomingMessage)
        .where(IncomingMessage.request_id == request.id)
        .order_by(IncomingMessage.arrived_at, IncomingMessage.id)
    ):
        path = raw_path_of(message)
        name = f"incoming/{message.id}.eml"
        if path.is_file():
            case.members.append(Member(name, path=path))
        found.append(
            {
                "id": message.id,
                "sender": message.sender,
                "sender_name": message.sender_name,
                "subject": message.subject,
                "arrived_at": _iso(message.arrived_at),
                "arrival_source": _value(message.arrival_source),
                "message_id": message.message_id,
                "body_text": message.body_text,
                "attachments": message.attachments,
                "raw_sha256": message.raw_sha256,
                "raw_truncated": message.raw_truncated,
                "state": _value(message.state),
                "file": name if path.is_file() else None,
            }
        )
    return found


def _attachments(request: SubjectRequest, case: CaseFile) -> list[dict]:
    found = []
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.request_id == request.id).order_by(Attachment.id)
    ):
        path = files.path_of(attachment)
        present = attachment.removed_at is None and path.is_file()
        name = f"files/{attachment.id}-{safe_name(attachment.filename, 'file')}"
        if present:
            case.members.append(Member(name, path=path))
        found.append(
            {
                "id": attachment.id,
                "event_id": attachment.event_id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "public": bool(attachment.public),
                "uploaded_by_id": attachment.uploaded_by_id,
                "created_at": _iso(attachment.created_at),
                "removed_at": _iso(attachment.removed_at),
                "file": name if present else None,
            }
        )
    return found


def gather(
    request_id: int,
    generated_by_id: int,
    *,
    raw_path_of: Callable[[IncomingMessage], Path],
    render_eml: Callable[[OutboxMessage, dict], bytes],
) -> CaseFile:
    # The chain is checked first, so that the check and everything below read one snapshot of
    # the database (portal.audit.verify): the file shows the events it checked, no more.
    verification = audit.verify([chain.chain_of(request_id, None)])
    request = db.session.get(SubjectRequest, request_id)
    generated_by = db.session.get(User, generated_by_id)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == request.id)
        .order_by(AuditEvent.seq, AuditEvent.id)
    ).all()
    people = {e.actor_id for e in events if e.actor_id} | {request.requester_id}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people)))}
    case = CaseFile(
        request=request,
        events=list(events),
        actors=actors,
        emails=[],
        incoming=[],
        attachments=[],
        verification=verification,
        generated_at=utcnow(),
        generated_by=generated_by,
    )
    case.emails = _emails(case.events, case, render_eml)
    case.incoming = _incoming(request, case, raw_path_of)
    case.attachments = _attachments(request, case)
    case.staff_names = _staff_names(case)
    return case


def _staff_names(case: CaseFile) -> dict[str, str]:
    """Name of each staff account whose address the events or the emails name."""
    addresses = {m["to"] for m in case.emails if m.get("to")}
    for event in case.events:
        details = event.details or {}
        if event.action == "request.assigned":
            addresses.update(a for a in details.get("assignee") or () if a)
        elif isinstance(details.get("to"), str):
            addresses.add(details["to"])
    if not addresses:
        return {}
    return dict(
        db.session.execute(
            select(User.email, User.name).where(
                User.email.in_(addresses), User.role.in_((Role.STAFF, Role.ADMIN))
            )
        ).all()
    )
