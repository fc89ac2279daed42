"""``flask systems check`` for a database: the schema file against the live database.

Problems stop the portal from using the system: a table or column the description names is
missing, or the primary key is not one (an erasure must reach exactly the rows it planned).
Advice makes it fast: every column a person is found by, and every link to a parent, should have
an index, or each look-up reads the whole table (issue 11, item 8: under a second for 100,000
customers and 1,000,000 invoices).
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from sqlalchemy.engine import Connection as DBConnection
from sqlalchemy.exc import SAWarning

from portal.notice.model import Schema, SchemaTable


def review(connection: DBConnection, schema: Schema) -> tuple[list[str], list[str]]:
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    problems: list[str] = []
    advice: list[str] = []
    for described in schema.tables:
        name = described.name
        if name not in existing:
            problems.append(f"missing table {name}")
            continue
        reflected = inspector.get_columns(name)
        columns = {column["name"] for column in reflected}
        missing = [c for c in needed_columns(described) if c not in columns]
        problems += [f"missing column {name}.{column}" for column in missing]
        if described.primary_key in missing:
            continue
        indexed = _indexed(connection, inspector, name)
        if (described.primary_key,) not in indexed["unique"]:
            problems.append(f"{name}.{described.primary_key} is neither the primary key nor unique")
        for column, why in _searched(described):
            if column in missing:
                continue
            # An address is compared as lower(column): where the database can index that
            # expression, a plain index on the column is of no use to the look-up. MySQL and
            # MariaDB compare it as column = ?, served by the plain index, when the column's
            # collation ignores case; otherwise no index of theirs can serve the look-up.
            lowered = why == "email" and indexed["expressions"]
            if why == "email" and connection.dialect.name in ("mysql", "mariadb"):
                collation = _collation(inspector, name, reflected, column)
                if not case_insensitive(collation):
                    # The look-up falls back to lower(column), which no index of MySQL/MariaDB
                    # serves (see database._folds_case).
                    advice.append(
                        f"{name}.{column} compares case-sensitively (collation {collation}): "
                        "finding a person by email reads the whole table; a case-insensitive "
                        "(_ci) collation lets its index serve"
                    )
                    continue
            if column in indexed["lowered" if lowered else "leading"]:
                continue
            target = f"lower({name}.{column})" if lowered else f"{name}.{column}"
            advice.append(f"no index on {target}: finding a person by {why} reads the whole table")
        if connection.dialect.name == "postgresql" and _never_analyzed(connection, name):
            advice.append(
                f"{name} has no planner statistics (never analyzed): PostgreSQL may read the whole "
                f"table instead of its indexes; run ANALYZE {name}, or turn autovacuum on"
            )
    return problems, advice


# Below this many rows reading a whole table takes milliseconds: no advice is worth giving.
STATISTICS_MATTER_FROM = 10_000


def _never_analyzed(connection: DBConnection, table: str) -> bool:
    """A PostgreSQL table of many rows with no column statistics: without them the planner
    guesses, and a look-up of a dozen invoices' lines became a scan of 1,500,000 rows (seen at
    100,000 customers on a server with autovacuum off, or just after a bulk load)."""
    stats = sa.table("pg_stats", sa.column("schemaname"), sa.column("tablename"))
    analyzed = connection.scalar(
        sa.select(sa.literal(1))
        .where(stats.c.schemaname == sa.func.current_schema(), stats.c.tablename == table)
        .limit(1)
    )
    if analyzed:
        return False
    # Counting stops at the threshold: the check costs the same for a table of any size.
    sample = sa.select(sa.literal(1)).select_from(sa.table(table)).limit(STATISTICS_MATTER_FROM)
    rows = connection.scalar(sa.select(sa.func.count()).select_from(sample.subquery()))
    return rows >= STATISTICS_MATTER_FROM


def case_insensitive(collation: str | None) -> bool:
    """A MySQL/MariaDB collation that compares without case: ``utf8mb4_general_ci``,
    ``utf8mb4_0900_ai_ci``; not ``_cs`` or ``_bin``. Unknown counts as case-sensitive."""
    return isinstance(collation, str) and collation.lower().endswith("_ci")


def _collation(inspector, table: str, reflected: list[dict], column: str):
    """A MySQL/MariaDB column's collation: its own, else its table's."""
    for described in reflected:
        if described["name"] == column:
            own = getattr(described["type"], "collation", None)
            if own:
                return own
    return inspector.get_table_options(table).get("mysql_collate")


def needed_columns(described: SchemaTable) -> list[str]:
    """Every column the description names in a table, each once, in a stable order."""
    names = [described.primary_key]
    if described.parent is not None:
        names.append(described.parent.column)
    names += [column for _kind, column in described.find_by]
    names += [n for n in (described.contact_address, described.kept_from) if n is not None]
    names += [column.name for column in described.columns]
    # The columns a restriction or a marketing objection sets (portal.register.erasure.flags).
    names += [flag.column for flag in described.flags]
    return list(dict.fromkeys(names))


def _searched(described: SchemaTable) -> list[tuple[str, str]]:
    """The columns a look-up compares, with what each is searched for."""
    searched = [(column, kind) for kind, column in described.find_by]
    if described.parent is not None:
        searched.append((described.parent.column, f"its link to {described.parent.table}"))
    return searched


def _indexed(connection: DBConnection, inspector, table: str) -> dict:
    """Columns that lead an index (so ``column = ?`` is fast), column tuples that are unique,
    and columns with an index on lower(column); ``expressions`` tells whether the database can
    have such an index at all."""
    leading: set[str] = set()
    unique: set[tuple[str, ...]] = set()
    lowered: set[str] = set()
    with warnings.catch_warnings():
        # SQLite's reflection skips an index on an expression with a warning; those are read
        # below from its own catalogue.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        primary = tuple(inspector.get_pk_constraint(table).get("constrained_columns") or ())
        indexes = inspector.get_indexes(table)
        constraints = inspector.get_unique_constraints(table)
    if primary:
        leading.add(primary[0])
        unique.add(primary)
    for index in indexes:
        names = tuple(index.get("column_names") or ())
        if names and names[0]:
            leading.add(names[0])
            if index.get("unique") and None not in names:
                unique.add(names)
        for expression in index.get("expressions") or ():
            if expression and expression.lower().startswith("lower("):
                lowered.add(_inner_name(expression))
    for constraint in constraints:
        names = tuple(constraint.get("column_names") or ())
        if names:
            leading.add(names[0])
            unique.add(names)
    backend = connection.dialect.name
    if backend == "sqlite":
        catalogue = sa.table("sqlite_master", sa.column("type"), sa.column("tbl_name"))
        catalogue.append_column(sa.column("sql"))
        query = sa.select(catalogue.c.sql).where(
            catalogue.c.type == "index", catalogue.c.tbl_name == table
        )
        for (sql,) in connection.execute(query):
            text = (sql or "").lower().replace('"', "").replace(" ", "")
            if "(lower(" in text:
                lowered.add(text.split("(lower(", 1)[1].split(")", 1)[0])
    return {
        "leading": leading,
        "unique": unique,
        "lowered": lowered,
        "expressions": backend in ("sqlite", "postgresql"),
    }


def _inner_name(expression: str) -> str:
    """``lower((email)::text)`` -> ``email``."""
    inner = expression[len("lower(") :]
    for character in "()\"'":
        inner = inner.replace(character, "")
    return inner.split("::", 1)[0].strip()
