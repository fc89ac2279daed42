"""Accounts: requesters, staff and admins."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow, value_enum


class Role(enum.StrEnum):
    REQUESTER = "requester"
    STAFF = "staff"
    ADMIN = "admin"


def new_session_nonce() -> str:
    return secrets.token_hex(8)


class User(UserMixin, Base):
    __tablename__ = "user_account"
    # The staff list (every queue and ticket page) reads staff by name without scanning every
    # requester's account (issue 14).
    __table_args__ = (Index("ix_user_account_role_name", "role", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so one address is one account whatever its spelling. None for a person
    # whose request came by letter without an address, and for an erased account's stub.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None until an invited staff member sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        value_enum(Role, "user_role"),
        default=Role.REQUESTER,
    )
    locale: Mapped[str] = mapped_column(String(8), default="fi")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A change of address waits here until the new address is confirmed.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Which version of the privacy notice the person acknowledged, and when (GDPR Art. 13).
    notice_version: Mapped[str | None] = mapped_column(String(40))
    notice_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Changing it kills the password-reset and invitation links sent before (after a password
    # change or reset). Sessions themselves are rows of ``sign_in_session``.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The newsletter (notice §4): the marketing the portal itself controls (GDPR Art. 21(2)).
    newsletter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Processing restricted (GDPR Art. 18): stored only, no marketing; staff see a banner.
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the account was erased and only a stub remains for records that must be kept.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The second factor (staff and admins): a TOTP secret (RFC 6238), enrolled once a code from
    # it has been entered. The last accepted time step refuses a code seen before (RFC 6238 §5.2).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # The token of the sign-in this request runs under; set by the session loader, never stored.
    sign_in_token = None

    def get_id(self) -> str:
        # Flask-Login's "alternative token": the session and remember cookies carry the sign-in,
        # not only the account, so that ending the sign-in on the server ends the cookies too.
        return f"{self.id}:{self.sign_in_token or ''}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def needs_second_factor(self) -> bool:
        return self.is_staff

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enrolled_at is not None and self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
