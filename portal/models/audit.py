"""The audit trail: append-only events (GDPR Art. 5(2) accountability), chained so that a later
edit or deletion shows.

Each event carries the SHA-256 of its predecessor's hash and of its own non-personal fields, in
one chain per request (``request:<id>``), per person for events about an account without a
request (``user:<id>``), and one for the rest (``portal``). Per-request chains keep appends of
different requests apart: one slow transaction on one ticket never holds up the others.

What a chain link covers, and why: the event's id, time, actor, person, request, action, whether
it is public, the *kept* part of its details in clear (exactly what retention anonymisation leaves
in place, ``KEPT_DETAILS``), and digests of its body and of all its details. Anonymisation at the
end of the retention period (Art. 5(1)(e)) blanks bodies and drops the other details; the digests
stay on the row, so the chain still verifies and the facts that prove the handling stay checked
in clear. A chain's head (last position and hash) is kept in ``audit_chain_head``, so deleting the
newest event shows too.

Appends to one chain are serialised by the head row, locked until the commit (PostgreSQL: the
row lock of its UPDATE; SQLite: the database write lock that the insert already holds), so two
transactions can never both chain to the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    insert,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from portal.models.base import Base, UTCDateTime, utcnow

# The hash before the first event of every chain.
GENESIS = "0" * 64
# Bumped if what a link covers ever changes; old links keep verifying under their version.
CHAIN_VERSION = 1

# Facts in an event's details that say what happened without saying anything about the person:
# states, dates, codes and counts. Retention anonymisation keeps these and drops every other key
# (addresses, email subjects, file names, whatever a later feature adds), so an unknown key errs
# on the side of removal. ``assignee`` names staff members, who act for the controller. The chain
# covers exactly these in clear, so anonymising leaves every link verifiable.
KEPT_DETAILS = frozenset(
    {
        "kind",
        "channel",
        "status",
        "outcome",
        "due_on",
        "received_on",
        "period_months",
        "assignee",
        "template",
        "reminder",
        "by_staff",
        "attachment",
        "files",
        "recipient",
        "notified_on",
        "newsletter",
        "suppression_list_added",
        "erased",
        # What a question was for, whether the clock stopped and how late it was asked.
        "purpose",
        "clock",
        "days_after_receipt",
        "late",
        # A fee or refusal under Art. 12(5): its ground and the earlier requests it rests on are
        # the controller's proof; how to pay is not kept.
        "measure",
        "ground",
        "evidence",
        "fee_cents",
        "paid_on",
        # Lifting a restriction: whether the notice could go by email, and how the wait ended.
        "notice",
        "after_days",
        "how",
        "started_at",
        "notice_sent_at",
    }
)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # A position in a chain is taken once: even if the lock below failed, a fork could not be
    # stored.
    # Events of one action in a time range (the mail sender's email.queued events of the hour
    # a message was queued in), and one request's events of one action (the register's identity
    # decisions, a batch of requests at a time); each also serves its first column alone.
    __table_args__ = (
        Index("ix_audit_event_chain_seq", "chain", "seq", unique=True),
        Index("ix_audit_event_action_occurred_at", "action", "occurred_at"),
        Index("ix_audit_event_request_id_action", "request_id", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Who acted: None for the system (a scheduled command) or an anonymous visitor.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # Whose data the event concerns.
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # The request (ticket) the event belongs to; its timeline is these events.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    # Public events are shown to the requester; internal ones (notes) only to staff.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A message or note, as written.
    body: Mapped[str | None] = mapped_column(Text)
    # What changed: {"field": [before, after]} or other facts of the event.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    # The chain (set in the same flush as the insert; see the module's docstring).
    chain: Mapped[str | None] = mapped_column(String(40))
    seq: Mapped[int | None] = mapped_column(Integer)
    body_digest: Mapped[str | None] = mapped_column(String(64))
    details_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest link of each chain: without it, deleting the last event would leave a shorter
    chain that still verifies."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_event_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


# The link, as pure functions: the migration, the writer and `flask audit verify` share them.


def canonical(value) -> str:
    """One JSON text for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def as_stored(details) -> dict:
    """The details as the JSON column gives them back (keys become strings, tuples lists)."""
    return json.loads(json.dumps(details or {}))


def kept_details(details: dict | None) -> dict:
    """What of an event's details stays after retention anonymisation. Applying it twice gives
    the same: an anonymised event's details are their own kept part."""
    details = details or {}
    kept = {key: value for key, value in details.items() if key in KEPT_DETAILS}
    if isinstance(details.get("attachments"), list):
        # The files' names and checksums go; how many there were stays.
        kept["files"] = len(details["attachments"])
    return kept


def chain_of(request_id: int | None, subject_user_id: int | None) -> str:
    if request_id is not None:
        return f"request:{request_id}"
    if subject_user_id is not None:
        return f"user:{subject_user_id}"
    return "portal"


def moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_hash(
    *,
    prev_hash: str,
    chain: str,
    seq: int,
    event_id: int,
    occurred_at: datetime,
    actor_id: int | None,
    subject_user_id: int | None,
    request_id: int | None,
    action: str,
    public: bool,
    kept: dict,
    body_digest: str,
    details_digest: str,
) -> str:
    return sha256(
        canonical(
            {
                "v": CHAIN_VERSION,
                "prev": prev_hash,
                "chain": chain,
                "seq": seq,
                "id": event_id,
                "at": moment(occurred_at),
                "actor": actor_id,
                "subject": subject_user_id,
                "request": request_id,
                "action": action,
                "public": bool(public),
                "kept": kept,
                "body": body_digest,
                "details": details_digest,
            }
        )
    )


def link_of(row, *, prev_hash: str, chain: str, seq: int) -> str:
    """The hash of ``row`` (an event, or a row with its columns) at ``seq`` after ``prev_hash``,
    from its stored digests and its details' kept part as they are now."""
    return link_hash(
        prev_hash=prev_hash,
        chain=chain,
        seq=seq,
        event_id=row.id,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        subject_user_id=row.subject_user_id,
        request_id=row.request_id,
        action=row.action,
        public=row.public,
        kept=kept_details(as_stored(row.details)),
        body_digest=row.body_digest,
        details_digest=row.details_digest,
    )


# Appending -------------------------------------------------------------------------------------


def _upsert_head(dialect: str, chain: str):
    values = {"chain": chain, "seq": 0, "last_hash": GENESIS}
    # Each dialect imported where it is used: PostgreSQL's brings all its drivers' modules, 2 MB
    # that a worker on SQLite would hold for nothing (issue 14: at most 80 MB per worker).
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(AuditChainHead).values(**values).on_conflict_do_nothing()
    return insert(AuditChainHead).values(**values)  # pragma: no cover - other backends


@event.listens_for(AuditEvent, "before_insert")
def _digests(mapper, connection, target: AuditEvent) -> None:
    if target.occurred_at is None:
        target.occurred_at = utcnow()
    if target.details is None:
        target.details = {}
    if target.public is None:
        target.public = False
    target.body_digest = sha256(target.body or "")
    target.details_digest = sha256(canonical(as_stored(target.details)))


@event.listens_for(AuditEvent, "after_insert")
def _link(mapper, connection, target: AuditEvent) -> None:
    """Chain the new row to its chain's head, inside the inserting transaction.

    Three statements per event (two on PostgreSQL's second step): every round trip to the
    database is paid once per event, and events are written on every request."""
    chain = chain_of(target.request_id, target.subject_user_id)
    heads = AuditChainHead.__table__
    # Taking the next position locks the head row until the commit: the next append to this
    # chain waits here, then continues from what this transaction committed. The hash returned
    # is still the previous event's: only the position is changed by this statement.
    advance = (
        update(heads)
        .where(heads.c.chain == chain)
        .values(seq=heads.c.seq + 1)
        .returning(heads.c.seq, heads.c.last_hash)
    )
    head = connection.execute(advance).one_or_none()
    if head is None:
        # A new chain's head appears once: a second transaction creating it at the same moment
        # waits for the first (PostgreSQL's unique index) and then finds it.
        connection.execute(_upsert_head(connection.dialect.name, chain))
        head = connection.execute(advance).one()
    values = {"chain": chain, "seq": head.seq, "prev_hash": head.last_hash}
    values["chain_hash"] = link_hash(
        prev_hash=head.last_hash,
        chain=chain,
        seq=head.seq,
        event_id=target.id,
        occurred_at=target.occurred_at,
        actor_id=target.actor_id,
        subject_user_id=target.subject_user_id,
        request_id=target.request_id,
        action=target.action,
        public=bool(target.public),
        kept=kept_details(as_stored(target.details)),
        body_digest=target.body_digest,
        details_digest=target.details_digest,
    )
    # Core statements on the tables: the ORM refuses any UPDATE of an event (below).
    events = AuditEvent.__table__
    set_event = update(events).where(events.c.id == target.id).values(**values)
    set_head = (
        update(heads)
        .where(heads.c.chain == chain)
        .values(last_event_id=target.id, last_hash=values["chain_hash"])
    )
    if connection.dialect.name == "postgresql":
        # One statement: the event's update runs as a data-modifying WITH of the head's.
        connection.execute(set_head.add_cte(set_event.cte("chained")))
    else:
        connection.execute(set_event)
        connection.execute(set_head)
    for name, value in values.items():
        set_committed_value(target, name, value)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("audit events are append-only")
