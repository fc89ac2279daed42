"""Password hashing (argon2id) and strength rules with messages that say how to fix a password."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from portal.i18n import lazy_gettext as _l

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


def _hasher() -> PasswordHasher:
    # argon2-cffi's PasswordHasher hashes with argon2id.
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same effort as a real check, so timing does not tell which accounts exist.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list:
    """What is wrong with a new password, each as a message saying how to fix it."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(
            _l(
                "Use at least %(minimum)s characters. A few unrelated words make a long password "
                "that is easy to remember.",
                minimum=minimum,
            )
        )
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append(
            _l("This password is among the most commonly used ones. Choose one nobody would guess.")
        )
    elif len(set(password)) <= 2:
        problems.append(_l("Do not repeat the same one or two characters. Mix different words."))
    local_part = email.split("@", 1)[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        problems.append(_l("Do not use your name or email address in your password."))
    return problems
