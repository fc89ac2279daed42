"""The controller's figures of a month that has ended, kept so that the dashboard and the
yearly report do not count a year of requests again on every view (issue 14). Written and
checked only by portal.reports.months, which explains why a kept month is exactly right."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime


class FiguresMonth(Base):
    __tablename__ = "figures_month"

    # One row per month of the controller's calendar in a time zone (the months' boundaries and
    # every local date in the figures depend on it).
    timezone: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    # What the month's requests looked like when the figures were counted.
    fingerprint: Mapped[str] = mapped_column(String(200))
    # When that fingerprint was read.
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The month's grouped rows, as JSON.
    data: Mapped[str] = mapped_column(Text)
