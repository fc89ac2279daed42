"""The erasure plan of one database system: what an erasure will do to each row found.

Computed from a ``Finding`` (its keys, roots and the dates kept rows count from) and the schema
file, without reading the rows again and without a database: per table, the rows deleted, the
rows that stay with some columns blanked or masked, and the rows kept because a law requires it
(GDPR Art. 17(3)(b)), each under a category of the notice and until a day.

A kept row's day is the end of the year of its ``kept_from`` date plus the category's years: the
Accounting Act counts six years "from the end of the year in which the financial year ended"
(Kirjanpitolaki 1336/1997, 2 luku 10 §). A row whose day has passed is deleted now: there is no
longer a ground to keep it (Art. 17(1)(a), 5(1)(e)).

The plan's ``fingerprint`` covers every row and what happens to it, so a plan approved on a page
can be compared with the plan the data give at the moment of carrying it out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from portal.notice.model import Schema, SchemaTable
from portal.register.findings import Finding

# What the ticket can do with a system: carry out a plan (found), nothing (not_found), or not
# yet (unreachable, misconfigured: make a new plan later); a task system is asked through its
# owner.
PLANNABLE = ("found", "not_found")


@dataclass(frozen=True)
class Hold:
    """A row kept after the erasure, and until when (the retention hold)."""

    key: Any
    category: str
    until: date


@dataclass(frozen=True)
class TablePlan:
    table: str
    found: int
    delete: tuple = ()
    # Rows that stay with ``blank`` and ``mask`` columns changed; ``kept_columns`` stay as they
    # are (a customer number that ties kept orders to the kept invoices).
    update: tuple = ()
    blank: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    kept_columns: tuple[str, ...] = ()
    keep: tuple[Hold, ...] = ()
    # Rows deleted now because their retention has already ended.
    expired: int = 0

    def as_record(self) -> dict:
        return {
            "table": self.table,
            "found": self.found,
            "delete": [plain_key(k) for k in self.delete],
            "update": [plain_key(k) for k in self.update],
            "blank": list(self.blank),
            "mask": list(self.mask),
            "kept_columns": list(self.kept_columns),
            "keep": [
                {"key": plain_key(h.key), "category": h.category, "until": h.until.isoformat()}
                for h in self.keep
            ],
            "expired": self.expired,
        }

    @classmethod
    def from_record(cls, data: Mapping) -> TablePlan:
        return cls(
            table=data["table"],
            found=data["found"],
            delete=tuple(data["delete"]),
            update=tuple(data["update"]),
            blank=tuple(data["blank"]),
            mask=tuple(data["mask"]),
            kept_columns=tuple(data["kept_columns"]),
            keep=tuple(
                Hold(h["key"], h["category"], date.fromisoformat(h["until"])) for h in data["keep"]
            ),
            expired=data.get("expired", 0),
        )


@dataclass(frozen=True)
class SystemPlan:
    system_key: str
    state: str
    problem: str | None = None
    tables: tuple[TablePlan, ...] = field(default_factory=tuple)
    # The person's records the rows hang from, and what found each: (table, key, identities).
    # Two records (an address shared by a person and their company) are for staff to look at.
    people: tuple[tuple[str, Any, tuple[str, ...]], ...] = ()

    @property
    def fingerprint(self) -> str:
        """What the plan does, row by row: equal fingerprints mean the same work."""
        content = [t.as_record() for t in self.tables]
        return hashlib.sha256(
            json.dumps([self.state, content], sort_keys=True).encode()
        ).hexdigest()[:16]

    @property
    def holds(self) -> list[tuple[str, Hold]]:
        return [(t.table, hold) for t in self.tables for hold in t.keep]

    @property
    def has_rows(self) -> bool:
        return any(t.found for t in self.tables)

    def table(self, name: str) -> TablePlan | None:
        return next((t for t in self.tables if t.table == name), None)

    def as_record(self) -> dict:
        return {
            "system": self.system_key,
            "state": self.state,
            "problem": self.problem,
            "fingerprint": self.fingerprint,
            "tables": [t.as_record() for t in self.tables],
            "people": [[table, plain_key(key), list(by)] for table, key, by in self.people],
        }

    @classmethod
    def from_record(cls, data: Mapping) -> SystemPlan:
        return cls(
            system_key=data["system"],
            state=data["state"],
            problem=data.get("problem"),
            tables=tuple(TablePlan.from_record(t) for t in data.get("tables", ())),
            people=tuple((t, k, tuple(by)) for t, k, by in data.get("people", ())),
        )


def plain_key(key: Any) -> Any:
    """A primary key as JSON holds it; a key of another type is kept as text."""
    return key if isinstance(key, int | str) else str(key)


def retained_until(kept_from: date | datetime | None, years: int, today: date) -> date:
    """The last day a row is kept: the end of the year of ``kept_from`` plus ``years``. Without
    a date to count from (an empty column), the count starts from the erasure itself: the
    portal cannot show that the period has ended, so it keeps the row the whole period."""
    if isinstance(kept_from, datetime):
        kept_from = kept_from.date()
    start = kept_from if isinstance(kept_from, date) else today
    return date(start.year + years, 12, 31)


def plan_system(
    system_key: str,
    schema: Schema | None,
    finding: Finding,
    years: Mapping[str, int],
    today: date,
) -> SystemPlan:
    """The plan for one system from its finding. ``years`` maps each category kept after an
    erasure to its retention in years (the notice's ``retention.years``)."""
    if finding.state not in PLANNABLE or schema is None:
        return SystemPlan(system_key, finding.state, finding.problem)
    if finding.state == "not_found":
        return SystemPlan(system_key, "not_found")
    # Per root (the person's record), the latest hold of any row under it.
    root_holds: dict[tuple[str, Any], Hold] = {}
    drafts: dict[str, dict] = {}
    for described in schema.tables:
        keys = finding.keys.get(described.name, [])
        roots = finding.roots.get(described.name, [None] * len(keys))
        dates = finding.kept_from.get(described.name, [None] * len(keys))
        draft = _table_draft(described, keys, dates, years, today)
        drafts[described.name] = draft
        if described.is_root:
            continue
        root_of_key = dict(zip(keys, roots, strict=True))
        root_name = schema.root_of(described.name).name
        for hold in draft["keep"]:
            slot = (root_name, root_of_key[hold.key])
            if slot not in root_holds or root_holds[slot].until < hold.until:
                root_holds[slot] = hold
    tables = []
    for described in schema.tables:
        draft = drafts[described.name]
        if described.is_root:
            _root_rules(described, draft, root_holds, years, today)
        keys = finding.keys.get(described.name, [])
        if not keys:
            continue
        tables.append(
            TablePlan(
                table=described.name,
                found=len(keys),
                delete=tuple(draft["delete"]),
                update=tuple(draft["update"]),
                blank=draft["blank"],
                mask=draft["mask"],
                kept_columns=draft["kept_columns"],
                keep=tuple(draft["keep"]),
                expired=draft["expired"],
            )
        )
    people = tuple(
        (person.root_table, person.root_key, tuple(person.matched_by)) for person in finding.people
    )
    return SystemPlan(system_key, "found", tables=tuple(tables), people=people)


def _table_draft(
    described: SchemaTable, keys: list, dates: list, years: Mapping[str, int], today: date
) -> dict:
    draft: dict = {
        "delete": [],
        "update": [],
        "keep": [],
        "expired": 0,
        "blank": tuple(c.name for c in described.columns if c.erase == "blank"),
        "mask": tuple(c.name for c in described.columns if c.erase == "mask"),
        "kept_columns": tuple(c.name for c in described.columns if c.erase == "keep"),
    }
    if described.erase == "delete":
        draft["delete"] = list(keys)
    elif described.erase == "update":
        draft["update"] = list(keys)
    else:
        category = described.keep_under
        for key, kept_from in zip(keys, dates, strict=True):
            until = retained_until(kept_from, years[category], today)
            if until < today:
                # GDPR Art. 17(1)(a): the law's period is over, nothing keeps the row.
                draft["delete"].append(key)
                draft["expired"] += 1
            else:
                draft["keep"].append(Hold(key, category, until))
    return draft


def _root_rules(
    described: SchemaTable,
    draft: dict,
    root_holds: dict[tuple[str, Any], Hold],
    years: Mapping[str, int],
    today: date,
) -> None:
    """The person's own record outlives every row under it that is kept: a kept order or
    invoice still points to its customer, and the voucher must show whom it was made out to
    (GDPR Art. 17(3)(b)). A record that stays with columns kept under a category (the customer
    number tying the kept orders to the kept invoices) is held as long as those rows are."""
    under = {key: hold for (name, key), hold in root_holds.items() if name == described.name}
    kept = {hold.key: hold for hold in draft["keep"]}
    for key in list(draft["delete"]):
        if key in under:
            draft["delete"].remove(key)
            if described.erase == "keep":
                draft["expired"] -= 1
            kept[key] = Hold(key, under[key].category, under[key].until)
    for key, hold in list(kept.items()):
        if key in under and under[key].until > hold.until:
            kept[key] = Hold(key, hold.category, under[key].until)
    kept_column_category = next(
        (c.keep_under for c in described.columns if c.erase == "keep" and c.keep_under), None
    )
    if described.erase == "update" and kept_column_category is not None:
        for key in draft["update"]:
            # With no kept row under it, the whole period from today: the portal cannot tell
            # from here what else (the billing program's invoices) the number ties together.
            until = under[key].until if key in under else None
            kept[key] = Hold(
                key,
                kept_column_category,
                until or retained_until(None, years[kept_column_category], today),
            )
    draft["keep"] = sorted(kept.values(), key=lambda hold: _sort_key(hold.key))


def _sort_key(value: Any) -> tuple:
    return (type(value).__name__, value)
