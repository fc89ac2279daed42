"""Who is looked for, and what a system holds about them.

Values found live in memory only, for the page or the package that shows them. What is recorded
(the audit trail, the ticket) is ``Finding.summary()``: the state, counts and keys -- never the
personal values themselves (GDPR Art. 5(1)(c), data minimisation).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

# found: rows about the person; not_found: the system answered and holds nothing; unreachable:
# down or too slow; misconfigured: not configured, or the description does not fit the database;
# manual: a person has to look (a task system).
STATES = ("found", "not_found", "unreachable", "misconfigured", "manual")
# Longer than any identifier a register holds (an address is at most 254 characters, RFC 5321):
# such a value matches nothing, so it is never sent to the database at all.
MAX_IDENTITY_LENGTH = 320


def usable(value: str | None) -> str | None:
    """The value as given, trimmed, or None when it cannot be anyone's identifier: empty, too
    long, or holding control characters (a NUL, a line break), which no register's identifiers
    hold and some databases refuse outright."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_IDENTITY_LENGTH:
        return None
    if any(unicodedata.category(character).startswith("C") for character in value):
        return None
    return value


@dataclass(frozen=True)
class Identity:
    """The confirmed email address and the identifiers the requester gave."""

    email: str
    customer_number: str | None = None
    username: str | None = None
    business_id: str | None = None

    def value(self, kind: str) -> str | None:
        return usable(getattr(self, kind))

    def given(self) -> tuple[str, ...]:
        """The kinds this identity can be looked up by."""
        return tuple(
            kind
            for kind in ("email", "customer_number", "username", "business_id")
            if self.value(kind)
        )


@dataclass(frozen=True)
class FoundPerson:
    """One record of a person in a system: a row of a table without parent (a root), reached
    directly or from a child row (a username leads to its customer)."""

    root_key: Any
    # The register's own contact address on that record: a match with the confirmed address is
    # what the identity check looks at.
    contact_address: str | None
    # Which identities led to this record (email, customer_number, username, business_id).
    matched_by: tuple[str, ...]
    root_table: str


@dataclass
class Finding:
    """What one system holds about an identity.

    ``tables`` maps each table to its rows: the listed, disclosed columns only. ``keys`` holds each
    row's primary key in the same order, ``roots`` the key of the person's record it belongs to,
    ``kept_from`` the date a kept row's retention counts from: an erasure plan is computed from
    these without reading the rows again.
    """

    system_key: str
    state: str
    people: list[FoundPerson] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    problem: str | None = None
    keys: dict[str, list] = field(default_factory=dict)
    roots: dict[str, list] = field(default_factory=dict)
    kept_from: dict[str, list] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"unknown state {self.state!r}")

    @property
    def row_counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.tables.items()}

    def summary(self) -> dict:
        """For the audit trail: what was found as counts and keys, never values."""
        return {
            "state": self.state,
            "problem": self.problem,
            "people": len(self.people),
            "matched_by": sorted({kind for person in self.people for kind in person.matched_by}),
            "rows": self.row_counts,
            "keys": {table: [_plain_key(k) for k in keys] for table, keys in self.keys.items()},
        }


def _plain_key(key: Any) -> Any:
    return key if isinstance(key, int | str) else str(key)
