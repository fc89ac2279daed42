"""Sign-ins kept on the server, and the one-time recovery codes of the second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.user import User


class SignInSession(Base):
    """One sign-in on one device. The cookie carries a random token; only its hash is stored.

    A cookie is honoured only while its row is live, so signing out, "sign out everywhere", a
    password change and the staff idle timeout end a session on the server: a copy of the cookie
    opens nothing afterwards.
    """

    __tablename__ = "sign_in_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The end, whatever happens: the browser session's lifetime, or "remember me" (≤ 14 days).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    remember: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When this session last passed the second factor (staff): sensitive actions ask again
    # after SECOND_FACTOR_FRESH_MINUTES.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A short description of the browser, so the person can tell their sessions apart. No IP
    # address is kept: the list does not need one (GDPR Art. 5(1)(c)).
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # signed_out, revoked, signed_out_everywhere, password_changed, idle, second_factor_reset
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()

    def is_live(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


class RecoveryCode(Base):
    """A one-time code for when the authenticator app is lost; stored as an argon2id hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
