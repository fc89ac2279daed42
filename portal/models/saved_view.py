"""A staff member's saved views of the queue: a name, the list it shows and the query string of
its filters and sort, shown as a tab of their own. Each belongs to one staff member only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

# A tab's name: short enough to sit in a row of tabs.
NAME_MAX = 60


class SavedView(Base):
    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("staff_id", "name", name="uq_saved_view_staff_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Which list (queue, unconfirmed, closed) and its filters and sort as the query string
    # holds them: only names the queue reads, each value checked when the view is saved.
    view_name: Mapped[str] = mapped_column(String(16))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
