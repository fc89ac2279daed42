"""Signed, purpose-salted, expiring, single-use link tokens.

One serializer, a salt per purpose: a token made to confirm an address cannot reset a password.
Every load passes ``max_age``. Single use is enforced by the caller recording the token's ``jti``
(``portal.accounts.services.spend_token``) in the same transaction as the change it makes.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose name, not a password
    INVITATION = "staff-invitation"
    CONFIRM_REQUEST = "confirm-request"
    # A person whose request came by letter takes up the account staff made for it.
    CLAIM_ACCOUNT = "claim-account"
    # The owner of a system the portal cannot reach answers a task (portal.register.tasks).
    SYSTEM_TASK = "system-task"
    # The owner of the address the register holds says whether they made a request (Art. 12(6)).
    IDENTITY_CHECK = "identity-check"


MAX_AGE_SETTING = {
    Purpose.CONFIRM_EMAIL: "CONFIRM_EMAIL_MAX_AGE",
    Purpose.RESET_PASSWORD: "RESET_PASSWORD_MAX_AGE",
    Purpose.INVITATION: "INVITATION_MAX_AGE",
    Purpose.CONFIRM_REQUEST: "REQUEST_CONFIRM_MAX_AGE",
    Purpose.CLAIM_ACCOUNT: "CONFIRM_EMAIL_MAX_AGE",
    Purpose.SYSTEM_TASK: "SYSTEM_TASK_MAX_AGE",
    Purpose.IDENTITY_CHECK: "IDENTITY_CHECK_MAX_AGE",
}


class TokenError(Exception):
    """Base for link problems; each subclass gets its own page."""


class TokenInvalid(TokenError):
    """Tampered, truncated or made for another purpose."""


@dataclass
class TokenExpired(TokenError):
    """Genuine but too old. The payload is trusted (the signature checked out)."""

    payload: dict


class TokenUsed(TokenError):
    """Already used once."""


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal:{purpose}")


def make_token(purpose: Purpose, **payload: str | int) -> str:
    return _serializer(purpose).dumps({**payload, "jti": secrets.token_urlsafe(16)})


def load_token(purpose: Purpose, token: str) -> dict:
    max_age = current_app.config[MAX_AGE_SETTING[purpose]]
    serializer = _serializer(purpose)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        # The signature checked out, so the (still encoded) payload can be trusted.
        try:
            payload = serializer.load_payload(exc.payload)
        except BadSignature:
            raise TokenInvalid() from None
        if isinstance(payload, dict) and "jti" in payload:
            raise TokenExpired(payload) from None
        raise TokenInvalid() from None
    except BadSignature:
        raise TokenInvalid() from None
    if not isinstance(payload, dict) or "jti" not in payload:
        raise TokenInvalid()
    return payload
