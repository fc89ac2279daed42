"""Guessing passwords is slowed per account, not only per client address.

``AUTH_RATE_LIMIT`` counts per client address, so a guesser who spreads attempts over many
addresses (or many workers, with an in-process store) is not stopped by it. These limits count
the *failures* against one account, in steps that make a backoff (``ACCOUNT_GUESS_LIMIT``:
a few per quarter hour, more per hour, a day's cap). The sign-in limit is keyed by the address
typed, whether or not it has an account, so being throttled tells nothing about which addresses
are registered; the key is a hash, so the store holds no addresses (GDPR Art. 5(1)(c)).

With several workers the limits hold only with a shared store (``RATELIMIT_STORAGE_URI``, e.g.
Redis); each worker otherwise counts alone.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, request
from flask_login import current_user

from portal.accounts.services import normalize_email
from portal.extensions import limiter


def _guess_limit() -> str:
    return current_app.config["ACCOUNT_GUESS_LIMIT"]


def _failed(response) -> bool:
    # A successful sign-in or change redirects; a wrong password shows the form again.
    return response.status_code == 200


def _hashed(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}"


def _typed_account() -> str:
    return _hashed("sign-in", normalize_email(request.form.get("email", "")[:320]))


def _signed_in_account() -> str:
    return _hashed("password", str(getattr(current_user, "id", "anonymous")))


sign_in_guesses = limiter.limit(
    _guess_limit, key_func=_typed_account, methods=["POST"], deduct_when=_failed
)
password_guesses = limiter.limit(
    _guess_limit, key_func=_signed_in_account, methods=["POST"], deduct_when=_failed
)


class ResponseFloor:
    """Answer no sooner than ``ACCOUNT_RESPONSE_FLOOR_MS`` after the request began.

    Asking for a reset link for an address with an account does more work (a token, an email, an
    event) than for one without; unpadded, the time alone told which addresses are registered.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()

    def wait(self) -> None:
        floor = current_app.config["ACCOUNT_RESPONSE_FLOOR_MS"] / 1000
        remaining = floor - (time.monotonic() - self.started)
        if remaining > 0:
            time.sleep(remaining)
