"""The contact person's counts and the controller's figures, each computed by the database.

The controller must be able to demonstrate that it answers within Art. 12(3)'s month (GDPR
Art. 5(2), 24), so these are the figures a regulator reads: how many requests came, how many
were answered, how many of those on time, and how long answers took. Every figure is an
aggregate (GROUP BY, conditional sums), so the number of statements and the rows they return do
not grow with the number of requests (issue 14: under 100 ms at 100,000 requests).

Definitions, the same as the request's clock (portal.subject_requests.clock):

* *answered*: closed with an outcome (completed, partially completed or refused) within the
  period, by the local date of ``closed_at``; withdrawn and lapsed requests were never answered
  and are counted apart;
* *on time*: the local date of the answer is on or before ``due_on``, the due date that counted
  at closing (the month, any extension, and the days the clock stood still, Art. 12(3), 12(6));
* *days to answer*: calendar days from the local date of receipt to that of the answer, pauses
  included: what the requester waited;
* *median* and *90th percentile*: interpolated between the nearest ranks, as PostgreSQL's
  ``percentile_cont``, from a histogram of days that the database returns per request type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from portal.extensions import db
from portal.models import (
    Channel,
    IncomingMessage,
    IncomingState,
    Outcome,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
)
from portal.reports.calendar import LocalDates, Window, last_twelve_months
from portal.reports.months import ENDED_UNANSWERED, on_time_expression, rows_by_month

__all__ = ["ENDED_UNANSWERED", "on_time_expression"]

ACTIVE = (RequestStatus.OPEN, RequestStatus.WAITING)
INBOX_STATES = (IncomingState.NEW, IncomingState.WAITING)


def controller_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_dates(window: Window) -> LocalDates:
    return LocalDates(db.session.get_bind().dialect.name, controller_timezone(), window)


# Counts of the working day -----------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int
    due_today: int
    due_within_week: int
    waiting: int
    unassigned: int
    unconfirmed: int
    inbox: int


def counts(today: date) -> Counts:
    """What needs doing now, in one statement. Deadline counts take only requests whose clock
    runs (status open): while the controller waits for information it asked for, the clock
    stands still (Art. 12(6); EDPB Guidelines 01/2022 §159) and the stored due date is not yet
    the one that will count.

    Each count is a subquery of its own over a range of one index: (status, due_on) for the
    deadlines, (status, assignee_id) for the unassigned, status alone for the rest. One pass
    over every open request with a CASE per count read each row from the table (90 ms at
    100,000 requests on SQLite, issue 14); a range of an index is counted without the rows."""
    r = SubjectRequest
    running = r.status == RequestStatus.OPEN

    def number(*conditions):
        return select(func.count()).select_from(r).where(*conditions).scalar_subquery()

    inbox = (
        select(func.count())
        .select_from(IncomingMessage)
        .where(IncomingMessage.state.in_(INBOX_STATES))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            number(r.status.in_(ACTIVE)).label("open"),
            number(running, r.due_on < today).label("overdue"),
            number(running, r.due_on == today).label("due_today"),
            # As the queue's "within 7 days" filter: today up to and including a week from now.
            number(running, r.due_on.between(today, today + timedelta(days=7))).label("week"),
            number(r.status == RequestStatus.WAITING).label("waiting"),
            number(r.status.in_(ACTIVE), r.assignee_id.is_(None)).label("unassigned"),
            number(r.status == RequestStatus.UNCONFIRMED).label("unconfirmed"),
            inbox.label("inbox"),
        )
    ).one()
    return Counts(
        open=row.open,
        overdue=row.overdue,
        due_today=row.due_today,
        due_within_week=row.week,
        waiting=row.waiting,
        unassigned=row.unassigned,
        unconfirmed=row.unconfirmed,
        inbox=row.inbox,
    )


# Figures of a period ----------------------------------------------------------------------------


def percentile(histogram: list[tuple[int, int]], fraction: float) -> float | None:
    """The ``fraction`` percentile of values given as ``(value, how_many)``, interpolated
    linearly between the nearest ranks (PostgreSQL's ``percentile_cont``; the "inclusive"
    method of Python's ``statistics.quantiles``). None for no values."""
    ordered = sorted((value, n) for value, n in histogram if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    position = fraction * (total - 1)

    def value_at(rank: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if rank < seen:
                return value
        raise AssertionError("rank past the end")  # pragma: no cover - position < total

    lower, upper = math.floor(position), math.ceil(position)
    low, high = value_at(lower), value_at(upper)
    return low + (high - low) * (position - lower)


@dataclass
class KindFigures:
    answered: int = 0
    on_time: int = 0
    histogram: list[tuple[int, int]] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def median(self) -> float | None:
        return percentile(self.histogram, 0.5)

    @property
    def p90(self) -> float | None:
        return percentile(self.histogram, 0.9)


@dataclass
class Figures:
    window: Window
    by_kind: dict[RequestKind, KindFigures]
    # Per month of the window: requests received per type, and answers on time and late.
    received: dict[RequestKind, list[int]]
    answered_by_month: list[tuple[int, int]]
    extended: int
    pauses: dict[str, int]
    # With ``detail`` (the yearly report): the same passes also count requests received per
    # channel, answers per type and outcome, and requests withdrawn or lapsed in the window.
    by_channel: dict[Channel, int] = field(default_factory=dict)
    outcomes: dict[RequestKind, dict[Outcome, int]] = field(default_factory=dict)
    ended_unanswered: dict[RequestStatus, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return sum(k.answered for k in self.by_kind.values())

    @property
    def on_time(self) -> int:
        return sum(k.on_time for k in self.by_kind.values())

    @property
    def late(self) -> int:
        return self.answered - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def received_total(self) -> int:
        return sum(sum(months) for months in self.received.values())

    @property
    def all_kinds(self) -> KindFigures:
        merged: dict[int, int] = {}
        for figures in self.by_kind.values():
            for value, n in figures.histogram:
                merged[value] = merged.get(value, 0) + n
        return KindFigures(self.answered, self.on_time, sorted(merged.items()))


def answered_in(window: Window):
    """The answered requests of a window, as a WHERE clause."""
    r = SubjectRequest
    return and_(
        r.status == RequestStatus.CLOSED,
        r.closed_at >= window.start_at,
        r.closed_at < window.end_at,
    )


def figures_for(window: Window, *, detail: bool = False) -> Figures:
    """The window's figures from the grouped rows of its months (``portal.reports.months``:
    kept for the months that have ended, counted for the rest), and the pauses begun in it.
    With ``detail`` (the yearly report) also the answers per outcome, the requests per channel
    and the withdrawn and lapsed ones: the same rows hold them."""
    by_kind = {kind: KindFigures() for kind in RequestKind}
    histograms: dict[RequestKind, dict[int, int]] = {kind: {} for kind in RequestKind}
    answered_by_month = [[0, 0] for _ in window.months]
    outcomes = {kind: dict.fromkeys(Outcome, 0) for kind in RequestKind}
    ended_unanswered = dict.fromkeys(ENDED_UNANSWERED, 0)
    received = {kind: [0] * len(window.months) for kind in RequestKind}
    by_channel = dict.fromkeys(Channel, 0)
    extended = 0
    kinds = {kind.value: kind for kind in RequestKind}
    channels = {channel.value: channel for channel in Channel}
    results = {outcome.value: outcome for outcome in Outcome}
    unanswered = {status.value: status for status in ENDED_UNANSWERED}
    for i, month in enumerate(rows_by_month(window)):
        for kind_value, days, on_time, status, outcome, n in month.ended:
            kind = kinds[kind_value]
            if status in unanswered:
                ended_unanswered[unanswered[status]] += n
                continue
            if outcome is not None:
                outcomes[kind][results[outcome]] += n
            by_kind[kind].answered += n
            by_kind[kind].on_time += on_time
            histogram = histograms[kind]
            histogram[days] = histogram.get(days, 0) + n
            answered_by_month[i][0] += on_time
            answered_by_month[i][1] += n - on_time
        for kind_value, channel, n, extended_n in month.received:
            received[kinds[kind_value]][i] += n
            extended += extended_n
            by_channel[channels[channel]] += n
    for kind, histogram in histograms.items():
        by_kind[kind].histogram = sorted(histogram.items())
    return Figures(
        window=window,
        by_kind=by_kind,
        received=received,
        answered_by_month=[(on_time, late) for on_time, late in answered_by_month],
        extended=extended,
        pauses=_pauses(window),
        by_channel=by_channel if detail else {},
        outcomes=outcomes if detail else {},
        ended_unanswered=ended_unanswered if detail else {},
    )


def _pauses(window: Window) -> dict[str, int]:
    """Pauses of the clock begun in the window, by what the controller waited for: identity
    (Art. 12(6)), a clarification, a fee (Art. 12(5)); "" for pauses from before the reason was
    recorded."""
    rows = db.session.execute(
        select(RequestPause.reason, func.count())
        .where(RequestPause.asked_at >= window.start_at, RequestPause.asked_at < window.end_at)
        .group_by(RequestPause.reason)
    )
    return {(reason.value if reason else ""): n for reason, n in rows}


def dashboard_figures(today: date) -> Figures:
    return figures_for(last_twelve_months(today, controller_timezone()))
