"""Reading one raw message: headers, the plain text, the attachments' names and sizes.

Nothing here trusts the message. Headers that do not parse, unknown or wrong charsets and broken
MIME are read as far as they go and noted as defects for staff; none of them stops the message
from being stored (a request that cannot be read cleanly is still a request, EDPB 01/2022 §159).
HTML is turned into plain text here and never shown as HTML.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

# More than this many attachments are counted, not listed one by one.
MAX_LISTED_ATTACHMENTS = 200
# The text kept for the inbox view; the whole message stays in the raw evidence.
MAX_TEXT_CHARS = 200_000
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class Parsed:
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    attachments: list[dict] = field(default_factory=list)
    automatic: str | None = None
    defects: list[str] = field(default_factory=list)


class _TextOfHtml(HTMLParser):
    """The text of an HTML part: tags dropped, scripts and styles skipped, blocks on new lines."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    reader.feed(html)
    reader.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(reader.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _header(message: Message, name: str, defects: list[str]) -> str:
    """A header as text, or "" — a header that does not parse is read raw and noted."""
    try:
        value = message.get(name)
    except Exception:  # the policy's parser gave up on it: take the raw value
        defects.append(f"unreadable {name} header")
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    text = str(value or "")
    # Folding and control characters from a hostile header never reach a page or a log line.
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


def _msgid(value: str) -> str | None:
    found = re.search(r"<([^<>\s]+)>", value) or re.search(r"(\S+@\S+)", value)
    if not found:
        return None
    msgid = found.group(1)
    return msgid if len(msgid) <= 255 else None


def _decoded(part: Message, defects: list[str]) -> str:
    """A text part's content: its declared charset, else UTF-8, else Windows-1252.

    The bytes are decoded strictly, so a part that claims UTF-8 but is Latin-1 (common from old
    mail programs) is read as what it is instead of as replacement characters.
    """
    payload = part.get_payload(decode=True) or b""
    if isinstance(payload, str):
        return payload
    declared = part.get_content_charset()
    for charset in dict.fromkeys(c for c in (declared, "utf-8") if c):
        try:
            return payload.decode(charset)
        except LookupError:
            defects.append(f"unknown charset {charset[:40]}")
        except UnicodeDecodeError:
            if declared and charset == declared:
                defects.append(f"text not in its declared charset {charset[:40]}")
    # Most mail that lies about its charset is Windows-1252 / Latin-1 (ä, ö, å).
    return payload.decode("cp1252", errors="replace")


def _automatic(message: Message, sender: str, defects: list[str]) -> str | None:
    """Whether the message was sent by a program (RFC 3834): such mail is never answered."""
    auto = _header(message, "Auto-Submitted", defects).lower()
    if auto and auto != "no":
        return "auto-submitted"
    if message.get_content_type() == "multipart/report" or sender.lower().startswith(
        ("mailer-daemon@", "postmaster@")
    ):
        return "bounce"
    if any(_header(message, h, defects) for h in ("X-Autoreply", "X-Autorespond")):
        return "auto-reply"
    if _header(message, "Precedence", defects).lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "bulk"
    return None


def parse(raw: bytes) -> Parsed:
    """What the inbox needs of one message; never raises on a malformed message."""
    out = Parsed()
    message: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    out.defects.extend(sorted({type(d).__name__ for d in message.defects}))
    out.message_id = _msgid(_header(message, "Message-ID", out.defects))
    out.in_reply_to = _header(message, "In-Reply-To", out.defects)[:2000] or None
    out.references = _header(message, "References", out.defects)[:10000] or None
    out.subject = _header(message, "Subject", out.defects)[:500]
    from_ = _header(message, "From", out.defects)
    addresses = [(n, a) for n, a in getaddresses([from_]) if "@" in a]
    if addresses:
        out.sender_name, out.sender = addresses[0][0][:200], addresses[0][1][:320].lower()
    date = _header(message, "Date", out.defects)
    if date:
        try:
            parsed_date = parsedate_to_datetime(date)
            if parsed_date.tzinfo is None:  # RFC 5322 -0000: the zone is unknown, take UTC
                parsed_date = parsed_date.replace(tzinfo=UTC)
            out.date = parsed_date.astimezone(UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            out.defects.append("unreadable Date header")
    out.automatic = _automatic(message, out.sender, out.defects)
    out.text, out.attachments = _body(message, out.defects)
    return out


def _body(message: EmailMessage, defects: list[str]) -> tuple[str, list[dict]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[dict] = []
    uncounted = 0
    try:
        parts = list(message.walk())
    except Exception:
        defects.append("unreadable MIME structure")
        parts = [message]
    for part in parts:
        if part.is_multipart():
            continue
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            defects.append("unreadable attachment headers")
            disposition, filename = "attachment", None
        content_type = part.get_content_type()
        if disposition != "attachment" and not filename and content_type == "text/plain":
            plain.append(_decoded(part, defects))
        elif disposition != "attachment" and not filename and content_type == "text/html":
            html.append(_decoded(part, defects))
        elif len(attachments) < MAX_LISTED_ATTACHMENTS:
            payload = part.get_payload(decode=True) or b""
            attachments.append(
                {
                    "name": re.sub(r"[\x00-\x1f\x7f]+", " ", filename or "")[:255],
                    "size": len(payload),
                    "type": content_type[:100],
                }
            )
        else:
            uncounted += 1
    if uncounted:
        defects.append(f"{uncounted} more attachments not listed")
    text = "\n\n".join(p.strip() for p in plain if p.strip())
    if not text and html:
        text = "\n\n".join(html_to_text(h) for h in html)
    return text[:MAX_TEXT_CHARS], attachments
