"""What ``data.json`` holds: everything the portal itself holds about the person and the
Art. 15(1)(a)-(h) information from the notice, as plain JSON values that ``schema.json`` describes.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.answering.access_package.registers import register_entries
from portal.answering.access_package.systems import systems_section
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import (
    Attachment,
    AuditEvent,
    OutboxMessage,
    RecipientNotice,
    RequestKind,
    SubjectRequest,
    User,
)
from portal.notice.additions import expand
from portal.subject_requests.kinds import KINDS

SCHEMA_FILE = Path(__file__).with_name("schema.json")
SCHEMA_VERSION = 1

# GDPR Art. 6(1): the legal bases the notice may name for a purpose.
LEGAL_BASIS_NAMES = {
    "contract": _l("Performance of a contract (GDPR Art. 6(1)(b))"),
    "legitimate_interest": _l("Legitimate interest (GDPR Art. 6(1)(f))"),
    "legal_obligation": _l("Legal obligation (GDPR Art. 6(1)(c))"),
    "consent": _l("Consent (GDPR Art. 6(1)(a))"),
}

# Art. 15(1)(e) names rectification, erasure, restriction and objection; the answer also names the
# other rights the portal takes requests for.
RIGHTS = (
    (RequestKind.RECTIFICATION, _l("GDPR Art. 16")),
    (RequestKind.ERASURE, _l("GDPR Art. 17")),
    (RequestKind.RESTRICTION, _l("GDPR Art. 18")),
    (RequestKind.OBJECTION, _l("GDPR Art. 21(1)")),
    (RequestKind.MARKETING_OBJECTION, _l("GDPR Art. 21(2)–(3)")),
    (RequestKind.CONSENT_WITHDRAWAL, _l("GDPR Art. 7(3)")),
)

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


def zip_name(attachment: Attachment) -> str:
    # The id keeps two files of the same name apart.
    return f"files/{attachment.id}-{attachment.filename}"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _party(user_id: int | None, requester_id: int) -> str:
    if user_id is None:
        return "system"
    return "requester" if user_id == requester_id else "controller"


def collect(
    request: SubjectRequest, language: str, generated_at: datetime, staff_files: list[Attachment]
) -> dict:
    """Everything data.json holds, as plain JSON values; the schema describes every field."""
    notice = current_app.extensions["notice"]
    user = request.requester
    requests = list(
        db.session.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.requester_id == user.id)
            .order_by(SubjectRequest.received_at, SubjectRequest.id)
        )
    )
    ids = [r.id for r in requests]
    # Only the public part of each timeline: internal notes and staff-only events stay out.
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id.in_(ids), AuditEvent.public.is_(True))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    attachments = db.session.scalars(
        select(Attachment)
        .where(Attachment.request_id.in_(ids), Attachment.public.is_(True))
        .order_by(Attachment.id)
    ).all()
    told = db.session.scalars(
        select(RecipientNotice)
        .where(RecipientNotice.request_id.in_(ids))
        .order_by(RecipientNotice.id)
    ).all()
    in_package = {a.id: zip_name(a) for a in staff_files}

    def timeline(r: SubjectRequest) -> list[dict]:
        return [
            {
                "occurred_at": _iso(e.occurred_at),
                "action": e.action,
                "by": _party(e.actor_id, user.id),
                "message": e.body,
                "details": e.details or {},
            }
            for e in events
            if e.request_id == r.id
        ]

    def request_files(r: SubjectRequest) -> list[dict]:
        return [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "added_at": _iso(a.created_at),
                "by": _party(a.uploaded_by_id, user.id),
                "deleted_at": _iso(a.removed_at),
                "in_package": in_package.get(a.id),
            }
            for a in attachments
            if a.request_id == r.id
        ]

    def recipients_told(r: SubjectRequest) -> list[dict]:
        known = {recipient.key: recipient for recipient in notice.recipients}
        return [
            {
                "recipient": t.recipient_key,
                "name": known[t.recipient_key].name.in_language(language)
                if t.recipient_key in known
                else t.recipient_key,
                "told_on": _iso(t.notified_on),
            }
            for t in told
            if t.request_id == r.id
        ]

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _iso(generated_at),
        "language": language,
        "answers_request": request.reference,
        "controller": {
            "name": notice.controller.name,
            "address": notice.controller.address.one_line,
            "phone": notice.controller.phone,
        },
        "contact_person": {
            "name": notice.contact_person.name,
            "address": notice.contact_person.address.one_line,
            "phone": notice.contact_person.phone,
            "email": notice.contact_person.email,
        },
        "person": {
            "name": user.name,
            "email": user.email,
            "pending_email": user.pending_email,
            "role": user.role.value,
            "language": user.locale,
            "account_created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "password_changed_at": _iso(user.password_changed_at),
            "privacy_notice_version": user.notice_version,
            "privacy_notice_acknowledged_at": _iso(user.notice_acknowledged_at),
        },
        "marketing": {
            "newsletter": bool(user.newsletter),
            "processing_restricted_at": _iso(user.restricted_at),
        },
        "requests": [
            {
                "reference": r.reference,
                "kind": r.kind.value,
                "status": r.status.value,
                "channel": r.channel.value,
                "description": r.description or "",
                "particular_situation": r.particular_situation,
                "customer_number": r.customer_number,
                "username": r.username,
                "business_id": r.business_id,
                "received_at": _iso(r.received_at),
                "confirmed_at": _iso(r.confirmed_at),
                "due_on": _iso(r.due_on),
                "period_months": r.period_months,
                "extension_reason": r.extension_reason,
                "outcome": r.outcome.value if r.outcome else None,
                "outcome_reasons": r.outcome_reasons,
                "closed_at": _iso(r.closed_at),
                "timeline": timeline(r),
                "files": request_files(r),
                "recipients_told": recipients_told(r),
            }
            for r in requests
        ],
        "emails": _emails(user, language),
        "account_history": [
            {"occurred_at": _iso(e.occurred_at), "action": e.action, "details": e.details or {}}
            for e in db.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.subject_user_id == user.id,
                    AuditEvent.request_id.is_(None),
                    AuditEvent.action.startswith("account."),
                )
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        ],
        "files": [
            {
                "path": zip_name(a),
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "request": request.reference,
            }
            for a in staff_files
        ],
        # The connected databases first, read now; then what the owners of the others answered.
        "systems": register_entries(request, language)
        + systems_section(request, language, in_package),
        "information": information(language),
    }


def _emails(user: User, language: str) -> list[dict]:
    """Every email the portal sent (or is sending) to the person: their address or account."""
    sent_to_them = OutboxMessage.user_id == user.id
    if user.email:
        sent_to_them = or_(sent_to_them, OutboxMessage.recipient == user.email)
    return [
        {
            "to": m.recipient,
            "subject": m.subject,
            "language": m.locale,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
            "status": m.status.value,
            "body": without_link_tokens(m.body_text, language),
        }
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(sent_to_them)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    ]


def link_placeholder(language: str) -> str:
    with force_locale(language):
        return _("[link removed]")


def without_link_tokens(text: str, language: str) -> str:
    """The text with every portal link that carries a signed token replaced by a placeholder.

    A token still inside its lifetime would work for whoever holds the file (a reset link,
    a request's confirmation link); the copy of the data does not need it."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/")
    prefix = base.path.rstrip("/")
    placeholder = link_placeholder(language)

    def replace(match: re.Match) -> str:
        url = urlsplit(match.group(0))
        if url.netloc != base.netloc or not url.path.startswith(prefix):
            return match.group(0)
        try:
            _endpoint, arguments = adapter.match(url.path[len(prefix) :] or "/", method="GET")
        except (HTTPException, RequestRedirect):
            return match.group(0)
        return placeholder if "token" in arguments else match.group(0)

    return URL_PATTERN.sub(replace, text or "")


def information(language: str) -> dict:
    """The Art. 15(1)(a)-(h) information, from the notice, in the requester's language."""
    notice = current_app.extensions["notice"]
    authority = notice.supervisory_authority
    with force_locale(language):
        return {
            "processes_your_data": True,
            "purposes": [
                {
                    "key": p.key,
                    "name": p.name.in_language(language),
                    "legal_basis": p.legal_basis,
                    "legal_basis_name": str(LEGAL_BASIS_NAMES[p.legal_basis]),
                }
                for p in notice.purposes
            ],
            "data_categories": [
                {
                    "key": c.key,
                    "name": c.name.in_language(language),
                    "description": c.description.in_language(language),
                    "register_part": (
                        notice.register.parts[c.register_part].in_language(language)
                        if c.register_part is not None
                        else None
                    ),
                    "purposes": list(c.purposes),
                    "retention": {
                        "period": c.retention.period.in_language(language),
                        "legal_ground": c.retention.legal_ground.in_language(language),
                        "kept_after_erasure": c.retention.kept_after_erasure,
                        "years": c.retention.years,
                        "counted_from": (
                            c.retention.counted_from.in_language(language)
                            if c.retention.counted_from
                            else None
                        ),
                    },
                }
                for c in notice.data_categories
            ],
            "recipients": [
                {
                    "key": r.key,
                    "name": r.name.in_language(language),
                    "description": r.description.in_language(language),
                    "role": r.role,
                    "categories": list(r.categories),
                }
                for r in notice.recipients
            ],
            "transfers_outside_eea": notice.transfers_outside_eea,
            "rights": [
                {
                    "key": kind.value,
                    "article": str(article),
                    "name": str(KINDS[kind].title),
                    "summary": str(KINDS[kind].summary),
                }
                for kind, article in RIGHTS
            ],
            "supervisory_authority": {
                "name": authority.name.in_language(language),
                "address": authority.address.one_line,
                "postal_address": authority.postal_address,
                "phone": authority.phone,
                "email": authority.email,
                "website": authority.website,
            },
            "sources": [source.in_language(language) for source in notice.sources],
            "automated_decision_making": notice.automated_decisions,
            # What of the above the notice itself does not state (portal.notice ControllerAddition).
            "controller_additions": [
                {
                    "key": addition.key,
                    "title": addition.title.in_language(language),
                    "statement": addition.statement.in_language(language),
                    "covers": [
                        path for pattern in addition.covers for path in expand(notice, pattern)
                    ],
                }
                for addition in notice.controller_additions
            ],
        }
