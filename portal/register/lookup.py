"""Looking a person up in every system at once, and recording that it was done.

The record says who looked (``via``: the command line, a staff member), by which kinds of
identifier, and what each system answered as counts -- never the address, the identifiers or
anything found (GDPR Art. 5(1)(c); Art. 5(2) asks that the look-up itself can be shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from portal import audit
from portal.models import User
from portal.notice.model import System
from portal.register.connections import connection_for
from portal.register.findings import Finding, Identity


def look_up(
    systems: tuple[System, ...],
    config: Mapping,
    identity: Identity,
    *,
    via: str,
    actor: User | None = None,
) -> list[Finding]:
    """Every system's finding, in the notice's order; the caller commits the audit event."""
    findings = [connection_for(system, config).find(identity) for system in systems]
    audit.record(
        "register_lookup",
        actor=actor,
        via=via,
        looked_up_by=list(identity.given()),
        systems={
            finding.system_key: {
                "state": finding.state,
                "people": len(finding.people),
                "rows": finding.row_counts,
            }
            for finding in findings
        },
    )
    return findings


def withheld(system: System, finding: Finding, language: str = "en") -> dict[str, str]:
    """Columns held about the person but not disclosed, with the reason (GDPR Art. 15)."""
    if system.schema is None:
        return {}
    return {
        f"{table.name}.{column.name}": column.withheld_reason.in_language(language)
        for table in system.schema.tables
        if finding.tables.get(table.name)
        for column in table.columns
        if not column.disclose and column.withheld_reason is not None
    }


def as_json(system: System, finding: Finding) -> dict[str, Any]:
    """A finding as plain JSON values: what ``flask systems find`` prints."""
    result: dict[str, Any] = {"state": finding.state}
    if finding.problem:
        result["problem"] = finding.problem
    if system.connection == "task":
        result["owner"] = system.owner_email
    if finding.people:
        result["people"] = [
            {
                "table": person.root_table,
                "key": plain(person.root_key),
                "contact_address": person.contact_address,
                "matched_by": list(person.matched_by),
            }
            for person in finding.people
        ]
    if finding.tables:
        result["tables"] = {
            table: [{column: plain(value) for column, value in row.items()} for row in rows]
            for table, rows in finding.tables.items()
        }
    if held := withheld(system, finding):
        result["held_not_disclosed"] = held
    return result


def plain(value: Any) -> Any:
    """A database value as JSON: dates in ISO form, exact decimals as text, bytes as hex."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value
