"""Tasks for the people who run the systems the portal cannot reach itself (a newsletter tool, an
outside processor): the owner is emailed a single-use link and answers on a page that needs no
account. The answer, with its files, also goes on the ticket's timeline as an audit event."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow, value_enum
from portal.models.request import SubjectRequest
from portal.models.user import User


class TaskAsk(enum.StrEnum):
    """What the owner is asked to do; follows the request's kind."""

    EXPORT = "export"  # access (GDPR Art. 15): send the export of the person's data
    CONFIRM = "confirm"  # erasure, rectification, restriction, objection: confirm what was done


class TaskAnswer(enum.StrEnum):
    DONE = "done"  # the export was sent, or the change was made (on ``done_on``)
    NO_DATA = "no_data"  # the system holds no data about this person
    CANNOT = "cannot"  # the owner cannot do it; ``reason`` says why


class SystemTask(Base):
    __tablename__ = "system_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    # A system's key in the notice data (``[[systems]]``).
    system_key: Mapped[str] = mapped_column(String(64))
    # The owner as the notice named them when the task was made: the notice may change later,
    # and the record must still say whom the portal asked (GDPR Art. 5(2)).
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_email: Mapped[str] = mapped_column(String(254))
    # The language of the emails and of the owner's page.
    owner_locale: Mapped[str] = mapped_column(String(8))
    asked: Mapped[TaskAsk] = mapped_column(value_enum(TaskAsk, "task_ask"))
    # What staff wrote to the owner, if anything.
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the email with the link was queued.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The single-use link: only a token carrying this id opens the task, and only until it is
    # answered (``answered_at``): the answer is written by a conditional update, so two
    # submissions of the owner's form cannot both land.
    link_jti: Mapped[str] = mapped_column(String(64), unique=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[TaskAnswer | None] = mapped_column(value_enum(TaskAnswer, "task_answer"))
    done_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    # The timeline event of the answer; the uploaded files are attachments of that event.
    answer_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id"))
    # Reminders to the owner, once each: a week unanswered, and two working days before the
    # request's due date.
    reminded_week_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[SubjectRequest] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SystemTask {self.id} {self.system_key} request={self.request_id}>"
