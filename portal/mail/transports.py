"""Handing a message to the mail server (or, in development, to the local mailbox).

Each SMTP delivery, connecting included, has an overall deadline (``MAIL_DELIVERY_DEADLINE``);
``MAIL_TIMEOUT`` only bounds each read or write. A connection that fails or runs out of time
raises ``TransportDown``, and the sender stops its batch there.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
import time
from email.charset import QP, Charset
from email.mime.text import MIMEText
from pathlib import Path

from flask import current_app
from flask_mail import Message

from portal.models import OutboxMessage

# Seconds one delivery may take in all, when MAIL_DELIVERY_DEADLINE is not set. It must stay
# below OUTBOX_CLAIM_SECONDS, or a claim could end while its message is still being delivered.
DEFAULT_DELIVERY_DEADLINE = 60


class DeliveryError(Exception):
    """The transport could not hand the message over; it will be retried."""


class TransportDown(DeliveryError):
    """The mail server cannot be reached or stopped answering: the rest of the batch waits."""


class _Message(Message):
    """Flask-Mail's message with its text parts in quoted-printable.

    Flask-Mail sends UTF-8 text as 8bit, its lines as long as the paragraphs people write; a
    line over 998 characters breaks RFC 5322 (2.1.1), and strict servers refuse the message
    ("500 Line too long"), so a long letter would be retried until it failed for good.
    Quoted-printable folds the lines and keeps every character.
    """

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        part = MIMEText("", _subtype=subtype, _charset="utf-8")
        del part["Content-Transfer-Encoding"]
        charset = Charset("utf-8")
        charset.body_encoding = QP
        part.set_payload(text or "", charset)
        return part


def build_mime(message: OutboxMessage) -> Message:
    mime = _Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    # A stable Message-ID lets a receiving server recognise a redelivery after a crash. Mail
    # about a request has its own, decided when it was queued (portal.mail.threads), with the
    # Reply-To and thread headers that let a reply find the request again.
    thread = dict(getattr(message, "thread_headers", None) or {})
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    mime.msgId = thread.pop(
        "Message-ID", f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    )
    if "Reply-To" in thread:
        mime.reply_to = thread.pop("Reply-To")
    mime.extra_headers = {"Auto-Submitted": "auto-generated", **thread}
    return mime


def delivery_deadline(config) -> float:
    """Seconds one delivery may take in all: connecting, greeting, TLS, login and the message."""
    return float(config.get("MAIL_DELIVERY_DEADLINE", DEFAULT_DELIVERY_DEADLINE))


class _Watchdog:
    """Shuts a connection down when a delivery outlives its overall deadline.

    A socket timeout (MAIL_TIMEOUT) bounds each read and write, not their sum: a server that
    sends one byte every few seconds holds a sender for as long as it likes. ``shutdown()`` from
    the watchdog's thread wakes the read or write blocked in the sender's thread, which then
    fails. One thread serves every delivery of a connection: a timer thread started for each
    message cost more than the message itself on a busy machine (issue 14: 100 messages/s).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._sockets: list[socket.socket] = []
        self._deadline: float | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.expired = False

    def watch(self, sock: socket.socket) -> None:
        # A second descriptor of the same connection: SMTP_SSL and STARTTLS wrap, and so detach,
        # the socket smtplib holds, but shutting down any descriptor ends the connection itself.
        watched = sock.dup()
        with self._lock:
            self._sockets.append(watched)
            if self.expired:  # the deadline passed while the socket was being connected
                _shutdown(watched)

    def arm(self, seconds: float) -> None:
        with self._lock:
            self.expired = False
            self._deadline = time.monotonic() + seconds
            self._stopped = False
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="smtp-delivery-deadline", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        with self._lock:
            while not self._stopped:
                if self._deadline is None:
                    self._wake.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._wake.wait(remaining)
                    continue
                self._deadline = None
                self.expired = True
                for sock in self._sockets:
                    _shutdown(sock)
            self._thread = None

    def disarm(self) -> bool:
        """Stop the clock; True when the deadline passed (and the connection was shut down)."""
        with self._lock:
            self._deadline = None
            return self.expired

    def forget(self) -> None:
        """Close the watched descriptors, once the connection is closed, and end the thread."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
            self._deadline = None
            self._stopped = True
            self._wake.notify()
        for sock in sockets:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedSMTP(smtplib.SMTP):
    def __init__(self, watchdog: _Watchdog, **kwargs) -> None:
        self.watchdog = watchdog
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        self.watchdog.watch(sock)
        return sock


class _WatchedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, watchdog: _Watchdog, **kwargs) -> None:
        self.watchdog = watchdog
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        # Watch the plain TCP socket before the TLS handshake, which a slow server can drip too.
        sock = smtplib.SMTP._get_socket(self, host, port, timeout)
        self.watchdog.watch(sock)
        try:
            return self.context.wrap_socket(sock, server_hostname=self._host)
        except BaseException:
            sock.close()
            raise


# Replies with which a server refuses one message but stays usable for the next. 421 is the
# server closing the connection (RFC 5321 §3.8): that is the server going away, not the message.
_MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


def _server_closing(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", None) == 421


class SMTPTransport:
    """Hands messages to an SMTP server over one connection; TLS settings from configuration.

    Each delivery, connecting included, must finish within ``MAIL_DELIVERY_DEADLINE`` seconds.
    A connection that fails or runs out of time raises ``TransportDown`` so that the sender stops
    the batch: reconnecting for every message would pay the same timeout again each time.
    """

    def __init__(self, config) -> None:
        self.config = config
        self.server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
        self.deadline = delivery_deadline(config)
        self.connection: smtplib.SMTP | None = None
        self.watchdog = _Watchdog()

    def __enter__(self) -> SMTPTransport:
        return self

    def _connect(self) -> None:
        cfg = self.config
        # Loading the system's certificates takes milliseconds: only for a connection with TLS.
        context = (
            ssl.create_default_context() if cfg["MAIL_USE_SSL"] or cfg["MAIL_USE_TLS"] else None
        )
        options = {
            "host": cfg["MAIL_SERVER"],
            "port": cfg["MAIL_PORT"],
            "timeout": min(cfg["MAIL_TIMEOUT"], self.deadline),
        }
        # smtplib connects and reads the greeting in the constructor, and closes the socket
        # itself when that fails.
        if cfg["MAIL_USE_SSL"]:
            self.connection = _WatchedSMTPSSL(self.watchdog, context=context, **options)
        else:
            self.connection = _WatchedSMTP(self.watchdog, **options)
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            self.connection.starttls(context=context)
        if cfg["MAIL_USERNAME"] and cfg["MAIL_PASSWORD"]:
            self.connection.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])

    def send(self, message: OutboxMessage) -> None:
        mime = build_mime(message)
        connecting = self.connection is None
        error: Exception | None = None
        down = False
        self.watchdog.arm(self.deadline)
        try:
            if connecting:
                self._connect()
            self.connection.sendmail(mime.sender, [message.recipient], mime.as_bytes())
        except _MESSAGE_REFUSED as exc:
            error, down = exc, _server_closing(exc)
        except (OSError, smtplib.SMTPException) as exc:
            error, down = exc, True
        except Exception:
            # Say, an address smtplib cannot encode, refused half-way through the conversation:
            # the next message must not start in the middle of this one's.
            self.watchdog.disarm()
            self._close(polite=False)
            raise
        finally:
            expired = self.watchdog.disarm()
        if expired or down:
            self._close(polite=False)
        # A deadline that passed fails the delivery even when sendmail() returned: smtplib takes
        # a reply cut short by the shutdown ("250 2" with no line end) for a whole one. Sending
        # again risks a copy, which the fixed Message-ID lets the receiver recognise; taking it
        # for sent risks losing the message.
        if error is None and not expired:
            return
        if expired:
            reason = f"no complete answer within the delivery deadline of {self.deadline:g} s"
        else:
            reason = str(error)
        if not (expired or down):
            raise DeliveryError(reason)
        if connecting:
            raise TransportDown(f"cannot connect to {self.server}: {reason}")
        raise TransportDown(f"connection to {self.server} lost: {reason}")

    def _close(self, *, polite: bool) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            self.watchdog.forget()  # a connection that failed in smtplib's constructor
            return
        try:
            if polite:
                # QUIT under the same deadline: a server that hangs at goodbye costs no more.
                self.watchdog.arm(self.deadline)
                try:
                    with contextlib.suppress(OSError, smtplib.SMTPException):
                        connection.quit()
                finally:
                    self.watchdog.disarm()
        finally:
            connection.close()
            self.watchdog.forget()

    def __exit__(self, *exc_info) -> None:
        self._close(polite=True)


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
