"""Reading the ``[[systems]]`` of the notice file and each database system's schema file.

A system is one of the controller's data stores (issue 11): its name, the data categories it
holds, its owner, and how the portal reaches it. A database system names the environment variable
(or setting) that holds its URL -- secrets never live in the file -- and a schema file describing
the tables that hold personal data: how a person's rows are found, which columns are personal data
and under which category, what an erasure does to each (GDPR Art. 17, kept under a retention
category where a law requires, Art. 17(3)(b)), and which columns are held but not disclosed with
the reason. A malformed entry or schema file stops start-up naming the field; whether the tables
really exist is checked against the live database by ``flask systems check``, never at start-up,
so an unreachable system never stops the portal.

The field readers are the notice reader's (``portal.notice.reader``), passed in, so every mistake
is reported the same way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portal.notice.model import (
    COLUMN_ERASURE,
    CONNECTIONS,
    FLAG_KINDS,
    IDENTITY_KINDS,
    LANGUAGES,
    TABLE_ERASURE,
    DataCategory,
    Flag,
    NoticeError,
    ParentLink,
    Schema,
    SchemaColumn,
    SchemaTable,
    System,
)

# Table and column names are matched against the reflected database, and only names that pass
# this are ever put into SQL (as quoted identifiers by SQLAlchemy), so keep them plain.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# An environment variable's name; a value with "://" in it is a URL someone pasted by mistake.
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,127}")
DATABASE_ONLY = ("url_env", "schema")


def read_systems(
    reader: Any,
    data: Any,
    categories: tuple[DataCategory, ...],
    base: Path,
    reader_for: Callable[[Path], Any],
) -> tuple[System, ...]:
    """The systems of the notice. ``reader`` reads the notice's fields; ``reader_for(path)``
    gives a reader for a schema file, so its errors name that file."""
    known = {category.key: category for category in categories}
    systems = []
    seen: set[str] = set()
    # A controller may list no systems yet; the portal then works as before, by hand.
    for index, table in enumerate(reader.tables(data, "systems", required=False)):
        field = f"systems[{index}]"
        key = reader.key(table, field, seen)
        system_categories = reader.keys(table, "categories", field, set(known))
        connection = reader.choice(table, "connection", field, CONNECTIONS)
        url_env = schema = None
        if connection == "database":
            url_env = reader.text(table, "url_env", field)
            if "://" in url_env or not ENV_NAME.fullmatch(url_env):
                raise reader.fail(
                    f"{field}.url_env",
                    "is not the name of an environment variable (capital letters, digits and "
                    "underscores); the URL itself never goes in this file",
                )
            schema_name = reader.text(table, "schema", field)
            schema = load_schema(
                reader_for(base / schema_name), f"{field}.schema", known, set(system_categories)
            )
        else:
            for extra in DATABASE_ONLY:
                if extra in table:
                    raise reader.fail(f"{field}.{extra}", "applies only to connection 'database'")
        systems.append(
            System(
                key=key,
                name=reader.localized(table, "name", field),
                categories=system_categories,
                owner_name=reader.text(table, "owner_name", field),
                owner_email=reader.email(table, "owner_email", field),
                connection=connection,
                url_env=url_env,
                schema=schema,
                owner_language=(
                    reader.choice(table, "owner_language", field, LANGUAGES)
                    if "owner_language" in table
                    else None
                ),
            )
        )
    return tuple(systems)


def load_schema(
    reader: Any, field: str, categories: dict[str, DataCategory], allowed: set[str]
) -> Schema:
    """A schema file: ``reader.path`` is the file. ``allowed`` are the categories its system
    lists; a column may hold only those."""
    path = Path(reader.path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError:
        raise NoticeError(path, field, "names a schema file that cannot be read") from None
    except tomllib.TOMLDecodeError as exc:
        raise NoticeError(path, "(file)", f"is not valid TOML: {exc}") from None
    return parse_schema(reader, data, categories, allowed)


def parse_schema(
    reader: Any, data: dict, categories: dict[str, DataCategory], allowed: set[str]
) -> Schema:
    tables = []
    names: set[str] = set()
    for index, raw in enumerate(reader.tables(data.get("tables"), "tables")):
        table = _read_table(reader, raw, f"tables[{index}]", categories, allowed)
        if table.name in names:
            raise reader.fail(f"tables[{index}].name", f"repeats the table {table.name!r}")
        names.add(table.name)
        tables.append(table)
    schema = Schema(path=str(reader.path), tables=tuple(tables))
    _check_links(reader, schema)
    return schema


def _identifier(reader: Any, data: dict, key: str, field: str) -> str:
    value = reader.text(data, key, field)
    if not IDENTIFIER.fullmatch(value):
        raise reader.fail(
            f"{field}.{key}",
            f"is {value!r}; a table or column name is letters, digits and underscores",
        )
    return value


def _kept_category(reader: Any, data: dict, field: str, categories: dict) -> str:
    """A category the notice keeps after an erasure, with a period the portal can count."""
    key = reader.text(data, "keep_under", field)
    category = categories.get(key)
    if category is None or not category.retention.kept_after_erasure:
        kept = sorted(k for k, c in categories.items() if c.retention.kept_after_erasure)
        raise reader.fail(
            f"{field}.keep_under",
            f"is {key!r}; expected a data category kept after an erasure: {', '.join(kept)}",
        )
    return key


def _read_table(
    reader: Any, raw: dict, field: str, categories: dict[str, DataCategory], allowed: set[str]
) -> SchemaTable:
    parent = None
    if "parent" in raw:
        link = reader.table(raw["parent"], f"{field}.parent")
        parent = ParentLink(
            table=_identifier(reader, link, "table", f"{field}.parent"),
            column=_identifier(reader, link, "column", f"{field}.parent"),
        )
    find_by = []
    if "find_by" in raw:
        kinds = reader.table(raw["find_by"], f"{field}.find_by")
        if not kinds:
            raise reader.fail(f"{field}.find_by", "is empty")
        for kind in kinds:
            if kind not in IDENTITY_KINDS:
                raise reader.fail(
                    f"{field}.find_by.{kind}",
                    f"is not an identity; expected one of {', '.join(IDENTITY_KINDS)}",
                )
            find_by.append((kind, _identifier(reader, kinds, kind, f"{field}.find_by")))
    contact_address = None
    if "contact_address" in raw:
        if parent is not None:
            raise reader.fail(
                f"{field}.contact_address",
                "applies only to a table without parent (the person's own record)",
            )
        contact_address = _identifier(reader, raw, "contact_address", field)
    erase = reader.choice(raw, "erase", field, TABLE_ERASURE)
    keep_under = kept_from = None
    if erase == "keep":
        keep_under = _kept_category(reader, raw, field, categories)
        if "kept_from" in raw:
            kept_from = _identifier(reader, raw, "kept_from", field)
    else:
        for key in ("keep_under", "kept_from"):
            if key in raw:
                raise reader.fail(f"{field}.{key}", "applies only when erase is 'keep'")
    columns_data = reader.table(raw.get("columns", {}), f"{field}.columns")
    columns = tuple(
        _read_column(
            reader, name, columns_data[name], f"{field}.columns", erase, keep_under, categories
        )
        for name in columns_data
    )
    for column in columns:
        if column.category not in allowed:
            raise reader.fail(
                f"{field}.columns.{column.name}.category",
                f"is {column.category!r}, a category the system does not list "
                f"({', '.join(sorted(allowed))})",
            )
    flags = []
    for key, kind in FLAG_KINDS.items():
        if key not in raw:
            continue
        flag = reader.table(raw[key], f"{field}.{key}")
        value = flag.get("value")
        if not isinstance(value, bool):
            raise reader.fail(f"{field}.{key}.value", "is not true or false")
        flags.append(Flag(kind, _identifier(reader, flag, "column", f"{field}.{key}"), value))
    return SchemaTable(
        name=_identifier(reader, raw, "name", field),
        primary_key=_identifier(reader, raw, "primary_key", field),
        parent=parent,
        find_by=tuple(find_by),
        contact_address=contact_address,
        erase=erase,
        keep_under=keep_under,
        kept_from=kept_from,
        columns=columns,
        flags=tuple(flags),
    )


def _read_column(
    reader: Any,
    name: str,
    raw: Any,
    field: str,
    table_erase: str,
    table_keep_under: str | None,
    categories: dict[str, DataCategory],
) -> SchemaColumn:
    if not IDENTIFIER.fullmatch(name):
        raise reader.fail(f"{field}.{name}", "is not a column name (letters, digits, underscores)")
    where = f"{field}.{name}"
    column = reader.table(raw, where)
    category = reader.text(column, "category", where)
    if category not in categories:
        raise reader.fail(
            f"{where}.category", f"is {category!r}; expected one of {', '.join(categories)}"
        )
    disclose = column.get("disclose", True)
    if not isinstance(disclose, bool):
        raise reader.fail(f"{where}.disclose", "is not true or false")
    withheld_reason = None
    if not disclose:
        # GDPR Art. 15: what is held but not disclosed is said, with the reason.
        withheld_reason = reader.localized(column, "withheld_reason", where)
    elif "withheld_reason" in column:
        raise reader.fail(f"{where}.withheld_reason", "applies only when disclose is false")
    keep_under = None
    if table_erase == "delete":
        if "erase" in column or "keep_under" in column:
            raise reader.fail(
                f"{where}.erase", "cannot be set: the table's erase is 'delete', the row goes"
            )
        erase = "delete"
    elif "erase" in column or table_erase == "update":
        erase = reader.choice(column, "erase", where, COLUMN_ERASURE)
        if erase == "keep":
            keep_under = (
                _kept_category(reader, column, where, categories)
                if "keep_under" in column or table_keep_under is None
                else table_keep_under
            )
        elif "keep_under" in column:
            raise reader.fail(f"{where}.keep_under", "applies only when erase is 'keep'")
    else:
        erase, keep_under = "keep", table_keep_under
    return SchemaColumn(
        name=name,
        category=category,
        erase=erase,
        keep_under=keep_under,
        disclose=disclose,
        withheld_reason=withheld_reason,
    )


def _check_links(reader: Any, schema: Schema) -> None:
    """Every parent exists, no table is its own ancestor, and every table can be reached: a
    person's rows are found by ``find_by`` in a table, then its root, then everything under it."""
    names = {table.name for table in schema.tables}
    for index, table in enumerate(schema.tables):
        if table.parent is not None and table.parent.table not in names:
            raise reader.fail(
                f"tables[{index}].parent.table", f"is {table.parent.table!r}, not a table here"
            )
    for index, table in enumerate(schema.tables):
        if table.parent is None:
            continue
        seen = {table.name}
        step = schema.table(table.parent.table)
        while step.parent is not None:
            if step.name in seen:
                raise reader.fail(f"tables[{index}].parent", "makes a loop of parents")
            seen.add(step.name)
            step = schema.table(step.parent.table)
        if step.name in seen:
            raise reader.fail(f"tables[{index}].parent", "makes a loop of parents")

    def findable(name: str) -> bool:
        table = schema.table(name)
        return bool(table.find_by) or any(findable(c.name) for c in schema.children(name))

    for index, table in enumerate(schema.tables):
        if table.parent is None and not findable(table.name):
            raise reader.fail(
                f"tables[{index}]",
                "cannot be reached: neither it nor a table under it has find_by",
            )
