"""A database system the portal reads itself: PostgreSQL, MySQL/MariaDB or SQLite.

Every name in the SQL comes from the schema file (plain identifiers only, see
``portal.notice.systems``) and is matched against the tables reflected from the live database
before it is used; every value is a bound parameter; values are compared exactly (``=``, never
LIKE), so ``%`` and ``_`` in what a requester typed are just characters. Email addresses compare
case-insensitively (RFC 5321 lets the local part be case-sensitive, but no register treats
Aino@ and aino@ as two customers). A person's rows are found by ``find_by`` in any table; a child
row leads up to its root (the person's own record), and then every row under that root is
collected, following parent links down.

Connecting and each statement have a timeout (``REGISTER_TIMEOUT``), so a database that is down
or does not answer gives the state "unreachable" within seconds, never an exception into a page.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection as DBConnection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    SAWarning,
    SQLAlchemyError,
)
from sqlalchemy.pool import NullPool

from portal.notice.model import Schema, SchemaTable, System
from portal.register.connections.inspection import case_insensitive, needed_columns, review
from portal.register.findings import Finding, FoundPerson, Identity

# How many keys go into one IN (...) list: SQLite refuses more than 32,766 bound parameters.
CHUNK = 1000
# The drivers this portal installs, for URLs given without one.
DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
DRIVERS.update({"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"})
MAX_INTEGER_DIGITS = 18  # past this a number overflows a 64-bit column: it matches nothing


# Engines and reflected tables, kept for the life of the process: a look-up then costs one
# connection and its queries, not the dialect's first-connect queries and a catalogue read per
# table (half a second on a busy PostgreSQL). No pool: nothing stays open between look-ups.
_ENGINES: dict[tuple[str, float], sa.Engine] = {}
_REFLECTED: dict[tuple[str, str], tuple[Schema, dict[str, sa.Table]]] = {}
CACHE_LIMIT = 64


class Misconfigured(Exception):
    """The description does not fit the database (a table or column it names is missing)."""


class Unreachable(Exception):
    """The database cannot be reached or did not answer in time."""


def engine_for(url: str, timeout: float) -> sa.Engine:
    """An engine with a connect and a statement timeout, and no pool: each look-up opens one
    connection and closes it, so nothing lingers open against someone else's database."""
    parsed = make_url(url)
    if parsed.drivername in DRIVERS:
        parsed = parsed.set(drivername=DRIVERS[parsed.drivername])
    backend = parsed.get_backend_name()
    seconds = max(1, round(timeout))
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args = {"connect_timeout": seconds}
    elif backend in ("mysql", "mariadb"):
        # read_timeout also ends a statement the server never answers.
        connect_args = {
            "connect_timeout": seconds,
            "read_timeout": seconds,
            "write_timeout": seconds,
        }
    elif backend == "sqlite":
        connect_args = {"timeout": timeout}
    engine = sa.create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    if backend == "postgresql":

        @sa.event.listens_for(engine, "connect")
        def _statement_timeout(dbapi_connection, _record) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, false)",
                    (f"{int(timeout * 1000)}ms",),
                )
            dbapi_connection.commit()

    return engine


def cached_engine(url: str, timeout: float) -> sa.Engine:
    key = (url, timeout)
    engine = _ENGINES.get(key)
    if engine is None:
        if len(_ENGINES) >= CACHE_LIMIT:
            _ENGINES.clear()
            _REFLECTED.clear()
        engine = _ENGINES[key] = engine_for(url, timeout)
    return engine


def _short(exc: BaseException) -> str:
    """The driver's own message, first line, without SQLAlchemy's help links."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return (text[0] if text else type(original).__name__)[:200]


class DatabaseConnection:
    def __init__(self, system: System, url: str, *, timeout: float) -> None:
        if system.schema is None:
            raise ValueError(f"the system {system.key!r} has no schema")
        self.system = system
        self.schema: Schema = system.schema
        self.url = url
        self.timeout = timeout

    # Reaching the database --------------------------------------------------------------------

    def _run(self, work, *, quote_errors: bool = True):
        """Run ``work(connection)`` read-only; faults of the database become exceptions of ours.
        ``quote_errors`` False leaves the database's own words out of a refused query's message:
        they may quote the value looked up, and the message goes on the record."""
        try:
            engine = cached_engine(self.url, self.timeout)
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise Misconfigured(f"the URL in {self.system.url_env} is not usable: {exc}") from None
        try:
            database = engine.url.database
            # SQLite would create an empty file where the register should be.
            on_disk = database not in (None, "", ":memory:")
            if (
                engine.url.get_backend_name() == "sqlite"
                and on_disk
                and not Path(database).is_file()
            ):
                raise Unreachable(f"no database file at {database}")
            with engine.connect() as connection:
                try:
                    return work(connection)
                finally:
                    connection.rollback()
        except DBAPIError as exc:
            if _missing_name(exc):
                raise Misconfigured(
                    "a table or column is not there any more (flask systems check says which)"
                ) from None
            if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
                raise Unreachable(_short(exc)) from None
            if quote_errors:
                raise Misconfigured(_short(exc)) from None
            raise Misconfigured(
                f"the database refused the look-up ({type(exc.orig).__name__})"
            ) from None
        except (TimeoutError, OSError) as exc:
            raise Unreachable(_short(exc)) from None
        except SQLAlchemyError as exc:
            raise Misconfigured(_short(exc)) from None

    def reflect(self, connection: DBConnection) -> dict[str, sa.Table]:
        """The described tables as they are in the database; Misconfigured names what is
        missing. Only names that passed this are used in SQL."""
        existing = set(sa.inspect(connection).get_table_names())
        metadata = sa.MetaData()
        tables = {}
        missing = []
        for described in self.schema.tables:
            if described.name not in existing:
                missing.append(f"missing table {described.name}")
                continue
            with warnings.catch_warnings():
                # SQLite's reflection skips an index on an expression (lower(email)) with a
                # warning; only the columns matter here.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
                table = sa.Table(
                    described.name, metadata, autoload_with=connection, resolve_fks=False
                )
            missing += [
                f"missing column {described.name}.{column}"
                for column in needed_columns(described)
                if column not in table.c
            ]
            tables[described.name] = table
        if missing:
            raise Misconfigured("; ".join(missing))
        return tables

    def check(self) -> list[str]:
        return self.review()[0]

    def review(self) -> tuple[list[str], list[str]]:
        """(problems, advice): what stops the description from working, and what would make it
        faster (a missing index)."""
        try:
            return self._run(lambda connection: review(connection, self.schema))
        except Unreachable as exc:
            return [f"unreachable ({exc})"], []
        except Misconfigured as exc:
            return [f"misconfigured ({exc})"], []

    # Finding a person -------------------------------------------------------------------------

    def find(self, identity: Identity) -> Finding:
        try:
            return self._run(
                lambda connection: self._find(connection, identity), quote_errors=False
            )
        except (Unreachable, Misconfigured) as exc:
            # The database may have changed: the next look-up reads its tables again.
            _REFLECTED.pop((self.url, self.schema.path), None)
            state = "unreachable" if isinstance(exc, Unreachable) else "misconfigured"
            return Finding(self.system.key, state, problem=str(exc))

    def _tables(self, connection: DBConnection) -> dict[str, sa.Table]:
        key = (self.url, self.schema.path)
        cached = _REFLECTED.get(key)
        if cached is not None and cached[0] is self.schema:
            return cached[1]
        tables = self.reflect(connection)
        _REFLECTED[key] = (self.schema, tables)
        return tables

    def _find(self, connection: DBConnection, identity: Identity) -> Finding:
        tables = self._tables(connection)
        # (table, key) -> the identity kinds that led there.
        matched: dict[str, dict[Any, set[str]]] = {}
        for described in self.schema.tables:
            table = tables[described.name]
            for kind, column_name in described.find_by:
                column = table.c[column_name]
                wanted = _wanted(column, identity.value(kind))
                if wanted is None:
                    continue
                key = table.c[described.primary_key]
                folds_case = _folds_case(connection, column)
                try:
                    rows = connection.execute(
                        sa.select(key, column).where(_equals(column, kind, wanted, folds_case))
                    ).all()
                except sa.exc.OperationalError as exc:
                    if not _outside_character_set(connection, exc):
                        raise
                    continue
                for row_key, stored in rows:
                    # The database's own comparison may be looser than ours: MariaDB's usual
                    # collations take "äino" for "aino" and ignore trailing spaces. Another
                    # person's record must never come back, so each row is compared again here.
                    if _same(kind, stored, wanted):
                        matched.setdefault(described.name, {}).setdefault(row_key, set()).add(kind)
        roots = self._up_to_roots(connection, tables, matched)
        finding = Finding(self.system.key, "not_found")
        for root_name, people in roots.items():
            self._collect(connection, tables, self.schema.table(root_name), people, finding)
        # A child row whose parent is gone leads to no one.
        finding.state = "found" if finding.people else "not_found"
        return finding

    def _up_to_roots(
        self, connection: DBConnection, tables: dict[str, sa.Table], matched: dict
    ) -> dict[str, dict[Any, set[str]]]:
        """From each matched row to the root row it belongs to, a level at a time, deepest
        tables first, so a row reached from below is lifted with its own table's matches."""

        def depth(described: SchemaTable) -> int:
            steps = 0
            while described.parent is not None:
                described, steps = self.schema.table(described.parent.table), steps + 1
            return steps

        for described in sorted(self.schema.tables, key=depth, reverse=True):
            found = matched.get(described.name)
            if described.parent is None or not found:
                continue
            table = tables[described.name]
            key, parent_key = table.c[described.primary_key], table.c[described.parent.column]
            lifted = matched.setdefault(described.parent.table, {})
            for chunk in _chunks(list(found)):
                rows = connection.execute(sa.select(key, parent_key).where(key.in_(chunk)))
                for row_key, parent_value in rows:
                    if parent_value is not None:
                        lifted.setdefault(parent_value, set()).update(found[row_key])
            del matched[described.name]
        return {name: keys for name, keys in matched.items() if keys}

    def _collect(
        self,
        connection: DBConnection,
        tables: dict[str, sa.Table],
        root: SchemaTable,
        people: dict[Any, set[str]],
        finding: Finding,
    ) -> None:
        """The root rows and every row under them, each row tagged with its root's key."""
        table = tables[root.name]
        key = table.c[root.primary_key]
        rows_by_root: dict[Any, Any] = {}
        for chunk in _chunks(list(people)):
            for row in connection.execute(sa.select(table).where(key.in_(chunk)).order_by(key)):
                rows_by_root[row._mapping[root.primary_key]] = row._mapping
        for root_key in sorted(rows_by_root, key=_sort_key):
            mapping = rows_by_root[root_key]
            contact = mapping[root.contact_address] if root.contact_address else None
            finding.people.append(
                FoundPerson(
                    root_key=root_key,
                    contact_address=contact,
                    matched_by=tuple(sorted(people[root_key])),
                    root_table=root.name,
                )
            )
            _add_row(finding, root, mapping, root_key)
        self._collect_children(connection, tables, root, {k: k for k in rows_by_root}, finding)

    def _collect_children(self, connection, tables, parent: SchemaTable, owners: dict, finding):
        """``owners`` maps each parent row's key to the root key it belongs to."""
        for child in self.schema.children(parent.name):
            table = tables[child.name]
            key, link = table.c[child.primary_key], table.c[child.parent.column]
            child_owners: dict[Any, Any] = {}
            for chunk in _chunks(sorted(owners, key=_sort_key)):
                query = sa.select(table).where(link.in_(chunk)).order_by(key)
                for row in connection.execute(query):
                    mapping = row._mapping
                    root_key = owners[mapping[child.parent.column]]
                    child_owners[mapping[child.primary_key]] = root_key
                    _add_row(finding, child, mapping, root_key)
            if child_owners:
                self._collect_children(connection, tables, child, child_owners, finding)


def _add_row(finding: Finding, described: SchemaTable, mapping, root_key) -> None:
    # Only the listed columns that are disclosed; the rest are keys or held back (Art. 15(4)
    # and the schema's withheld_reason say why).
    values = {c.name: mapping[c.name] for c in described.columns if c.disclose}
    finding.tables.setdefault(described.name, []).append(values)
    finding.keys.setdefault(described.name, []).append(mapping[described.primary_key])
    finding.roots.setdefault(described.name, []).append(root_key)
    if described.kept_from is not None:
        finding.kept_from.setdefault(described.name, []).append(mapping[described.kept_from])


def _wanted(column: sa.Column, value: str | None):
    """``value`` as the column holds it, or None when it cannot be in this column (a word in a
    number column): the database is then not asked at all, rather than refusing the query."""
    if value is None:
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    if python_type in (int, Decimal):
        # A customer number kept as a number (INTEGER, or NUMERIC(10, 0) in older programs).
        if not value.isdigit() or not value.isascii() or len(value) > MAX_INTEGER_DIGITS:
            return None
        return python_type(value)
    return value if python_type is str else None


def _equals(column: sa.Column, kind: str, wanted, folds_case: bool = False):
    if isinstance(wanted, str):
        literal = sa.literal(wanted, sa.String())
        if kind == "email" and not folds_case:
            # The same lower() on both sides: SQLite's lower() folds only ASCII letters.
            return sa.func.lower(column) == sa.func.lower(literal)
        return column == literal
    return column == wanted


def _folds_case(connection: DBConnection, column: sa.Column) -> bool:
    """Whether ``=`` on this column already ignores case: on MySQL/MariaDB a column of a
    case-insensitive collation (``..._ci``, the default there). lower(column) would keep the
    database from using the column's index -- MySQL and MariaDB cannot index lower(email) -- and
    read every row of the table (issue 11, item 8: under a second at 100,000 customers). A column
    of a case-sensitive or binary collation (``_cs``, ``_bin``) keeps lower(): found whatever the
    case, if slowly. SQLite and PostgreSQL compare case-sensitively and have an index on
    lower(email)."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return False
    collation = getattr(column.type, "collation", None)
    if collation is None and column.table is not None:
        # A column without its own collation has its table's (reflected from SHOW CREATE TABLE).
        collation = column.table.dialect_options["mysql"].get("collate")
    return case_insensitive(collation)


def _same(kind: str, stored, wanted) -> bool:
    if isinstance(wanted, str):
        if not isinstance(stored, str):
            return False
        return stored.lower() == wanted.lower() if kind == "email" else stored == wanted
    return stored == wanted


def _missing_name(exc: DBAPIError) -> bool:
    """A table or column gone since the tables were read: SQLite and MySQL report it as an
    "operational" error, like a lost connection, so it is told apart by its code."""
    original = exc.orig
    if type(original).__name__ in ("UndefinedTable", "UndefinedColumn"):  # PostgreSQL
        return True
    code = (getattr(original, "args", None) or (None,))[0]
    if code in (1054, 1146):  # MySQL/MariaDB: unknown column, no such table
        return True
    return type(original).__module__ == "sqlite3" and str(original).startswith("no such ")


def _outside_character_set(connection: DBConnection, exc: sa.exc.OperationalError) -> bool:
    """MySQL/MariaDB refuse to compare a column of a narrower character set (utf8mb3, latin1)
    with a value holding characters it cannot store (an emoji): no row can hold that value, so
    it matches nothing. A refused statement leaves the transaction usable there."""
    code = (getattr(exc.orig, "args", None) or (None,))[0]
    return connection.dialect.name in ("mysql", "mariadb") and code in (1267, 1270, 1271)


def _chunks(values: list) -> list[list]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _sort_key(value: Any) -> tuple:
    return (type(value).__name__, value)
