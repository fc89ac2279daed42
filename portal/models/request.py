"""Data-subject requests (tickets) and the pauses of their deadline clock."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow, value_enum
from portal.models.user import User


class RequestKind(enum.StrEnum):
    """The rights of notice §9, with their GDPR articles."""

    ACCESS = "access"  # Art. 15, tarkastusoikeus
    RECTIFICATION = "rectification"  # Art. 16, oikaisu
    ERASURE = "erasure"  # Art. 17, poistaminen
    RESTRICTION = "restriction"  # Art. 18, käsittelyn rajoittaminen
    OBJECTION = "objection"  # Art. 21(1), vastustaminen
    MARKETING_OBJECTION = "marketing_objection"  # Art. 21(2)-(3), suoramarkkinointikielto
    CONSENT_WITHDRAWAL = "consent_withdrawal"  # Art. 7(3), suostumuksen peruuttaminen


class RequestStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # submitted; the emailed link has not been used yet
    LAPSED = "lapsed"  # never confirmed; the link expired
    OPEN = "open"  # confirmed and with the contact person
    # The clock is paused: the contact person asked for information (GDPR Art. 12(6)), or for a
    # fee (Art. 12(5)); the open pause says which.
    WAITING = "waiting"
    CLOSED = "closed"  # answered: completed, partially completed or refused
    WITHDRAWN = "withdrawn"  # the requester withdrew it


class Outcome(enum.StrEnum):
    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    REFUSED = "refused"


class PauseReason(enum.StrEnum):
    """Why the clock stands still. Only these pause it: other questions leave it running."""

    IDENTITY = "identity"  # information to confirm who is asking (Art. 12(6))
    CLARIFICATION = "clarification"  # a justified request to clarify an unclear request
    FEE = "fee"  # a fee for a manifestly unfounded or excessive request (Art. 12(5))


class ExcessiveGround(enum.StrEnum):
    """Why a request is manifestly unfounded or excessive (GDPR Art. 12(5))."""

    REPETITIVE = "repetitive"  # excessive "in particular because of [its] repetitive character"
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"


class ExcessiveMeasure(enum.StrEnum):
    """What Art. 12(5) lets the controller do about such a request."""

    FEE = "fee"  # charge a reasonable fee, taking into account the administrative costs
    REFUSAL = "refusal"  # refuse to act on it


class Channel(enum.StrEnum):
    """How the request reached the controller (notice §10: in writing or in person)."""

    PORTAL = "portal"
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"


class Pauses:
    """What a request waits for, read from its ``pauses``: shared by the model and the staff
    lists' rows (portal/web/staff/rows.py)."""

    __slots__ = ()

    @property
    def open_pause(self):
        return next((p for p in self.pauses if p.resumed_at is None), None)

    @property
    def waits_for_fee(self) -> bool:
        pause = self.open_pause
        return pause is not None and pause.reason is PauseReason.FEE


class SubjectRequest(Pauses, Base):
    __tablename__ = "subject_request"
    # The lists' orders as the indexes hold them, so a page reads 25 index entries instead of
    # sorting every request of its statuses (issue 14): the queue by due date, the other lists
    # by receipt, the "mine", "unassigned" and type filters by due date; the figures by receipt
    # and closure.
    __table_args__ = (
        Index("ix_subject_request_status_due_on", "status", "due_on", "id"),
        Index("ix_subject_request_status_received_at", "status", "received_at", "id"),
        Index("ix_subject_request_status_assignee_id", "status", "assignee_id", "due_on", "id"),
        Index("ix_subject_request_status_kind", "status", "kind", "due_on", "id"),
        # With the time of the last change: the yearly figures' fingerprint of a month is read
        # from these alone (portal.reports.months); the requests received in a month are also
        # counted by type, channel and extension from the first alone (migration 0017).
        Index(
            "ix_subject_request_received_figures",
            "received_at",
            "updated_at",
            "kind",
            "channel",
            "period_months",
        ),
        Index("ix_subject_request_closed_at_updated_at", "closed_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Human-readable, e.g. WP-2026-0042; set in the transaction that creates the request.
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(value_enum(RequestKind, "request_kind"))
    status: Mapped[RequestStatus] = mapped_column(
        value_enum(RequestStatus, "request_status"), default=RequestStatus.UNCONFIRMED, index=True
    )
    # What the person wrote: the request itself, and for an objection their particular
    # situation (notice §9, GDPR Art. 21(1)).
    description: Mapped[str] = mapped_column(Text, default="")
    particular_situation: Mapped[str | None] = mapped_column(Text)
    # Optional identifiers that help find the person's records.
    customer_number: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(128))
    business_id: Mapped[str | None] = mapped_column(String(32))
    # A random key from the form: the same form sent twice makes one request, not two.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    # The clock starts when the request reaches the controller: at submission (LEGAL.md;
    # EDPB Guidelines 01/2022 §159). Confirmation is recorded but does not restart it.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Months from receipt: 1, or up to 3 after an extension (GDPR Art. 12(3)).
    period_months: Mapped[int] = mapped_column(Integer, default=1)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # The due date as last computed (receipt + period + paused days, rolled to a working day).
    due_on: Mapped[date] = mapped_column(Date, index=True)

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    outcome: Mapped[Outcome | None] = mapped_column(value_enum(Outcome, "request_outcome"))
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Manual intake: the channel, how identity was checked, and who registered it.
    channel: Mapped[Channel] = mapped_column(
        value_enum(Channel, "request_channel"), default=Channel.PORTAL, server_default="portal"
    )
    identity_check: Mapped[str | None] = mapped_column(Text)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Set when the retention period after closure ended and the record was anonymised
    # (GDPR Art. 5(1)(e)).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    pauses: Mapped[list[RequestPause]] = relationship(
        back_populates="request", order_by="RequestPause.asked_at"
    )

    def __repr__(self) -> str:
        return f"<SubjectRequest {self.reference} {self.kind.value} {self.status.value}>"


class RequestStatusCount(Base):
    """How many requests are in each status (the status's value): written only by database
    triggers on subject_request (migration 0016), in the same transaction as each insert, change
    of status and delete, so the lists count exactly without counting their requests (issue 14:
    the closed list's count read 80,000 index entries on every page)."""

    __tablename__ = "request_status_count"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RequestPause(Base):
    """The clock stands still while the controller waits for information it asked for
    (GDPR Art. 12(6); EDPB Guidelines 01/2022 §159)."""

    __tablename__ = "request_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None for the pauses recorded before the reason was (migration 0006).
    reason: Mapped[PauseReason | None] = mapped_column(value_enum(PauseReason, "pause_reason"))

    request: Mapped[SubjectRequest] = relationship(back_populates="pauses")


# The requests a decision under Art. 12(5) rests on: the person's earlier requests.
excessive_evidence = Table(
    "excessive_evidence",
    Base.metadata,
    Column("decision_id", ForeignKey("excessive_decision.id"), primary_key=True),
    Column("request_id", ForeignKey("subject_request.id"), primary_key=True),
)


class ExcessiveDecision(Base):
    """A request found manifestly unfounded or excessive (GDPR Art. 12(5)): a fee asked for, or
    a refusal, with the ground and the earlier requests that show it. The controller bears the
    burden of demonstrating that character, so the ground and the evidence are kept as data."""

    __tablename__ = "excessive_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    measure: Mapped[ExcessiveMeasure] = mapped_column(
        value_enum(ExcessiveMeasure, "excessive_measure")
    )
    ground: Mapped[ExcessiveGround] = mapped_column(value_enum(ExcessiveGround, "excessive_ground"))
    # As sent to the requester.
    reasons: Mapped[str] = mapped_column(Text)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    payment_instructions: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The day the fee arrived, as staff recorded it; the clock runs again from then.
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    request: Mapped[SubjectRequest] = relationship(foreign_keys=[request_id])
    evidence: Mapped[list[SubjectRequest]] = relationship(
        secondary=excessive_evidence, order_by="SubjectRequest.received_at"
    )


class RecipientNotice(Base):
    """GDPR Art. 19: for each recipient, when it was told of a rectification, erasure or
    restriction, or why telling it was impossible or disproportionate."""

    __tablename__ = "recipient_notice"
    __table_args__ = (
        UniqueConstraint("request_id", "recipient_key", name="uq_recipient_notice_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    # A recipient's key in the notice data.
    recipient_key: Mapped[str] = mapped_column(String(64))
    notified_on: Mapped[date | None] = mapped_column(Date)
    not_notified_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccessPackage(Base):
    """The answer to an access request (GDPR Art. 15): a ZIP staff generate, preview and
    release; the requester downloads it while it is available."""

    __tablename__ = "access_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[SubjectRequest] = relationship()
