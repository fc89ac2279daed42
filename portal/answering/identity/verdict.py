"""Is the person asking the register's customer? A pure reading of what the systems found.

GDPR Art. 12(6) lets the controller ask for what it needs to confirm who is asking, and Art. 15(4)
and 5(1)(f) forbid giving one person's data to another. The register already holds a contact
address for each customer, the channel the controller trusts; a request confirmed from that same
address is the customer's. An identifier the requester gave (customer number, username, business
ID) that leads to a record with *another* contact address is the mark of an impostor: someone who
knows a customer's number asks with their own address (Bufalieri et al. 2020; Pavur 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.register.findings import Finding

# mismatch first: a warning must never be hidden by a match found elsewhere.
MISMATCH = "mismatch"
MATCH = "match"
INCOMPLETE = "incomplete"  # a system that might hold the person could not be searched
NOT_FOUND = "not_found"
NOT_CONNECTED = "not_connected"  # no database system to search: staff check another way

# The identifiers that point at a customer without proving anything about the asker.
CLAIMED_IDENTIFIERS = ("customer_number", "username", "business_id")


def same_address(one: str | None, other: str | None) -> bool:
    return bool(one and other) and one.strip().casefold() == other.strip().casefold()


@dataclass(frozen=True)
class Mismatch:
    """A record reached by a claimed identifier whose contact address is not the asker's."""

    system_key: str
    root_table: str
    root_key: object
    matched_by: tuple[str, ...]
    has_address: bool  # whether the record holds an address a verification link can go to


@dataclass(frozen=True)
class Verdict:
    outcome: str
    mismatches: tuple[Mismatch, ...] = ()
    matched_systems: tuple[str, ...] = ()
    unsearched: tuple[str, ...] = ()  # database systems that could not be searched


def read(email: str, findings: list[Finding]) -> Verdict:
    """The verdict over every system's finding for a request confirmed from ``email``."""
    searchable = [f for f in findings if f.state != "manual"]
    mismatches: list[Mismatch] = []
    matched: list[str] = []
    for finding in searchable:
        for person in finding.people:
            if same_address(person.contact_address, email):
                matched.append(finding.system_key)
            elif set(person.matched_by) & set(CLAIMED_IDENTIFIERS):
                mismatches.append(
                    Mismatch(
                        finding.system_key,
                        person.root_table,
                        person.root_key,
                        tuple(sorted(person.matched_by)),
                        bool(person.contact_address),
                    )
                )
    # A database whose address is not set on this server was never meant to be searched here.
    connected = [f for f in searchable if not _not_configured(f)]
    unsearched = tuple(
        f.system_key for f in connected if f.state in ("unreachable", "misconfigured")
    )
    if mismatches:
        outcome = MISMATCH
    elif matched:
        outcome = MATCH
    elif not connected:
        outcome = NOT_CONNECTED
    elif unsearched:
        outcome = INCOMPLETE
    else:
        outcome = NOT_FOUND
    return Verdict(outcome, tuple(mismatches), tuple(dict.fromkeys(matched)), unsearched)


def _not_configured(finding: Finding) -> bool:
    return finding.state == "misconfigured" and (finding.problem or "").startswith("not configured")
