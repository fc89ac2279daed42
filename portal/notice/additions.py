"""The controller's additions: where their paths point, what the fields there hold, and a
fingerprint of the whole so that a confirmation names exactly what was confirmed.

Pure: no Flask, no database. See ``ControllerAddition`` for what an addition is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from typing import Any

from portal.notice.model import (
    ADDITION_FLAGS,
    ADDITION_TABLES,
    ControllerAddition,
    DataCategory,
    Notice,
    Purpose,
    Recipient,
)

ITEM_CLASSES: dict[str, type] = {
    "purposes": Purpose,
    "data_categories": DataCategory,
    "recipients": Recipient,
}


def path_problem(path: str, keys: dict[str, set[str]]) -> str | None:
    """Why ``path`` points at nothing, or None. ``keys`` holds each table's item keys."""
    parts = path.split(".")
    if len(parts) == 1:
        if parts[0] in ADDITION_FLAGS:
            return None
        return f"names {path!r}; expected {', '.join(ADDITION_FLAGS)} or a path into " + ", ".join(
            ADDITION_TABLES
        )
    table, key, *fields = parts
    if table not in ADDITION_TABLES:
        return f"starts with {table!r}; expected one of {', '.join(ADDITION_TABLES)}"
    if key != "*" and key not in keys[table]:
        return f"names the {table} key {key!r}, which the notice does not have"
    owner: Any = ITEM_CLASSES[table]
    for field in fields:
        known = (
            {f.name for f in dataclasses.fields(owner)} if dataclasses.is_dataclass(owner) else {}
        )
        if field not in known or field == "key":
            return f"names the field {field!r}, which a {table} item does not have"
        owner = typing.get_type_hints(owner)[field]
    return None


def expand(notice: Notice, pattern: str) -> list[str]:
    """The concrete paths a pattern covers: ``*`` becomes each item's key."""
    parts = pattern.split(".")
    if len(parts) == 1:
        return [pattern]
    table, key, *fields = parts
    keys = [item.key for item in getattr(notice, table)] if key == "*" else [key]
    return [".".join([table, k, *fields]) for k in keys]


def value_at(notice: Notice, path: str) -> Any:
    """What the notice holds at a concrete path; None where an item leaves the field out."""
    parts = path.split(".")
    if len(parts) == 1:
        return getattr(notice, path)
    table, key, *fields = parts
    value: Any = next(item for item in getattr(notice, table) if item.key == key)
    for field in fields:
        value = getattr(value, field, None) if value is not None else None
    return value


def plain(value: Any) -> Any:
    """A JSON value of a notice field (translations as a table, items as tables)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {language: value[language] for language in sorted(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def covered_values(notice: Notice, addition: ControllerAddition) -> dict[str, Any]:
    """Every concrete path the addition covers, with what it holds now."""
    return {
        path: plain(value_at(notice, path))
        for pattern in addition.covers
        for path in expand(notice, pattern)
    }


def fingerprint(notice: Notice, addition: ControllerAddition) -> str:
    """Changes whenever the statement or any covered value changes: a confirmation recorded with
    one fingerprint no longer stands once the file says something else."""
    content = {
        "key": addition.key,
        "statement": plain(addition.statement),
        "values": covered_values(notice, addition),
    }
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
