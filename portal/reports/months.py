"""The controller's figures counted month by month, and kept for the months that have ended.

A year of figures (on-time rate, median and 90th percentile of days to answer, requests per
month by type) is a pass over every request of the year: about a second at 100,000 requests
(issue 14). But the figures of a month that has ended change only when one of its requests
changes, so each such month is counted once, kept in ``figures_month`` as grouped rows (per
type, days to answer, on time or not, status and outcome; per type and channel) and added up
with the current month, which is counted live. Medians and percentiles cannot be added up across
months, so the rows keep the days to answer as a histogram (a count per whole number of days),
from which ``portal.reports.figures`` takes exact percentiles over any set of months.

Why a kept month is exactly right (the figures are the controller's evidence, GDPR Art. 5(2)):
every figure of month M is a function of the columns of the requests received in M or ended in
M (kind, status, outcome, received_at, closed_at, due_on, period_months, channel), and every
change of a request sets its ``updated_at`` (an ``onupdate`` of the model, also for Core
UPDATEs). The fingerprint of M is the count and the latest ``updated_at`` of the requests
received in M, and the same of the requests with ``closed_at`` in M, read from two indexes. A
request that changes, arrives in M or moves into it raises a latest ``updated_at``; one that is
deleted or moves out lowers a count; so a change committed after the fingerprint was read
changes it -- provided its ``updated_at`` is later than the kept latest one. A transaction that
commits late carries the earlier time at which it wrote, so a kept month is trusted only when
its latest change is older than the fingerprint's reading by more than SETTLE (no transaction
of the portal stays open that long); until then it is counted again on each view. The counting
runs after the fingerprint is read, so it sees at least what the fingerprint saw. Closing,
reopening, extending (period_months), pausing (status and due_on), anonymising and deleting a
request all go through these rules; the pauses' own figures are counted live (few rows).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from flask import current_app
from sqlalchemy import case, func, literal_column, select, text, union_all
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import FiguresMonth, RequestStatus, SubjectRequest, utcnow
from portal.reports.calendar import LocalDates, Window, months_from

# Requests that end without an answer: never answered, so neither on time nor late.
ENDED_UNANSWERED = (RequestStatus.WITHDRAWN, RequestStatus.LAPSED)
ENDED = (RequestStatus.CLOSED, *ENDED_UNANSWERED)

# Longer than any transaction of the portal stays open between its writes and its commit: a web
# request takes well under a second, and the commands (e.g. ``flask requests lapse``) write a
# few requests each in a short transaction. A kept month whose requests changed more recently
# is counted again on each view until the change is this old.
SETTLE = timedelta(minutes=2)


@dataclass
class MonthRows:
    # (kind, days to answer, on time (how many), status, outcome, how many): requests ended.
    ended: list[tuple[str, int, int, str, str | None, int]] = field(default_factory=list)
    # (kind, channel, how many, how many extended): requests received.
    received: list[tuple[str, str, int, int]] = field(default_factory=list)


def local_dates(window: Window) -> LocalDates:
    return LocalDates(db.session.get_bind().dialect.name, window.timezone, window)


def on_time_expression(local: LocalDates):
    return local.date_of(SubjectRequest.closed_at) <= SubjectRequest.due_on


def month_of(column, window: Window):
    """The index of the window's month a moment falls in (CASE on the months' UTC starts)."""
    starts = window.boundaries[1:-1]
    if not starts:
        return literal_column("0")
    return case(*((column < start, i) for i, start in enumerate(starts)), else_=len(starts))


def _value(item):
    return getattr(item, "value", item)


def count(window: Window) -> list[MonthRows]:
    """Two statements, each one pass over its rows: the requests ended in the window and the
    requests received in it, grouped by month."""
    r = SubjectRequest
    local = local_dates(window)
    answers = (
        select(
            r.kind.label("kind"),
            local.days_between(r.received_at, r.closed_at).label("days"),
            case((on_time_expression(local), 1), else_=0).label("on_time"),
            month_of(r.closed_at, window).label("month"),
            r.status.label("status"),
            r.outcome.label("outcome"),
        )
        .where(r.status.in_(ENDED), r.closed_at >= window.start_at, r.closed_at < window.end_at)
        .subquery()
    )
    months = [MonthRows() for _ in window.months]
    # Grouped in an outer query so that the grouping is by plain columns (PostgreSQL does not
    # match repeated bound parameters).
    groups = [answers.c.kind, answers.c.days, answers.c.month, answers.c.status, answers.c.outcome]
    for row in db.session.execute(
        select(
            *groups, func.count().label("n"), func.sum(answers.c.on_time).label("on_time")
        ).group_by(*groups)
    ):
        months[int(row.month)].ended.append(
            (
                _value(row.kind),
                int(row.days),
                int(row.on_time),
                _value(row.status),
                _value(row.outcome),
                row.n,
            )
        )
    received = (
        select(
            r.kind.label("kind"),
            month_of(r.received_at, window).label("month"),
            case((r.period_months > 1, 1), else_=0).label("extended"),
            r.channel.label("channel"),
        )
        .where(r.received_at >= window.start_at, r.received_at < window.end_at)
        .subquery()
    )
    groups = [received.c.kind, received.c.month, received.c.channel]
    for row in db.session.execute(
        select(
            *groups, func.count().label("n"), func.sum(received.c.extended).label("extended")
        ).group_by(*groups)
    ):
        months[int(row.month)].received.append(
            (_value(row.kind), _value(row.channel), row.n, int(row.extended))
        )
    return months


def rows_by_month(window: Window) -> list[MonthRows]:
    """The grouped rows of each month of the window: kept ones for the months that have ended
    (counted again where their fingerprint changed), the rest counted now."""
    now = utcnow()
    boundaries = window.boundaries
    ended = sum(1 for end in boundaries[1:] if end <= now)
    rows: list[MonthRows] = []
    if ended:
        rows += _kept(window.months[:ended], boundaries[: ended + 1], window.timezone, now)
    if ended < len(window.months):
        rows += count(Window(window.months[ended:], window.end_day, window.timezone))
    return rows


def _fingerprints(boundaries: list[datetime]) -> list[tuple[str, datetime | None]]:
    """Per month, its fingerprint and its latest change, in one statement: two ranges of two
    indexes per month, each read once and no row of the table."""
    r = SubjectRequest
    parts = []
    for start, end in pairwise(boundaries):
        for moment in (r.received_at, r.closed_at):
            parts.append(
                select(
                    literal_column(str(len(parts))).label("part"),
                    func.count().label("n"),
                    func.max(r.updated_at).label("latest"),
                ).where(moment >= start, moment < end)
            )
    if db.session.get_bind().dialect.name == "postgresql":
        # 22 small index-only scans: PostgreSQL's parallel workers cost more to start than they
        # save (18 ms with two, 11 ms without, at 100,000 requests). For this transaction only.
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    values = {row.part: (row.n, row.latest) for row in db.session.execute(union_all(*parts))}
    result = []
    for i in range(0, len(parts), 2):
        (received, received_latest), (ended, ended_latest) = values[i], values[i + 1]
        latest = max((t for t in (received_latest, ended_latest) if t is not None), default=None)
        fingerprint = "/".join(
            str(v) if not isinstance(v, datetime) else v.isoformat()
            for v in (received, received_latest, ended, ended_latest)
        )
        result.append((fingerprint if received or ended else "", latest))
    return result


# Kept months as parsed, by database, timezone, month, fingerprint and time of counting: a stored
# month does not change under the same fingerprint and counting, so each worker parses it once
# and a view reads only the fingerprints (issue 14: the JSON of eleven months was half the
# dashboard's Python time). A bound keeps an old worker's memory flat.
_PARSED: dict[tuple, MonthRows] = {}
_PARSED_MAX = 240
# Each distinct row of the kept months once, its words interned: as parsed, every row held its
# own copies of the same few words, 2.7 MB for the dashboard's and a yearly report's 23 months
# at 100,000 requests, 0.4 MB shared (issue 14: at most 80 MB per worker). Emptied with _PARSED.
_ROWS: dict[tuple, tuple] = {}


def _shared(row: list) -> tuple:
    key = tuple(row)
    shared = _ROWS.get(key)
    if shared is None:
        shared = tuple([sys.intern(v) if type(v) is str else v for v in key])
        _ROWS[shared] = shared
    return shared


def _parsed(key: tuple, data: str) -> MonthRows:
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
        _ROWS.clear()
    loaded = json.loads(data)
    rows = MonthRows(
        [_shared(e) for e in loaded["ended"]], [_shared(e) for e in loaded["received"]]
    )
    _PARSED[key] = rows
    return rows


def _kept(
    months: tuple[date, ...], boundaries: list[datetime], timezone: str, now: datetime
) -> list[MonthRows]:
    fingerprints = _fingerprints(boundaries)
    kept = {
        row.month: row
        for row in db.session.execute(
            select(FiguresMonth.month, FiguresMonth.fingerprint, FiguresMonth.counted_at).where(
                FiguresMonth.timezone == timezone, FiguresMonth.month.in_(months)
            )
        )
    }
    rows: list[MonthRows] = []
    fresh: list[dict] = []
    unparsed: dict[date, tuple] = {}
    database = db.engine.url.render_as_string(hide_password=True)
    for month, (fingerprint, latest) in zip(months, fingerprints, strict=True):
        if not fingerprint:  # no request received or ended in the month
            rows.append(MonthRows())
            continue
        stored = kept.get(month)
        if (
            stored is not None
            and stored.fingerprint == fingerprint
            and latest is not None
            and latest < stored.counted_at - SETTLE
        ):
            key = (database, timezone, month, fingerprint, stored.counted_at)
            if key in _PARSED:
                rows.append(_PARSED[key])
            else:
                unparsed[month] = key
                rows.append(MonthRows())  # replaced below, once its stored rows are read
            continue
        counted = count(months_from(month, 1, timezone))[0]
        rows.append(counted)
        if latest is not None and latest >= now - SETTLE:
            # Kept now, it would not be trusted (counted too soon after its last change), and
            # every view until then would write it again: it waits for a view after that.
            continue
        fresh.append(
            {
                "timezone": timezone,
                "month": month,
                "fingerprint": fingerprint,
                "counted_at": now,
                "data": json.dumps({"ended": counted.ended, "received": counted.received}),
            }
        )
    if unparsed:
        stored_rows = db.session.execute(
            select(
                FiguresMonth.month,
                FiguresMonth.fingerprint,
                FiguresMonth.counted_at,
                FiguresMonth.data,
            ).where(FiguresMonth.timezone == timezone, FiguresMonth.month.in_(list(unparsed)))
        )
        for month, fingerprint, counted_at, data in stored_rows:
            key = unparsed[month]
            if key == (database, timezone, month, fingerprint, counted_at):
                rows[months.index(month)] = _parsed(key, data)
                del unparsed[month]
        # Rewritten by another view in between: counted here, as any month not kept.
        for month in unparsed:
            rows[months.index(month)] = count(months_from(month, 1, timezone))[0]
    if fresh:
        _keep(fresh)
    return rows


def _keep(values: list[dict]) -> None:
    """Write the months counted, in a transaction of their own (the page's session only
    reads). Two views counting the same month at once both write it: the later one wins, and
    either is right (each fingerprint was read before its counting)."""
    engine = db.engine
    # The dialect imported here: PostgreSQL's brings all its drivers' modules, 2 MB that a
    # worker on SQLite would hold for nothing (issue 14: at most 80 MB per worker).
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(FiguresMonth)
    statement = statement.on_conflict_do_update(
        index_elements=[FiguresMonth.timezone, FiguresMonth.month],
        set_={
            "fingerprint": statement.excluded.fingerprint,
            "counted_at": statement.excluded.counted_at,
            "data": statement.excluded.data,
        },
    )
    try:
        with engine.begin() as connection:
            connection.execute(statement, values)
    except OperationalError:  # pragma: no cover - SQLite busy: the figures shown are right
        # anyway, and the next view keeps them.
        current_app.logger.warning("figures of ended months not kept: the database was busy")
