"""Letter templates as edited by staff; unedited letters come from the defaults in code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class LetterOverride(Base):
    __tablename__ = "letter_override"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_letter_override_key_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The default letter this replaces, e.g. "resolve.completed.erasure".
    key: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
