"""Lifting a restriction of processing in two steps (GDPR Art. 18(3)): the person is told first,
and the restriction ends only once the notice was delivered, or after a number of days when it
cannot be (no email address: staff send it by post; or delivery failed)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow, value_enum
from portal.models.outbox import OutboxMessage
from portal.models.request import SubjectRequest
from portal.models.user import User


class LiftEnd(enum.StrEnum):
    """How the wait for the notice ended."""

    NOTICE_DELIVERED = "notice_delivered"  # the mail server accepted the email
    NO_ADDRESS = "no_address"  # no email address: the days passed after staff were told to post it
    DELIVERY_FAILED = "delivery_failed"  # the email could not be delivered; the days passed
    CANCELLED = "cancelled"  # restricted again before the wait ended: the restriction stays


class RestrictionLift(Base):
    __tablename__ = "restriction_lift"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The restriction request on whose ticket the lifting was started.
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The email telling the person; None when they have no address.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_how: Mapped[LiftEnd | None] = mapped_column(value_enum(LiftEnd, "lift_end"))
    # None when the daily job ended it.
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    request: Mapped[SubjectRequest] = relationship()
    notice: Mapped[OutboxMessage | None] = relationship()
