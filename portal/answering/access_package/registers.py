"""The register's own records in the copy of the data (GDPR Art. 15(1) and 15(3)): what each
connected database holds about the person, read when the copy is made, with what is held but not
disclosed and why.

Only the person's own records go in. A record is theirs when the register's contact address on
it is the address they confirmed, or when their identity was confirmed for the records the
look-up found (by the owner of the address on file, or by staff who say how). Before that, a
customer number alone never brings another customer's rows into the copy (Art. 15(4), 5(1)(f)).
"""

from __future__ import annotations

from flask import current_app

from portal.answering.identity.record import decision_of, identity_of
from portal.answering.identity.verdict import same_address
from portal.models import SubjectRequest
from portal.register.connections import connection_for
from portal.register.findings import Finding
from portal.register.lookup import plain, withheld

# Decisions that vouch for every record the requester's identifiers led to.
VOUCHED = ("address_on_file", "other")


def _theirs(request: SubjectRequest, finding: Finding, vouched: bool) -> set[str]:
    """The keys of the person records (roots) that belong to the requester."""
    email = request.requester.email or ""
    return {
        str(person.root_key)
        for person in finding.people
        if vouched or same_address(person.contact_address, email)
    }


def register_entries(request: SubjectRequest, language: str) -> list[dict]:
    """data.json's ``systems`` entries for the connected databases, in the notice's order."""
    notice = current_app.extensions["notice"]
    decision = decision_of(request)
    vouched = decision is not None and decision.details.get("how") in VOUCHED
    entries = []
    for system in notice.systems:
        if system.connection != "database":
            continue
        finding = connection_for(system, current_app.config).find(identity_of(request))
        entry: dict = {
            "system": system.key,
            "name": system.name.in_language(language),
            "connection": "database",
            "state": finding.state,
        }
        if finding.state in ("unreachable", "misconfigured"):
            entries.append(entry)
            continue
        keep = _theirs(request, finding, vouched)
        tables = {}
        for table, rows in finding.tables.items():
            roots = finding.roots.get(table, [])
            mine = [
                {column: plain(value) for column, value in row.items()}
                for row, root in zip(rows, roots, strict=True)
                if str(root) in keep
            ]
            if mine:
                tables[table] = mine
        if not tables:
            entry["state"] = "not_found"
        entry["tables"] = tables
        held = withheld(system, _only(finding, tables), language)
        entry["held_not_disclosed"] = [
            {"column": column, "reason": reason} for column, reason in sorted(held.items())
        ]
        entries.append(entry)
    return entries


def _only(finding: Finding, tables: dict) -> Finding:
    """The finding narrowed to the tables that went into the copy (for the withheld lines)."""
    return Finding(finding.system_key, finding.state, tables=tables)


def summary(entries: list[dict]) -> dict:
    """For the audit trail: each database's state and row counts, never the values."""
    return {
        e["system"]: {
            "state": e["state"],
            "rows": {table: len(rows) for table, rows in e.get("tables", {}).items()},
        }
        for e in entries
        if e["connection"] == "database"
    }
