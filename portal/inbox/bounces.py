"""Delivery status notifications: which of our messages did not arrive, to whom, and why.

A bounce is read from the report itself (RFC 3464: ``multipart/report; report-type=
delivery-status``), whose ``message/delivery-status`` part says, per recipient, what happened
(``Action: failed``, ``Status: 5.1.1``, ``Diagnostic-Code``), and whose last part returns the
original message or its headers, with our Message-ID. Many servers send something looser: a
plain-text "undeliverable" note from MAILER-DAEMON quoting the original headers. From those, our
Message-ID is found in the text. A "delayed" report is not a bounce: the server is still trying.

Only a Message-ID the portal made counts: it holds the request's reply token, checked by its
HMAC, so a forged "bounce" can mark nothing of another request (portal.mail.threads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

from portal.mail.threads import message_id_domain, request_of_token, tokens_in

# Enough of a loose bounce to find the quoted headers; the rest is the original's body.
SCANNED_CHARS = 200_000


@dataclass(frozen=True)
class Bounce:
    message_id: str  # without angle brackets
    request_id: int
    recipient: str
    status: str
    diagnostic: str

    @property
    def reason(self) -> str:
        return " ".join(p for p in (self.status, self.diagnostic) if p)[:1000]


def _fields(part: Message) -> list[dict[str, str]]:
    """The per-message and per-recipient field groups of a delivery-status part."""
    payload = part.get_payload()
    groups: list[dict[str, str]] = []
    blocks = payload if isinstance(payload, list) else [payload]
    for block in blocks:
        text = block.as_string() if isinstance(block, Message) else str(block or "")
        for chunk in re.split(r"\r?\n\s*\r?\n", text):
            fields = {}
            for line in re.sub(r"\r?\n[ \t]+", " ", chunk).splitlines():
                name, colon, value = line.partition(":")
                if colon:
                    fields[name.strip().lower()] = value.strip()
            if fields:
                groups.append(fields)
    return groups


def _ours(text: str) -> tuple[str, int] | None:
    """The first Message-ID of ours in ``text`` and the request it names."""
    domain = re.escape(message_id_domain().lower())
    for found in re.finditer(rf"<?([^<>\s\"]+@{domain})>?", text.lower()):
        for token in tokens_in(found.group(1).partition("@")[0]):
            request_id = request_of_token(token.split(".")[0])
            if request_id is not None:
                return found.group(1), request_id
    return None


def _text_of(message: EmailMessage) -> str:
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # a part that cannot be decoded holds no Message-ID we can read
            payload = None
        if isinstance(payload, bytes):
            parts.append(payload[:SCANNED_CHARS].decode("utf-8", "replace"))
        elif part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            parts.append(str(part)[:SCANNED_CHARS])
    return "\n".join(parts)[:SCANNED_CHARS]


def read_bounce(message: EmailMessage, *, loose: bool = False) -> Bounce | None:
    """The bounce ``message`` reports for one of our messages, or None (not a bounce, a delay,
    or about mail the portal did not send). Without a delivery-status part, only a ``loose``
    message (one from MAILER-DAEMON or postmaster) is read for our Message-ID: an out-of-office
    reply that quotes our message is not a bounce."""
    try:
        status_parts = [
            p for p in message.walk() if p.get_content_type() == "message/delivery-status"
        ]
        recipient = status = diagnostic = ""
        if status_parts:
            recipients = [g for g in _fields(status_parts[0]) if "action" in g]
            failed = [g for g in recipients if g["action"].lower() == "failed"]
            if not failed:
                return None  # delayed, delivered, relayed: nothing bounced
            first = failed[0]
            recipient = first.get("final-recipient", first.get("original-recipient", ""))
            recipient = recipient.partition(";")[2].strip() or recipient
            status = first.get("status", "")
            diagnostic = first.get("diagnostic-code", "").partition(";")[2].strip() or first.get(
                "diagnostic-code", ""
            )
        elif not loose:
            return None
        ours = _ours(_text_of(message))
    except Exception:  # a report too broken to read is left for staff as it is
        return None
    if ours is None:
        return None
    return Bounce(
        message_id=ours[0][:255],
        request_id=ours[1],
        recipient=recipient.lower()[:320],
        status=status[:32],
        diagnostic=re.sub(r"\s+", " ", diagnostic)[:800],
    )
