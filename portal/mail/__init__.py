"""Email that is never lost: render, store in the outbox, deliver after the commit.

``queue_email`` renders a ``.txt``/``.html`` template pair in the recipient's language and adds an
``OutboxMessage`` to the session of the change that causes it, so both commit or neither does.
Delivery happens later, outside any web request (``run_sender``, behind ``flask outbox send``):
a sender claims one due message at a time with a conditional UPDATE and a claim that runs from
that moment, delivers it within an overall deadline (``MAIL_DELIVERY_DEADLINE``, shorter than the
claim), then records the outcome, so two senders never deliver one message twice. Failed
messages are retried with exponential backoff until ``OUTBOX_MAX_ATTEMPTS``, after which they are
marked failed and shown to admins. When the mail server or the database is unavailable, a
running sender stops its batch, pauses for longer each time and tries again.

SMTP itself is at least once: a server that takes a message and never confirms it gets it again.
Every copy carries the same Message-ID, so the receiving side can tell.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from flask import current_app, render_template
from flask_babel import force_locale

from portal.extensions import db
from portal.models import OutboxMessage, User

if TYPE_CHECKING:
    from portal.mail.sender import (
        MAX_BACKOFF,
        DeliveryReport,
        OutboxSender,
        backoff,
        deliver_due,
        retry_failed,
        run_sender,
    )
    from portal.mail.transports import (
        TRANSPORTS,
        DeliveryError,
        MailboxTransport,
        SMTPTransport,
        TransportDown,
        build_mime,
        delivery_deadline,
    )

__all__ = [
    "MAX_BACKOFF",
    "TRANSPORTS",
    "DeliveryError",
    "DeliveryReport",
    "MailboxTransport",
    "OutboxSender",
    "SMTPTransport",
    "TransportDown",
    "backoff",
    "build_mime",
    "deliver_due",
    "delivery_deadline",
    "queue_email",
    "retry_failed",
    "run_sender",
]

# Delivering is imported when one of its names is first read: a web worker only queues mail,
# and the sender's modules bring Flask-Mail and smtplib, 0.8 MB in every worker for what only
# ``flask outbox send`` does (issue 14: at most 80 MB per worker).
_DELIVERY = {
    "sender": (
        "MAX_BACKOFF",
        "DeliveryReport",
        "OutboxSender",
        "_claim",  # the claim, tested on its own
        "backoff",
        "deliver_due",
        "retry_failed",
        "run_sender",
    ),
    "transports": (
        "TRANSPORTS",
        "DeliveryError",
        "MailboxTransport",
        "SMTPTransport",
        "TransportDown",
        "build_mime",
        "delivery_deadline",
    ),
}
_DELIVERED_BY = {name: module for module, names in _DELIVERY.items() for name in names}


def __getattr__(name: str):
    if name not in _DELIVERED_BY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_DELIVERED_BY[name]}"), name)


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
    if user is not None and not user.password_hash:
        # An account staff registered a request for has no password: the mail says how to
        # choose one (email/_no_password.txt; issue 13, item 7).
        from portal.urls import external_url

        context.setdefault("register_url", external_url("auth.register"))
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
