"""Mail read from the privacy mailbox: each message once, with its arrival and the raw evidence.

A request sent by email starts the one-month clock when it arrives (GDPR Art. 12(3); EDPB
Guidelines 01/2022 §159), whether or not anyone types it into the portal: the arrival is the
receiving server's INTERNALDATE, the Date header only when the server gave none.

Exactly once: a message is known by its mailbox, the mailbox's UIDVALIDITY and its UID (unique),
and by its Message-ID where it has one (unique too), so two fetchers, or a fetcher that crashed
after storing and before flagging, never store it twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow, value_enum
from portal.models.request import SubjectRequest


class IncomingState(enum.StrEnum):
    NEW = "new"  # stored, not yet sorted (joined to a request or put in the staff inbox)
    JOINED = "joined"  # joined to an existing request as the requester's message
    MADE_REQUEST = "made_request"  # staff made a request of it
    NOT_REQUEST = "not_request"  # not a request (state_reason says why): staff, or automatic mail
    WAITING = "waiting"  # in the staff inbox: not a reply that could join a request by itself


class ArrivalSource(enum.StrEnum):
    INTERNALDATE = "internaldate"  # the receiving server's own record: the best evidence
    DATE_HEADER = "date_header"  # what the sender's program wrote
    FETCHED = "fetched"  # neither was usable: when the portal read it


class IncomingMessage(Base):
    __tablename__ = "incoming_message"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_incoming_message_mailbox_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # user@host/folder: a UID means something only in its mailbox and UIDVALIDITY (RFC 9051
    # 2.3.1.1).
    mailbox: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    # Without angle brackets; None when missing or longer than a column can index.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    arrival_source: Mapped[ArrivalSource] = mapped_column(
        value_enum(ArrivalSource, "arrival_source")
    )
    # The message as plain text: HTML is converted to text, never rendered.
    body_text: Mapped[str] = mapped_column(Text, default="")
    # [{"name": ..., "size": ..., "type": ...}] of the attachments (their bytes are in the raw).
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # Auto-Submitted, an auto-reply, a bounce or the portal's own mail: never answered.
    automatic: Mapped[str | None] = mapped_column(String(32))
    # The raw message as evidence, under UPLOAD_DIR like attachments; at most INBOX_MAX_BYTES of
    # it: a longer message is stored cut at that size, with raw_truncated set and raw_size the
    # size the server reported, so nothing is lost silently and nothing fills the disk.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    raw_size: Mapped[int] = mapped_column(BigInteger)
    stored_size: Mapped[int] = mapped_column(Integer)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Something in it could not be read as it claimed (bad MIME, unknown charset): shown to staff.
    defects: Mapped[str | None] = mapped_column(Text)
    state: Mapped[IncomingState] = mapped_column(
        value_enum(IncomingState, "incoming_state"), default=IncomingState.NEW, index=True
    )
    state_reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[SubjectRequest | None] = relationship()

    def __repr__(self) -> str:
        return f"<IncomingMessage {self.id} {self.mailbox} {self.uidvalidity}:{self.uid}>"
