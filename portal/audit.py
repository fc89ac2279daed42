"""Appending to the audit trail (GDPR Art. 5(2)). Services call ``record``; nobody edits events.

``verify`` checks the hash chains the events are written into (portal.models.audit): a changed,
removed or inserted event, or a removed newest one, shows as the first break of its chain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select, true

from portal.extensions import db
from portal.models import AuditEvent, SubjectRequest, User
from portal.models import audit as chain
from portal.models.audit import AuditChainHead


def _plain(value):
    """Details as JSON-friendly values (dates as ISO strings, enums as their values)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    request: SubjectRequest | None = None,
    public: bool = False,
    body: str | None = None,
    **details,
) -> AuditEvent:
    """Append an event. ``public`` events appear on the requester's timeline of ``request``."""
    if request is not None and subject is None:
        subject = request.requester
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        subject_user_id=subject.id if subject else None,
        request_id=request.id if request else None,
        public=public,
        body=body,
        details=_plain(details),
    )
    db.session.add(event)
    return event


# Verifying the chains --------------------------------------------------------------------------


@dataclass
class Break:
    """Where a chain stops verifying, and what is wrong there."""

    chain: str
    event_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "no event"
        position = f", position {self.seq}" if self.seq is not None else ""
        return f"{where} (chain {self.chain}{position}): {self.problem}"


@dataclass
class Verification:
    chains: int = 0
    events: int = 0
    # Events whose body or personal details retention anonymisation removed (Art. 5(1)(e)): the
    # digests stay, so they still verify, but what they covered can no longer be shown.
    anonymised: int = 0
    breaks: list[Break] = field(default_factory=list)
    # The newest hash of each chain checked, to keep elsewhere (a later rewrite of the whole chain
    # by someone with write access to the database shows against a copy kept outside it).
    heads: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "anonymised_events": self.anonymised,
            "breaks": [asdict(b) for b in self.breaks],
            "heads": self.heads,
        }


EMPTY_BODY = chain.sha256("")


def _check_event(row, *, prev_hash: str, expected_seq: int, anonymised: bool) -> str | None:
    """What is wrong with one event, or None; ``prev_hash`` is the previous link's stored hash."""
    if row.seq is None or row.chain_hash is None:
        return "it is not chained (written around the audit trail)"
    if row.seq > expected_seq:
        missing = (
            f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}–{row.seq - 1}"
        )
        return f"the event(s) at position {missing} before it are missing"
    if row.seq < expected_seq:
        return "its position repeats an earlier one"
    if row.prev_hash != prev_hash:
        return "it does not link to the event before it (that event was changed or replaced)"
    if chain.link_of(row, prev_hash=row.prev_hash, chain=row.chain, seq=row.seq) != row.chain_hash:
        return "its action, time, people, request or kept details were changed after recording"
    if row.body is not None and chain.sha256(row.body) != row.body_digest:
        return "its body was changed after recording"
    if row.body is None and row.body_digest != EMPTY_BODY and not anonymised:
        return "its body was removed, and the request was not anonymised"
    stored = chain.as_stored(row.details)
    if chain.sha256(chain.canonical(stored)) != row.details_digest and not (
        anonymised and stored == chain.kept_details(stored)
    ):
        return "its details were changed after recording"
    return None


def _one_snapshot() -> None:
    """Read the heads and the events as of one moment. Otherwise a chain that grows while it is
    read looks broken: its head read before the newest event, or after it. On PostgreSQL this
    takes effect when the session has not started its transaction yet (call verify first)."""
    if db.session.get_bind().dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify(chains: list[str] | None = None) -> Verification:
    """Check every chain (or the given ones) link by link and against its head.

    A chain counts as anonymised when it holds a ``request.anonymised`` event (itself chained):
    only then may bodies be blank and details cut to their kept part."""
    _one_snapshot()
    events = AuditEvent.__table__
    heads_table = AuditChainHead.__table__
    result = Verification()
    scope = events.c.chain.in_(chains) if chains is not None else true()
    head_scope = heads_table.c.chain.in_(chains) if chains is not None else true()
    heads = {row.chain: row for row in db.session.execute(select(heads_table).where(head_scope))}
    anonymised_chains = set(
        db.session.scalars(
            select(events.c.chain).where(scope, events.c.action == "request.anonymised").distinct()
        )
    )
    if chains is None:
        for event_id in db.session.scalars(
            select(events.c.id).where(events.c.chain.is_(None)).order_by(events.c.id)
        ):
            result.events += 1
            result.breaks.append(
                Break("(none)", event_id, None, "it is not chained (written around the trail)")
            )
    seen: set[str] = set()
    current, prev_hash, last_seq, last_id = None, chain.GENESIS, 0, None

    def close(name: str) -> None:
        head = heads.get(name)
        if head is None:
            result.breaks.append(Break(name, last_id, last_seq, "the chain has no head"))
        elif head.seq != last_seq or head.last_hash != prev_hash:
            problem = (
                f"the newest event(s) are missing: the head names event {head.last_event_id} "
                f"at position {head.seq}"
                if head.seq > last_seq
                else "the chain's head does not match its newest event"
            )
            result.breaks.append(Break(name, head.last_event_id, head.seq, problem))
        result.heads[name] = prev_hash

    rows = db.session.execute(
        select(events)
        .where(scope, events.c.chain.is_not(None))
        .order_by(events.c.chain, events.c.seq, events.c.id)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        if row.chain != current:
            if current is not None:
                close(current)
            current, prev_hash, last_seq, last_id = row.chain, chain.GENESIS, 0, None
            seen.add(current)
        result.events += 1
        anonymised = row.chain in anonymised_chains
        problem = _check_event(
            row, prev_hash=prev_hash, expected_seq=last_seq + 1, anonymised=anonymised
        )
        if problem:
            result.breaks.append(Break(row.chain, row.id, row.seq, problem))
        elif anonymised and (
            (row.body is None and row.body_digest != EMPTY_BODY)
            or chain.sha256(chain.canonical(chain.as_stored(row.details))) != row.details_digest
        ):
            result.anonymised += 1
        # Go on from what is stored, so one change is reported once, not at every later event.
        prev_hash, last_seq, last_id = row.chain_hash or prev_hash, row.seq or last_seq, row.id
    if current is not None:
        close(current)
    for name, head in sorted(heads.items()):
        if name not in seen:
            result.breaks.append(
                Break(name, head.last_event_id, head.seq, "every event of the chain is missing")
            )
            result.heads[name] = head.last_hash
    result.chains = len(seen | set(heads))
    return result
