"""Sign-ins kept on the server: started after the password (and, for staff, the second factor),
seen on each request, and ended by signing out, by "sign out everywhere", by a password change,
by a reset of the second factor, or by the staff idle timeout.

The cookie carries ``<user id>:<token>``; only the token's SHA-256 is stored, so the table alone
opens no session. Every start and end is an audit event.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, delete, or_, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.extensions import db
from portal.models import SignInSession, User, utcnow

# "Remember me" keeps a requester signed in on one device for at most this long; never staff.
REMEMBER_DAYS = 14
# Last-seen times are written at most this often, so that reading a page rarely writes.
SEEN_PRECISION = timedelta(seconds=60)
# Ended sign-ins are deleted this long after they ended (the audit trail keeps their history):
# the rows hold browser descriptions and need not outlive their use (GDPR Art. 5(1)(e)).
KEEP_ENDED = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def describe_device(user_agent: str) -> str:
    """ "Firefox, Windows": enough to tell one's sessions apart, from the User-Agent header."""
    browsers = (
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    )
    browser = next((name for marker, name in browsers if marker in user_agent), "")
    system = next((name for marker, name in systems if marker in user_agent), "")
    if not browser and not system:
        # Not a browser we know (a script, a test client): show its first word.
        return re.split(r"[\s/;(]", user_agent.strip(), maxsplit=1)[0][:40]
    return ", ".join(part for part in (browser, system) if part)


def start(
    user: User, *, remember: bool, user_agent: str, second_factor: bool, now: datetime | None = None
) -> tuple[SignInSession, str]:
    """Open a sign-in; returns it and the token for the cookie (shown nowhere else)."""
    now = now or utcnow()
    remember = remember and not user.is_staff
    lifetime = (
        timedelta(days=REMEMBER_DAYS)
        if remember
        else current_app.config["PERMANENT_SESSION_LIFETIME"]
    )
    forget_old(user, now)
    token = secrets.token_urlsafe(32)
    record = SignInSession(
        user=user,
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        remember=remember,
        second_factor_at=now if second_factor else None,
        user_agent=(user_agent or "")[:300],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "account.login",
        actor=user,
        subject=user,
        session=record.id,
        remember=remember,
        second_factor=second_factor,
        device=describe_device(record.user_agent),
    )
    return record, token


def forget_old(user: User, now: datetime) -> None:
    cutoff = now - KEEP_ENDED
    db.session.execute(
        delete(SignInSession).where(
            SignInSession.user_id == user.id,
            or_(SignInSession.ended_at < cutoff, SignInSession.expires_at < cutoff),
        )
    )


@dataclass
class Found:
    """What a cookie leads to: the account and its sign-in, or why it leads nowhere."""

    user: User | None = None
    sign_in: SignInSession | None = None
    ended: str | None = None  # "idle" when this request found the session timed out
    touched: bool = False


@functools.cache
def _live_statement() -> Select:
    # The account in the same statement, and the statement built once a worker: every
    # signed-in page begins here (issue 14).
    return (
        select(SignInSession)
        .where(SignInSession.token_hash == bindparam("token_hash"))
        .options(joinedload(SignInSession.user))
    )


def load(identity: str, *, now: datetime | None = None) -> Found:
    """The account behind a cookie's ``<user id>:<token>``, if its sign-in is still live."""
    now = now or utcnow()
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return Found()
    record = db.session.scalar(_live_statement(), {"token_hash": _hash(token)})
    if record is None or record.user_id != int(user_id) or not record.is_live(now):
        return Found()
    user = record.user
    if user.anonymised_at is not None:
        return Found()
    if user.needs_second_factor and record.second_factor_at is None:
        # Made staff while signed in as a requester: sign in again, with the second factor.
        end(record, "second_factor_missing", now=now)
        return Found(user=user, ended="second_factor_missing", touched=True)
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    if user.is_staff and now - record.last_seen_at > idle:
        end(record, "idle", now=now)
        return Found(user=user, ended="idle", touched=True)
    touched = now - record.last_seen_at >= SEEN_PRECISION
    if touched:
        record.last_seen_at = now
    user.sign_in_token = token
    return Found(user=user, sign_in=record, touched=touched)


def end(
    record: SignInSession, reason: str, *, actor: User | None = None, now: datetime | None = None
) -> None:
    if record.ended_at is not None:
        return
    record.ended_at = now or utcnow()
    record.ended_reason = reason
    audit.record(
        "account.session_ended",
        actor=actor,
        subject=record.user,
        session=record.id,
        reason=reason,
        device=describe_device(record.user_agent),
    )


def end_all(
    user: User,
    reason: str,
    *,
    actor: User | None = None,
    keep: SignInSession | None = None,
    now: datetime | None = None,
) -> int:
    """End every live sign-in of ``user`` (but ``keep``); one audit event for all of them."""
    now = now or utcnow()
    ended = []
    for record in live(user, now=now):
        if keep is not None and record.id == keep.id:
            continue
        record.ended_at = now
        record.ended_reason = reason
        ended.append(record.id)
    if ended:
        audit.record(
            "account.sessions_ended", actor=actor, subject=user, sessions=ended, reason=reason
        )
    return len(ended)


def live(user: User, *, now: datetime | None = None) -> list[SignInSession]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(SignInSession)
            .where(
                SignInSession.user_id == user.id,
                SignInSession.ended_at.is_(None),
                SignInSession.expires_at > now,
            )
            .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc())
        )
    )


def confirm_second_factor(record: SignInSession, now: datetime | None = None) -> None:
    record.second_factor_at = now or utcnow()


def second_factor_is_fresh(record: SignInSession | None, now: datetime | None = None) -> bool:
    if record is None or record.second_factor_at is None:
        return False
    fresh = timedelta(minutes=current_app.config["SECOND_FACTOR_FRESH_MINUTES"])
    return (now or utcnow()) - record.second_factor_at <= fresh
