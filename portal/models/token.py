"""Spent single-use links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class UsedToken(Base):
    """A link's id, recorded when the link is used; the primary key makes a second use fail."""

    __tablename__ = "used_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
