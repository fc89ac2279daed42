"""Which request an incoming message belongs to, and whether it may join it.

In this order (issue: threading replies):

1. the reply token in the address it was sent to (To, Cc, Delivered-To, X-Original-To): the
   ``Reply-To`` of every message about a request carries one (portal.mail.threads);
2. else In-Reply-To/References naming one of our Message-IDs, which hold the same token;
3. else the request's reference (``WP-2026-0042``) in the subject, but only from the requester's
   own address: a subject anyone can type is not enough on its own.

A token is checked by recomputing its HMAC, so a forged one names nothing. A message found by
token or thread but sent from another address than the requester's is not joined: it waits for
staff, who decide (GDPR Art. 5(1)(f): nothing is put on the wrong person's ticket, and Art. 12(6):
the sender's identity is not assumed).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from flask import current_app
from mailparser_reply import EmailMessage as ReplyText
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from sqlalchemy import select

from portal.extensions import db
from portal.mail.threads import request_of_token, tokens_in
from portal.models import SubjectRequest

log = logging.getLogger(__name__)

ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
# In-Reply-To last, so that it comes first when the candidates are read newest first.
THREAD_HEADERS = ("References", "In-Reply-To")
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class Match:
    """``request_id`` None: no request found (the message is for the staff inbox). ``by``: how
    it was found ("token", "thread", "subject"). ``sender_matches``: the From address is the
    requester's; only then is the message joined."""

    request_id: int | None = None
    by: str | None = None
    sender_matches: bool = False

    @property
    def joins(self) -> bool:
        return self.request_id is not None and self.sender_matches


def sender_of(message: EmailMessage) -> str:
    return parseaddr(str(message.get("From") or ""))[1].strip().lower()


def _header_values(message: EmailMessage, names) -> list[str]:
    values = []
    for name in names:
        try:
            values.extend(str(value) for value in message.get_all(name) or [])
        except Exception:  # a header the email package cannot read names nothing
            log.warning("incoming message: the %s header could not be read", name)
    return values


def _existing(request_id: int) -> SubjectRequest | None:
    return db.session.get(SubjectRequest, request_id)


def _from_tokens(texts: list[str]) -> SubjectRequest | None:
    # The newest first (References lists the oldest first), and only so many: a message with
    # thousands of made-up ids costs no more than one with a few.
    candidates = [token for text in texts for token in tokens_in(text)][::-1][:MAX_CANDIDATES]
    for token in candidates:
        request_id = request_of_token(token)
        if request_id is not None and (found := _existing(request_id)) is not None:
            return found
    return None


def _requester_address(request: SubjectRequest) -> str:
    requester = request.requester
    return (requester.email or "").strip().lower() if requester is not None else ""


def _reference_in(subject: str) -> str | None:
    prefix = re.escape(current_app.config["REQUEST_REFERENCE_PREFIX"])
    match = re.search(rf"(?<![\w-])({prefix}-\d{{4}}-\d{{1,9}})(?![\w-])", subject, re.IGNORECASE)
    return match.group(1).upper() if match else None


def match_request(message: EmailMessage) -> Match:
    """The request ``message`` belongs to, how it was found, and whether its sender may join it."""
    try:
        sender = sender_of(message)
    except Exception:  # an unreadable From matches no requester
        sender = ""
    addresses = [a for _, a in getaddresses(_header_values(message, ADDRESS_HEADERS))]
    for by, texts in (
        ("token", [a.partition("@")[0] for a in addresses]),
        ("thread", _header_values(message, THREAD_HEADERS)),
    ):
        found = _from_tokens(texts)
        if found is not None:
            matches = bool(sender) and sender == _requester_address(found)
            return Match(found.id, by, matches)
    reference = _reference_in(" ".join(_header_values(message, ("Subject",))))
    if reference and sender:
        found = db.session.scalar(
            select(SubjectRequest).where(SubjectRequest.reference == reference)
        )
        # Only with the requester's own address: a stranger who types a reference joins nothing.
        if found is not None and sender == _requester_address(found):
            return Match(found.id, "subject", True)
    return Match()


# The reply itself, without the quoted history and the signature ------------------------------

# Finnish, which the reply parser does not know (yet): Gmail's "… kirjoitti:", Outlook's
# "Lähettäjä: / Lähetetty: / Aihe:" block, the usual closings and the phone footers.
MAIL_LANGUAGES.setdefault(
    "fi",
    {
        # One line, or two when the client wrapped a long name and address.
        "wrote_header": r"^("
        + QUOTED_MATCH_INCLUDE
        + r"[^\n]{0,200}(?:\n[^\n]{0,200})?\skirjoitti\s?:)$",
        "from_header": r"((?:(?:^|\n|\n"
        + QUOTED_MATCH_INCLUDE
        + r")[* ]*(?:Lähettäjä|Lähetetty|Vastaanottaja|Aihe|Päivämäärä|Kopio):[ *]*"
        r"(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "disclaimers": ["Luottamuksellinen:", "Huomio:"],
        "signatures": [
            "Ystävällisin terveisin",
            "Ystävällisin t",
            "Parhain terveisin",
            "Terveisin",
            "Terv\\.",
            "t\\. ",
            "Lähetetty (?:iPhonesta|iPadista|Android-laitteesta|laitteesta|Outlookista)",
        ],
    },
)
REPLY_LANGUAGES = ["fi", "sv", "en"]


def latest_reply(text: str) -> str:
    """What the person wrote this time (``text``: the message read as plain text, never as
    HTML): quoted history and signature left out. The full message is kept as it came, for the
    record; this is only what the ticket shows first."""
    parsed = ReplyText(text=text, languages=REPLY_LANGUAGES, keep_hyphen_lists=True).read()
    reply = parsed.replies[0].body.strip() if parsed.replies else ""
    # A message that is all quotation (or all signature) keeps its text rather than going blank.
    return reply or text.strip()
