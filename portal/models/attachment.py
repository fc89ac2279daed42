"""Files on a request: evidence from the requester, a data copy or other files from staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.request import SubjectRequest


class Attachment(Base):
    """A stored file. The bytes live outside the web root under a random key; the name the
    person gave is kept only for display and the download's file name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    # The message, note, submission or answer the file came with.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Public files are the requester's own and what staff send them; internal ones only staff see.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    filename: Mapped[str] = mapped_column(String(255))
    # Decided by the portal from the file's contents, never taken from the browser.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the bytes are deleted (e.g. at the end of the retention period); the row stays.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[SubjectRequest] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r} {self.size} B>"
