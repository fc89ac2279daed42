"""The second factor of staff and admins: a TOTP authenticator app (RFC 6238) and ten one-time
recovery codes.

A code is accepted from the time steps just before, at and after now (clocks drift), once: the
last accepted step is stored and no code of that step or an earlier one passes again (RFC 6238
§5.2). Wrong codes are audit events, and after ``MAX_FAILURES`` of them within
``FAILURE_WINDOW`` no code is accepted for the account until the window has passed, whichever
address they come from. Recovery codes are stored as argon2id hashes, like passwords.
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from datetime import datetime, timedelta

import pyotp
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.accounts import sessions
from portal.accounts.passwords import hash_password, verify_password
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.mail import queue_email
from portal.models import AuditEvent, RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
FAILED = "account.second_factor_failed"


class Check(enum.Enum):
    PASSED = "passed"
    RECOVERY_CODE = "recovery_code"
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"

    @property
    def ok(self) -> bool:
        return self in (Check.PASSED, Check.RECOVERY_CODE)


# Enrolment --------------------------------------------------------------------------------------


def begin_enrolment(user: User) -> str:
    """A secret to scan; the same one on every visit until a code from it has been entered."""
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        user.totp_secret = pyotp.random_base32()
        user.totp_enrolled_at = None
        user.totp_last_counter = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    issuer = current_app.extensions["notice"].controller.name
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG ``data:`` URI: drawn here, nothing fetched, no script needed."""
    # Imported here: only enrolment draws a code, and every web worker would hold the package,
    # 0.8 MB (issue 14: at most 80 MB per worker).
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def complete_enrolment(user: User, code: str, *, now: datetime | None = None) -> list[str] | None:
    """Enrol when ``code`` comes from the new secret; returns the recovery codes to show once."""
    now = now or utcnow()
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        return None
    result = _check_totp(user, _normalise(code), now)
    if not result.ok:
        audit.record(FAILED, actor=user, subject=user, purpose="enrolment", result=result.value)
        return None
    user.totp_enrolled_at = now
    audit.record("account.second_factor_enrolled", actor=user, subject=user)
    _tell(user, "enrolled")
    return new_recovery_codes(user, now=now)


def new_recovery_codes(user: User, *, now: datetime | None = None) -> list[str]:
    """Ten new one-time codes; the earlier ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=hash_password(code), created_at=now or utcnow())
        )
    audit.record("account.recovery_codes_created", actor=user, subject=user, count=len(codes))
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def reset(user: User, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Forget the second factor (a lost phone): the person enrols again at the next sign-in."""
    now = now or utcnow()
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("account.second_factor_reset", actor=actor, subject=user)
    sessions.end_all(user, "second_factor_reset", actor=actor, now=now)
    _tell(user, "reset")


def _tell(user: User, change: str) -> None:
    """Email the person, so that a second factor set up or reset by someone else is noticed."""
    if not user.email:
        return
    subjects = {
        "enrolled": _l("A second factor was set up for your account"),
        "reset": _l("The second factor of your account was reset"),
    }
    queue_email(
        "second_factor_changed", to=user.email, user=user, subject=subjects[change], change=change
    )


# Checking a code --------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return re.sub(r"[\s]", "", code or "").lower()


def locked(user: User, now: datetime | None = None) -> bool:
    since = (now or utcnow()) - FAILURE_WINDOW
    failures = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == FAILED,
            AuditEvent.subject_user_id == user.id,
            AuditEvent.occurred_at > since,
        )
    )
    return failures >= MAX_FAILURES


def _check_totp(user: User, code: str, now: datetime) -> Check:
    if not re.fullmatch(r"\d{6}", code) or user.totp_secret is None:
        return Check.WRONG
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for counter in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            # One conditional update: a code already used, or one older than the last used,
            # fails here even when two requests race with the same code.
            taken = db.session.execute(
                update(User)
                .where(
                    User.id == user.id,
                    or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
                )
                .values(totp_last_counter=counter)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                return Check.REPLAYED
            set_committed_value(user, "totp_last_counter", counter)
            return Check.PASSED
    return Check.WRONG


def _check_recovery_code(user: User, code: str, now: datetime) -> Check:
    code = code.replace("-", "")
    if not re.fullmatch(rf"[{RECOVERY_ALPHABET}]{{10}}", code):
        return Check.WRONG
    code = f"{code[:5]}-{code[5:]}"
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for candidate in unused:
        if verify_password(candidate.code_hash, code):
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if spent.rowcount != 1:
                return Check.REPLAYED
            audit.record(
                "account.recovery_code_used",
                actor=user,
                subject=user,
                left=recovery_codes_left(user),
            )
            return Check.RECOVERY_CODE
    return Check.WRONG


def check(user: User, code: str, *, purpose: str, now: datetime | None = None) -> Check:
    """Check a code from the app or a recovery code; every failure is an audit event."""
    now = now or utcnow()
    if not user.has_second_factor:
        return Check.WRONG
    if locked(user, now):
        return Check.LOCKED
    code = _normalise(code)
    result = _check_totp(user, code, now)
    if result is Check.WRONG:
        result = _check_recovery_code(user, code, now)
    if not result.ok:
        audit.record(FAILED, actor=user, subject=user, purpose=purpose, result=result.value)
    return result
