"""Email that is never lost: render, store in the outbox, deliver after the commit.

``queue_email`` renders a ``.txt``/``.html`` template pair in the recipient's language and adds an
``OutboxMessage`` to the session of the change that causes it, so both commit or neither does.
Delivery happens later, outside any web request (``flask outbox send``): a sender claims each due
message with a conditional UPDATE, so two senders never deliver one message twice, and retries with
exponential backoff until ``OUTBOX_MAX_ATTEMPTS``, after which the message is marked failed and
shown to admins.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.models import OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)

# The longest wait between two attempts, however many have failed.
MAX_BACKOFF = timedelta(hours=6)


class DeliveryError(Exception):
    """The transport could not hand the message over; it will be retried."""


def queue_email(
    template: str,
    *,
    to: str,
    subject,
    locale: str | None = None,
    user: User | None = None,
    **context,
) -> OutboxMessage:
    """Render ``email/<template>.txt`` and ``.html`` and add the message to the session.

    ``subject`` is a lazy string, translated in the recipient's language. The caller commits.
    """
    language = (
        locale or (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    context.setdefault("user", user)
    with force_locale(language):
        subject_text = str(subject)
        context["subject"] = subject_text
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    message = OutboxMessage(
        recipient=to,
        user_id=user.id if user else None,
        template=template,
        locale=language,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
    )
    db.session.add(message)
    return message


def build_mime(message: OutboxMessage) -> Message:
    mime = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    # A stable Message-ID lets a receiving server recognise a redelivery after a crash.
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    mime.msgId = f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    mime.extra_headers = {"Auto-Submitted": "auto-generated"}
    return mime


class SMTPTransport:
    """Hands messages to an SMTP server; TLS settings from configuration."""

    def __init__(self, config) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPTransport:
        return self

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = ssl.create_default_context()
        try:
            if cfg["MAIL_USE_SSL"]:
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg["MAIL_SERVER"],
                    cfg["MAIL_PORT"],
                    timeout=cfg["MAIL_TIMEOUT"],
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]
                )
                if cfg["MAIL_USE_TLS"]:
                    connection.starttls(context=context)
            if cfg["MAIL_USERNAME"] and cfg["MAIL_PASSWORD"]:
                connection.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"cannot connect to {cfg['MAIL_SERVER']}:{cfg['MAIL_PORT']}: {exc}"
            ) from None
        return connection

    def send(self, message: OutboxMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        mime = build_mime(message)
        try:
            self.connection.sendmail(mime.sender, [message.recipient], mime.as_bytes())
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise DeliveryError(str(exc)) from None

    def _close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
            self.connection = None

    def __exit__(self, *exc_info) -> None:
        self._close()


class MailboxTransport:
    """Development: writes each message as an .eml file read on the /dev/mailbox page."""

    def __init__(self, config) -> None:
        self.directory = Path(config["MAILBOX_DIR"])

    def __enter__(self) -> MailboxTransport:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, message: OutboxMessage) -> None:
        path = self.directory / f"{message.id:08d}.eml"
        try:
            path.write_bytes(build_mime(message).as_bytes())
        except OSError as exc:
            raise DeliveryError(str(exc)) from None

    def __exit__(self, *exc_info) -> None:
        pass


TRANSPORTS = {"smtp": SMTPTransport, "mailbox": MailboxTransport}


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2×base, 4×base… capped at MAX_BACKOFF."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(message_id: int, worker: str, now: datetime) -> bool:
    """Take a message for this sender; False when another sender has it or it is done."""
    claimed_until = now + timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_by=worker, claimed_until=claimed_until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(worker: str | None = None, now: datetime | None = None) -> DeliveryReport:
    """Deliver every message that is due now; commits after each message."""
    config = current_app.config
    worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    now = now or utcnow()
    report = DeliveryReport()
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(config["OUTBOX_BATCH_SIZE"])
    ).all()
    db.session.rollback()
    if not due_ids:
        return report

    with TRANSPORTS[config["MAIL_TRANSPORT"]](config) as transport:
        for message_id in due_ids:
            if not _claim(message_id, worker, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            message.attempts += 1
            try:
                transport.send(message)
            except DeliveryError as exc:
                message.last_error = str(exc)[:2000]
                if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
                    message.status = OutboxStatus.FAILED
                    report.failed.append(message.id)
                    log.error("outbox message %s failed for good: %s", message.id, exc)
                else:
                    message.next_attempt_at = utcnow() + backoff(
                        message.attempts, config["OUTBOX_RETRY_BASE_SECONDS"]
                    )
                    report.retrying.append(message.id)
                    log.warning("outbox message %s will be retried: %s", message.id, exc)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                report.sent.append(message.id)
            message.claimed_by = None
            message.claimed_until = None
            db.session.commit()
    return report


def retry_failed(message: OutboxMessage) -> None:
    """An admin puts a failed message back in the queue."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
