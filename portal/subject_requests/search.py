"""Finding requests by what staff type: the reference, the requester's name or email, or a
customer number, username or business ID given on the request.

Staff search for a caller on the phone or a letter in hand, so a search must answer at once
however many requests the register holds (issue 14: a LIKE over every request and every account
took half a second at 100,000). Each request has one row in ``request_search`` holding those
words, kept by database triggers (migration 0013) in the same transaction as the change, so no
write path can forget it. The row is indexed for substrings on each backend by the means built for
it: an FTS5 table with the trigram tokenizer on SQLite, a trigram GIN index (pg_trgm) on
PostgreSQL. The table is not in the models' metadata: SQLite's is a virtual table.
"""

from __future__ import annotations

import re

from flask import g
from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table

from portal.extensions import db

TABLE = "request_search"
# Between the fields of a row: a control character no valid search contains, so a search never
# matches across the end of one field and the start of the next.
SEPARATOR = "\x1f"
# Trigram indexes find substrings of three characters or more; a shorter search reads every row
# (there are few such searches, and the rows are short).
SHORTEST_INDEXED = 3

_search = table(TABLE, column("request_id"), column("haystack"))


# The most matches a list is given as ids (bound values) rather than as the search itself.
LISTED = 1000


def is_search_table(name: str | None) -> bool:
    """The search table and, on SQLite, the FTS5 tables behind it: the migrations build them and
    the models do not describe them (``include_name`` for Alembic's comparison)."""
    return bool(name) and (name == TABLE or name.startswith(f"{TABLE}_"))


def include_name(name, type_, parent_names) -> bool:
    return type_ != "table" or not is_search_table(name)


def _like_pattern(typed: str) -> str:
    # What was typed is searched for as it is: % and _ are LIKE's wildcards (a search for "a_b"
    # found "axb" too), and backslash is the escape.
    return "%" + re.sub(r"([\\%_])", r"\\\1", typed) + "%"


def _looked_up(typed: str) -> str:
    """The part of ``typed`` the trigram index looks up. An address's domain is shared by
    thousands of rows (every trigram of "@example.com" lists them all), so the index is asked
    for the part up to the "@" and the whole address is checked on the few rows found (at
    100,000 requests: 2-3 ms where the whole address took 15 on SQLite and 30 on PostgreSQL)."""
    local, at, _domain = typed.partition("@")
    if at and len(local) >= SHORTEST_INDEXED and typed.isascii():
        return local + at
    return typed


def matching_ids(typed: str) -> Select:
    """The ids of the requests whose reference, requester or identifiers contain ``typed``
    (letter case aside)."""
    typed = typed.strip().lower()
    if db.session.get_bind().dialect.name == "sqlite":
        rowid = literal_column("rowid")
        if len(typed) < SHORTEST_INDEXED:
            return (
                select(rowid)
                .select_from(_search)
                .where(_search.c.haystack.like(_like_pattern(typed), escape="\\"))
            )
        looked_up = _looked_up(typed)
        # An FTS5 phrase of trigrams is exactly a substring; inside double quotes nothing is
        # syntax but a doubled quote.
        phrase = '"' + looked_up.replace('"', '""') + '"'
        query = select(rowid).select_from(_search).where(literal_column(TABLE).op("MATCH")(phrase))
        if looked_up != typed:
            # ASCII only (see _looked_up), which SQLite's lower() folds.
            query = query.where(func.instr(func.lower(_search.c.haystack), typed) > 0)
        return query
    # PostgreSQL: LIKE's escape is backslash by default; the trigram index serves LIKE itself.
    looked_up = _looked_up(typed)
    query = select(_search.c.request_id).where(_search.c.haystack.like(_like_pattern(looked_up)))
    if looked_up != typed:
        # Not a LIKE, so that the planner checks it on the rows found, not in the index.
        query = query.where(func.strpos(_search.c.haystack, typed) > 0)
    return query


def matches(typed: str) -> list[int] | None:
    """The ids of the requests matching ``typed``, looked up once a request however many
    statements of the page ask (the list, its count); None when there are more than LISTED.

    Given the search as a subquery, PostgreSQL planned the queue's "IN (search) ORDER BY due
    date LIMIT 25" as a walk along the due-date index, checking each request against the
    search (98 ms for a name at 100,000 requests, issue 14); given the ids, it reads those
    requests and sorts them. A search with more than LISTED matches stays a subquery: then the
    matches are dense and the walk finds a page quickly."""
    typed = typed.strip().lower()
    found = g.setdefault("search_matches", {})
    if typed not in found:
        ids = db.session.scalars(matching_ids(typed).limit(LISTED + 1)).all()
        found[typed] = ids if len(ids) <= LISTED else None
    return found[typed]


def matching(typed: str, request_id: ColumnElement) -> ColumnElement:
    """``request_id IN`` the requests matching ``typed``: their ids (``matches``), or the search
    itself when they are many."""
    ids = matches(typed)
    return request_id.in_(matching_ids(typed) if ids is None else ids)
