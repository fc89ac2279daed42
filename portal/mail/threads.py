"""Mail about a request that can find its way back: a reply token, stable Message-IDs, a thread.

Every message about a request carries a ``Reply-To`` with a token of that request (when
``MAIL_REPLY_TO_TEMPLATE`` is set, e.g. ``tietosuoja+{token}@wprod.fi``), a Message-ID that
itself holds the token, and ``In-Reply-To``/``References`` pointing at the earlier messages of the
same request to the same address. A reply to any of them names the request in its To address or
in its own In-Reply-To, and the portal checks that name by recomputing it: nothing is stored that
could be guessed or looked up from outside.

The token is ``<request id>-<HMAC>``: the HMAC, with a key of its own derived from SECRET_KEY,
makes it unguessable, so a stranger cannot attach mail to somebody else's request by writing to
``tietosuoja+43-…``. It is lower case, because some mail servers fold the local part.

The headers are decided when the message is queued and kept on the request's ``email.queued``
event (the record of what was sent), so every delivery attempt of one outbox message carries the
same Message-ID and a receiving server can recognise a redelivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import AuditEvent

# The action of the event that records a queued email about a request (portal.audit).
QUEUED = "email.queued"
# How many earlier Message-IDs a References header names: enough for any client to thread,
# short enough for a long case (RFC 5322 §3.6.4 allows trimming the middle of the list).
MAX_REFERENCES = 10
# An outbox message and its email.queued event are written in one transaction: far less apart.
QUEUED_WINDOW = timedelta(hours=1)
_TOKEN = re.compile(r"(\d{1,18})-([a-z2-7]{16})")
_SALT = b"portal:reply-token"


def _key() -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), _SALT, hashlib.sha256).digest()


def _mac(request_id: int) -> str:
    digest = hmac.new(_key(), str(request_id).encode(), hashlib.sha256).digest()
    # 80 bits, base32 in lower case: survives a mail server that folds the local part.
    return base64.b32encode(digest[:10]).decode().lower()


def reply_token(request_id: int) -> str:
    return f"{request_id}-{_mac(request_id)}"


def request_of_token(token: str) -> int | None:
    """The request id a token names, or None when the token is not one the portal made."""
    match = _TOKEN.fullmatch(token.strip().lower())
    if not match:
        return None
    request_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _mac(request_id)):
        return None
    return request_id


def tokens_in(text: str) -> list[str]:
    """Every candidate token in an address or a Message-ID, for ``request_of_token`` to check."""
    return [m.group(0) for m in re.finditer(r"(?<![0-9a-z])\d{1,18}-[a-z2-7]{16}", text.lower())]


def reply_to_address(request_id: int) -> str | None:
    template = current_app.config.get("MAIL_REPLY_TO_TEMPLATE")
    if not template:
        return None  # replies go to the sender, as before
    return template.format(token=reply_token(request_id))


def message_id_domain() -> str:
    config = current_app.config
    configured = config.get("MAIL_MESSAGE_ID_DOMAIN")
    if configured:
        return configured
    address = parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1]
    return address.rpartition("@")[2] or "localhost"


def new_message_id(request_id: int | None = None) -> str:
    """A fresh Message-ID; about a request, its left part holds the request's token."""
    unique = secrets.token_hex(8)
    left = f"{reply_token(request_id)}.{unique}" if request_id is not None else f"portal.{unique}"
    return f"<{left}@{message_id_domain()}>"


def thread_headers(request_id: int, recipient: str) -> dict[str, str]:
    """The headers of a new message about a request to ``recipient``: its own Message-ID, the
    Reply-To, and In-Reply-To/References to the previous message to the same address."""
    headers = {"Message-ID": new_message_id(request_id)}
    reply_to = reply_to_address(request_id)
    if reply_to:
        headers["Reply-To"] = reply_to
    previous = db.session.scalars(
        select(AuditEvent.details)
        .where(AuditEvent.request_id == request_id, AuditEvent.action == QUEUED)
        .order_by(AuditEvent.id.desc())
    )
    for details in previous:
        if (details.get("to") or "").lower() == recipient.lower() and details.get("message_id"):
            earlier = (details.get("references") or "").split()
            chain = [*earlier, details["message_id"]]
            if len(chain) > MAX_REFERENCES:
                chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
            headers["In-Reply-To"] = details["message_id"]
            headers["References"] = " ".join(chain)
            break
    return headers


def details_of(headers: dict[str, str]) -> dict[str, str]:
    """The headers as the ``email.queued`` event keeps them."""
    names = {
        "Message-ID": "message_id",
        "Reply-To": "reply_to",
        "In-Reply-To": "in_reply_to",
        "References": "references",
    }
    return {names[k]: v for k, v in headers.items() if k in names}


def stored_headers_of(queued: dict[int, datetime]) -> dict[int, dict[str, str]]:
    """``stored_headers`` of several outbox messages ({id: queued at}) in one query, for a
    sender's batch: each read only among the events of the hour around its own queuing (the
    windows of messages queued close together merge into one range)."""
    ranges: list[list[datetime]] = []
    for moment in sorted(queued.values()):
        if ranges and moment - QUEUED_WINDOW <= ranges[-1][1]:
            ranges[-1][1] = moment + QUEUED_WINDOW
        else:
            ranges.append([moment - QUEUED_WINDOW, moment + QUEUED_WINDOW])
    if not ranges:
        return {}
    outbox_id = AuditEvent.details["outbox_id"].as_integer()
    rows = db.session.execute(
        select(outbox_id, AuditEvent.details)
        .where(
            or_(*(AuditEvent.occurred_at.between(start, end) for start, end in ranges)),
            AuditEvent.action == QUEUED,
            outbox_id.in_(list(queued)),
        )
        .order_by(AuditEvent.id)
    ).all()
    found: dict[int, dict[str, str]] = {}
    for message_id, details in rows:
        if message_id not in found:
            found[message_id] = _headers_of(details)
    return {message_id: found.get(message_id, {}) for message_id in queued}


def stored_headers(outbox_id: int, queued_at: datetime) -> dict[str, str]:
    """The headers decided when outbox message ``outbox_id`` was queued at ``queued_at`` ({} for
    mail that is not about a request): read before delivery, the same on every attempt.

    The event is written in the transaction that queued the message, so only the events around
    that moment are read: without the window every delivery read every email.queued event there
    is (70 ms at 100,000 of them)."""
    return stored_headers_of({outbox_id: queued_at})[outbox_id]


def _headers_of(details: dict | None) -> dict[str, str]:
    if not details or not details.get("message_id"):
        return {}
    names = {
        "message_id": "Message-ID",
        "reply_to": "Reply-To",
        "in_reply_to": "In-Reply-To",
        "references": "References",
    }
    return {names[k]: details[k] for k in names if details.get(k)}
