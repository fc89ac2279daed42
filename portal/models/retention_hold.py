"""Rows of the controller's systems kept after an erasure because a law requires it (GDPR
Art. 17(3)(b)), and until when: the retention holds.

An erasure deletes what it may and puts every row it must keep here, with the system, table, key,
the notice's category and the last day. The daily job deletes the rows whose day has passed and
records it (Art. 5(1)(e)); the erasure letter says what is kept and until when from these rows.
Keys only, never the values (Art. 5(1)(c)).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow, value_enum
from portal.models.request import SubjectRequest


class HoldEnd(enum.StrEnum):
    """How a hold ended."""

    DELETED = "deleted"  # the daily job deleted the row
    GONE = "gone"  # the row was no longer there when the hold ended


class RetentionHold(Base):
    __tablename__ = "retention_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The erasure request that kept the row; None once that request's record is gone.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="SET NULL"), index=True
    )
    # The system's key in the notice data, the table and the row's primary key (as text).
    system_key: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(128))
    # The notice's data category whose retention keeps the row (e.g. billing_records).
    category: Mapped[str] = mapped_column(String(64))
    # The last day the row is kept; the daily job deletes it after this day.
    kept_until: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_how: Mapped[HoldEnd | None] = mapped_column(value_enum(HoldEnd, "hold_end"))

    request: Mapped[SubjectRequest | None] = relationship()

    def __repr__(self) -> str:
        return (
            f"<RetentionHold {self.id} {self.system_key}.{self.table_name}:{self.row_key} "
            f"until {self.kept_until}>"
        )
