"""The fetcher: reads the privacy mailbox over IMAP and stores each message exactly once.

Store, then flag: a message is committed to the database (row and raw evidence) before it gets
the INBOX_PROCESSED_FLAG keyword on the server. A fetcher that dies in between leaves a stored,
unflagged message; the next run finds it by (mailbox, UIDVALIDITY, UID) or by Message-ID and only
flags it. Two fetchers at once both try to insert and the unique constraints let one win; the
other rolls back (its copy of the raw bytes goes with the rollback) and flags. Nothing is ever
deleted from the mailbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import os
import re
import secrets
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.files import incoming_path
from portal.inbox.deadline import Deadline
from portal.inbox.parse import parse
from portal.models import ArrivalSource, IncomingMessage, IncomingState, utcnow

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class MailboxDown(Exception):
    """The IMAP server cannot be reached, refused the login or stopped answering."""


@dataclass
class FetchReport:
    stored: list[int] = field(default_factory=list)  # ids of the new rows
    already: int = 0  # stored before (another fetcher, or a run that died before flagging)

    def __bool__(self) -> bool:
        return bool(self.stored or self.already)

    def __str__(self) -> str:
        return f"stored {len(self.stored)}, already stored {self.already}"


def _check(response: tuple, what: str) -> list:
    status, data = response
    if status != "OK":
        raise MailboxDown(f"{what}: {status} {data!r}"[:300])
    return data


def connect(config, deadline: Deadline | None = None) -> imaplib.IMAP4:
    """A logged-in connection with the inbox folder selected, or MailboxDown."""
    deadline = deadline or Deadline(config["INBOX_DEADLINE"])
    host, port, timeout = config["INBOX_HOST"], config["INBOX_PORT"], config["INBOX_TIMEOUT"]
    security = (config["INBOX_SECURITY"] or "tls").lower()
    if not host:
        raise MailboxDown("INBOX_HOST is not set")
    if security == "none" and host not in LOOPBACK:
        # The password and every message would cross the network in the clear (Art. 32(1)).
        raise MailboxDown("INBOX_SECURITY none is only for a server on this machine")
    imap = None
    try:
        # Certificates are always verified; INBOX_CA_FILE names a private CA's certificate.
        context = ssl.create_default_context(cafile=config.get("INBOX_CA_FILE") or None)
        if security not in ("tls", "starttls", "none"):
            raise MailboxDown(f"INBOX_SECURITY must be tls, starttls or none, not {security!r}")
        with deadline.step("connecting and logging in"):
            if security == "tls":
                ssl_class = deadline.imap_class(imaplib.IMAP4_SSL)
                imap = ssl_class(host, port, ssl_context=context, timeout=timeout)
            else:
                imap = deadline.imap_class(imaplib.IMAP4)(host, port, timeout=timeout)
                if security == "starttls":
                    imap.starttls(context)
            imap.login(config["INBOX_USER"] or "", config["INBOX_PASSWORD"] or "")
            # Servers name more capabilities after the login (MOVE among them) than before it.
            capabilities = _check(imap.capability(), "CAPABILITY")
            imap.capabilities = tuple(
                (capabilities[0] or b"").decode("ascii", "replace").upper().split()
            )
            _check(imap.select(_quoted(config["INBOX_FOLDER"])), "SELECT")
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        if imap is not None:  # a refused login or folder: the connection is not kept open
            with contextlib.suppress(OSError):
                imap.shutdown()
        raise MailboxDown(f"{host}:{port}: {exc}") from exc
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(config) -> str:
    return f"{config['INBOX_USER']}@{config['INBOX_HOST']}/{config['INBOX_FOLDER']}"[:300]


def _own_message(parsed, config) -> bool:
    """Mail the portal sent itself (a copy, a loop through a forwarder): never answered.

    From our own sender address, or with a Message-ID of our domain on an automatic message (the
    portal's mail says Auto-Submitted: auto-generated; a person's mail from the same domain does
    not, and stays a person's mail).
    """
    sender = parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1].lower()
    domain = (config.get("MAIL_MESSAGE_ID_DOMAIN") or sender.rpartition("@")[2]).lower()
    msgid = (parsed.message_id or "").lower()
    if sender and parsed.sender == sender:
        return True
    return bool(domain) and msgid.endswith("@" + domain) and parsed.automatic == "auto-submitted"


class Fetcher:
    """One pass over the mailbox: what is not yet flagged is stored (once) and then flagged."""

    def __init__(self, config=None) -> None:
        self.config = config or current_app.config

    def fetch_new(self) -> FetchReport:
        report = FetchReport()
        self.deadline = Deadline(self.config["INBOX_DEADLINE"])
        try:
            imap = connect(self.config, self.deadline)
            try:
                self._fetch(imap, report)
            except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
                raise MailboxDown(f"{self.config['INBOX_HOST']}: {exc}") from exc
            finally:
                with (
                    contextlib.suppress(OSError, imaplib.IMAP4.error),
                    self.deadline.step("logging out"),
                ):
                    imap.logout()
        finally:
            self.deadline.close()
        return report

    def _fetch(self, imap: imaplib.IMAP4, report: FetchReport) -> None:
        # Sent by the server with SELECT's answer; without it no UID can be trusted.
        _, found = imap.response("UIDVALIDITY")
        if not found or found[0] is None:
            raise MailboxDown("the server gave no UIDVALIDITY for the folder")
        uidvalidity = int(found[0])
        flag = self.config["INBOX_PROCESSED_FLAG"]
        data = _check(imap.uid("SEARCH", None, "UNKEYWORD", flag), "SEARCH")
        uids = [int(u) for u in (data[0] or b"").split()][: self.config["INBOX_BATCH_SIZE"]]
        for uid in uids:
            with self.deadline.step(f"reading message {uid}"):
                stored = self.store(imap, uidvalidity, uid)
            if stored is not None:
                report.stored.append(stored)
            else:
                report.already += 1
            with self.deadline.step(f"flagging message {uid}"):
                self.mark_processed(imap, uid)

    def store(self, imap: imaplib.IMAP4, uidvalidity: int, uid: int) -> int | None:
        """Store one message and return its id; None when it was stored before (by anyone)."""
        mailbox = mailbox_name(self.config)
        if self._known(mailbox, uidvalidity, uid, None):
            return None
        meta = b" ".join(
            p if isinstance(p, bytes) else p[0]
            for p in _check(imap.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE)"), "FETCH")
            if p
        )
        size_match = _SIZE.search(meta)
        if size_match is None:
            return None  # expunged meanwhile by someone else: nothing to store
        size = int(size_match.group(1))
        limit = self.config["INBOX_MAX_BYTES"]
        part = f"BODY.PEEK[]<0.{limit}>" if size > limit else "BODY.PEEK[]"
        fetched = _check(imap.uid("FETCH", str(uid), f"({part})"), "FETCH")
        raw = next((p[1] for p in fetched if isinstance(p, tuple)), b"")[:limit]
        parsed = parse(raw)
        if self._known(mailbox, uidvalidity, uid, parsed.message_id):
            # Not this UID, so the same Message-ID: a second delivery of a stored message (a copy
            # via Cc and Bcc, a forwarder). Logged, because a sender can also reuse one on purpose.
            log.warning(
                "inbox: message %s:%s has the Message-ID of a stored message; not stored again",
                uidvalidity,
                uid,
            )
            return None
        if parsed.message_id is None and self._same_bytes(raw):
            # Without a Message-ID, the bytes are the only name a message has: after the server
            # renumbered the folder (a new UIDVALIDITY), a stored message is not stored again, so
            # it is not sorted twice either.
            log.warning(
                "inbox: message %s:%s without a Message-ID was stored before", uidvalidity, uid
            )
            return None
        arrived_at, source = self._arrival(meta, parsed)
        return save(
            raw,
            parsed,
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            size=size,
            arrived_at=arrived_at,
            source=source,
            config=self.config,
        )

    def _same_bytes(self, raw: bytes) -> bool:
        digest = hashlib.sha256(raw).hexdigest()
        found = db.session.scalar(
            select(IncomingMessage.id)
            .where(IncomingMessage.raw_sha256 == digest, IncomingMessage.message_id.is_(None))
            .limit(1)
        )
        db.session.rollback()
        return found is not None

    def _known(self, mailbox: str, uidvalidity: int, uid: int, message_id: str | None) -> bool:
        same_place = (
            (IncomingMessage.mailbox == mailbox)
            & (IncomingMessage.uidvalidity == uidvalidity)
            & (IncomingMessage.uid == uid)
        )
        where = (
            same_place
            if message_id is None
            else or_(same_place, IncomingMessage.message_id == message_id)
        )
        found = db.session.scalar(select(IncomingMessage.id).where(where).limit(1))
        db.session.rollback()
        return found is not None

    def _arrival(self, meta: bytes, parsed) -> tuple[datetime, ArrivalSource]:
        # The receiving server's INTERNALDATE starts the clock (EDPB 01/2022 §159); the sender's
        # Date header only when the server gave none.
        found = _INTERNALDATE.search(meta)
        if found:
            try:
                when = datetime.strptime(found.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
                return when.astimezone(UTC), ArrivalSource.INTERNALDATE
            except ValueError:
                pass
        if parsed.date is not None:
            return parsed.date, ArrivalSource.DATE_HEADER
        return utcnow(), ArrivalSource.FETCHED

    def mark_processed(self, imap: imaplib.IMAP4, uid: int) -> None:
        """Flag a stored message (and move it, when a processed folder is set)."""
        flag = self.config["INBOX_PROCESSED_FLAG"]
        _check(imap.uid("STORE", str(uid), "+FLAGS", f"({flag})"), "STORE")
        folder = self.config["INBOX_PROCESSED_FOLDER"]
        # Only with MOVE (RFC 6851): COPY and EXPUNGE would also expunge what a person marked
        # deleted. Without it the message stays, flagged, in the inbox folder.
        if folder and "MOVE" in imap.capabilities:
            _check(imap.uid("MOVE", str(uid), _quoted(folder)), "MOVE")


def _write(raw: bytes, key: str) -> Path:
    target = incoming_path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with open(partial, "wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target


def save(
    raw: bytes,
    parsed,
    *,
    mailbox: str,
    uidvalidity: int,
    uid: int,
    size: int,
    arrived_at: datetime,
    source: ArrivalSource,
    config,
) -> int | None:
    """Commit one message (its row and its raw bytes) and return its id; None when another
    fetcher stored it first (the unique constraints decide, and the loser's bytes go)."""
    key = secrets.token_hex(32)
    path = _write(raw, key)
    row = IncomingMessage(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        sender=parsed.sender,
        sender_name=parsed.sender_name,
        subject=parsed.subject,
        arrived_at=arrived_at,
        arrival_source=source,
        body_text=parsed.text,
        attachments=parsed.attachments,
        automatic="own" if _own_message(parsed, config) else parsed.automatic,
        storage_key=key,
        raw_size=size,
        stored_size=len(raw),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        raw_truncated=size > len(raw),
        defects="; ".join(parsed.defects)[:2000] or None,
        state=IncomingState.NEW,
    )
    db.session.add(row)
    # Registered like an upload: a rollback (another fetcher won) deletes the bytes again.
    db.session.info.setdefault("written_files", []).append(path)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("inbox: message %s:%s was stored by another fetcher", uidvalidity, uid)
        return None
    log.info("inbox: stored message %s (%s:%s, %s bytes)", row.id, uidvalidity, uid, size)
    return row.id


def raw_path(message: IncomingMessage) -> Path:
    return incoming_path(message.storage_key)
