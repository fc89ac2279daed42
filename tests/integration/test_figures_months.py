"""The figures of ended months are kept (portal.reports.months) and are the same as figures
counted from scratch after every kind of change: a new request, closing, an extension, a pause,
reopening, a change to an old month's request, a deletion, the month rolling over; and two
first views at once both succeed and keep one row per month."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import FiguresMonth, Outcome, RequestKind, RequestStatus, SubjectRequest, utcnow
from portal.reports import figures as figures_module
from portal.reports import months
from portal.reports.calendar import calendar_year, last_twelve_months


def _window(app, now: datetime | None = None):
    from portal.deadlines import local_date

    timezone = app.config["BABEL_DEFAULT_TIMEZONE"]
    return last_twelve_months(local_date(now or utcnow(), timezone), timezone)


def _figures(app, window, monkeypatch=None):
    with app.test_request_context():
        return figures_module.figures_for(window, detail=True)


def _from_scratch(app, window, monkeypatch):
    """The figures counted over the whole window in one pass, nothing kept."""
    with monkeypatch.context() as patch:
        patch.setattr(figures_module, "rows_by_month", months.count)
        return _figures(app, window)


def _counted(monkeypatch) -> list:
    """The windows ``months.count`` counts from now on."""
    seen = []
    original = months.count

    def count(window):
        seen.append(window.months)
        return original(window)

    monkeypatch.setattr(months, "count", count)
    return seen


def _update(db, request_id: int, **values) -> None:
    subject_request = db.session.get(SubjectRequest, request_id)
    for name, value in values.items():
        setattr(subject_request, name, value)
    db.session.commit()


def _settle(db) -> None:
    """Every request's last change well in the past, as in a database that has been in use:
    a kept month is trusted only once its last change has settled (months.SETTLE)."""
    db.session.execute(update(SubjectRequest).values(updated_at=utcnow() - timedelta(days=1)))
    db.session.commit()


@pytest.fixture
def history(app, db, make_request):
    """Requests received and answered in the months before this one."""
    start = datetime.now(UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    made = {}
    for n, (kind, received_days, answered_days, late) in enumerate(
        (
            (RequestKind.ACCESS, 100, 10, False),
            (RequestKind.ACCESS, 95, 40, True),
            (RequestKind.ERASURE, 70, 5, False),
            (RequestKind.RECTIFICATION, 65, 25, False),
            (RequestKind.ACCESS, 40, None, False),
            (RequestKind.ERASURE, 35, None, False),
        )
    ):
        request_id = make_request(kind=kind)
        received = start - timedelta(days=received_days)
        values = {"received_at": received, "due_on": (received + timedelta(days=30)).date()}
        if answered_days is not None:
            closed = received + timedelta(days=answered_days)
            values |= {
                "status": RequestStatus.CLOSED,
                "outcome": Outcome.REFUSED if n == 3 else Outcome.COMPLETED,
                "closed_at": closed,
                "due_on": (closed - timedelta(days=1 if late else -1)).date(),
            }
        _update(db, request_id, **values)
        made[n] = request_id
    _settle(db)
    return made


def test_kept_months_equal_figures_from_scratch_after_every_change(
    app, db, make_request, history, monkeypatch
):
    window = _window(app)
    scratch = _from_scratch(app, window, monkeypatch)
    counted = _counted(monkeypatch)
    assert _figures(app, window) == scratch
    assert scratch.answered == 4 and scratch.received_total == 6
    ended_months = {ms[0] for ms in counted if ms != window.months[-1:]}
    with app.app_context():
        kept = set(db.session.scalars(select(FiguresMonth.month)))
    assert kept == ended_months and kept  # the months with requests, each counted once

    # Viewed again: only the current month is counted.
    counted.clear()
    assert _figures(app, window) == scratch
    assert counted == [window.months[-1:]]

    start = datetime.now(UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    changes = [
        # closing an old month's open request today; with its answer dated in an old month
        lambda: _update(
            db,
            history[4],
            status=RequestStatus.CLOSED,
            outcome=Outcome.COMPLETED,
            closed_at=utcnow(),
        ),
        lambda: _update(db, history[5], closed_at=start - timedelta(days=20)),
        lambda: _update(
            db, history[5], status=RequestStatus.CLOSED, outcome=Outcome.PARTIALLY_COMPLETED
        ),
        # an extension (Art. 12(3)) and a pause (Art. 12(6)) of an old month's request
        lambda: _update(db, history[4], period_months=3),
        lambda: _update(db, history[4], status=RequestStatus.WAITING),
        # answers of old months changed: the due date (late), the outcome, reopened
        lambda: _update(db, history[0], due_on=(start - timedelta(days=95)).date()),
        lambda: _update(db, history[3], outcome=Outcome.COMPLETED),
        lambda: _update(db, history[1], status=RequestStatus.OPEN, closed_at=None, outcome=None),
        lambda: _update(db, history[2], status=RequestStatus.WITHDRAWN, outcome=None),
        # a request registered today that was received by letter months ago
        lambda: _update(
            db, make_request(kind=RequestKind.ACCESS), received_at=start - timedelta(days=50)
        ),
        # a request deleted
        lambda: (
            db.session.delete(db.session.get(SubjectRequest, history[3])),
            db.session.commit(),
        ),
    ]
    for change in changes:
        with app.app_context():
            change()
        expected = _from_scratch(app, window, monkeypatch)
        assert _figures(app, window) == expected
        assert _figures(app, window) == expected
        _settle(db)


def test_a_month_that_ends_is_kept_and_the_year_report_agrees(
    app, db, make_request, history, monkeypatch
):
    # A new request this month, then the month rolls over: it is kept with the others.
    _update(db, make_request(kind=RequestKind.ACCESS), outcome=None)
    _settle(db)
    later = datetime.now(UTC).replace(day=1) + timedelta(days=40)
    monkeypatch.setattr(months, "utcnow", lambda: later)
    window = _window(app, later)
    expected = _from_scratch(app, window, monkeypatch)
    assert _figures(app, window) == expected
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FiguresMonth)) >= 4
    counted = _counted(monkeypatch)
    assert _figures(app, window) == expected
    assert counted == [window.months[-1:]]
    timezone = app.config["BABEL_DEFAULT_TIMEZONE"]
    for year in {m.year for m in window.months}:
        year_window = calendar_year(year, timezone)
        assert _figures(app, year_window) == _from_scratch(app, year_window, monkeypatch)


def test_two_first_views_at_once_both_succeed_and_keep_one_row_per_month(
    app, db, history, monkeypatch
):
    window = _window(app)
    expected = _from_scratch(app, window, monkeypatch)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def view():
        try:
            with app.test_request_context():
                from portal.extensions import db as portal_db

                barrier.wait(timeout=10)
                results.append(figures_module.figures_for(window, detail=True))
                portal_db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=view) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert results == [expected, expected]
    with app.app_context():
        rows = db.session.execute(
            select(FiguresMonth.month, func.count()).group_by(FiguresMonth.month)
        ).all()
    assert rows and all(n == 1 for _month, n in rows)
    assert _figures(app, window) == expected


def test_the_dashboard_page_keeps_the_ended_months(app, db, staff_client, history):
    # The page's own session must not hold the database while the months are written (SQLite
    # would wait for it, then give up): after one view they are kept.
    assert staff_client.get("/staff/dashboard").status_code == 200
    with app.app_context():
        kept = db.session.scalar(select(func.count()).select_from(FiguresMonth))
    assert kept >= 3
    assert staff_client.get(f"/staff/reports/{utcnow().year - 1}").status_code == 200


def test_a_kept_month_is_parsed_once_and_a_rewritten_one_is_counted(app, db, history, monkeypatch):
    """A worker parses a kept month's stored rows once (its fingerprint and time of counting
    name them); a month whose stored row changes between the two reads is counted again, never
    shown empty."""
    from tests.integration.pages import sql_statements

    window = _window(app)
    expected = _from_scratch(app, window, monkeypatch)
    assert _figures(app, window) == expected  # counts and keeps the ended months
    months._PARSED.clear()
    with sql_statements(app) as seen:
        assert _figures(app, window) == expected  # parses what was kept
    assert any("figures_month.data" in s for s in seen)
    counted = _counted(monkeypatch)
    with sql_statements(app) as seen:
        assert _figures(app, window) == expected
    assert not any("figures_month.data" in s for s in seen)
    assert counted == [window.months[-1:]]  # only the month still running

    # Another view rewrites every kept month between this view's two reads of them (as under
    # PostgreSQL's READ COMMITTED): the stored rows no longer match what was named, and the
    # months are counted here instead.
    from sqlalchemy import event

    from portal.extensions import db as database

    months._PARSED.clear()
    with app.app_context():
        kept = database.session.scalar(select(func.count()).select_from(FiguresMonth))
    assert kept >= 3

    def rewrite_first(_connection, cursor, statement, *_args):
        if "figures_month.data" in statement:
            cursor.execute("UPDATE figures_month SET fingerprint = fingerprint || '-'")

    with app.app_context():
        engine = database.engine
    event.listen(engine, "before_cursor_execute", rewrite_first)
    try:
        counted.clear()
        assert _figures(app, window) == expected
    finally:
        event.remove(engine, "before_cursor_execute", rewrite_first)
    # Each kept month counted on its own, and the running month.
    assert len(counted) == kept + 1


def test_equal_rows_of_kept_months_are_held_once(monkeypatch):
    """A worker holds each distinct row of the kept months once, its words once too, however
    many months repeat it (issue 14: 2.7 MB of copies at 100,000 requests)."""
    monkeypatch.setattr(months, "_PARSED", {})
    monkeypatch.setattr(months, "_ROWS", {})
    data = json.dumps(
        {
            "ended": [
                ["access", 3, 1, "closed", "completed", 1],
                ["erasure", 0, 1, "lapsed", None, 1],
            ],
            "received": [["access", "email", 1, 0]],
        }
    )
    first = months._parsed(("first",), data)
    second = months._parsed(("second",), data)
    expected = months.MonthRows(
        [("access", 3, 1, "closed", "completed", 1), ("erasure", 0, 1, "lapsed", None, 1)],
        [("access", "email", 1, 0)],
    )
    assert first == expected
    assert second == expected
    pairs = zip(first.ended + first.received, second.ended + second.received, strict=True)
    assert all(a is b for a, b in pairs)
    assert first.ended[0][0] is first.received[0][0]


def test_a_month_changed_just_now_is_counted_but_not_kept_until_it_settles(
    app, db, history, monkeypatch
):
    """Kept within SETTLE of its last change, a month would not be trusted, and every view would
    write it again: it is counted on each view and kept by the first view after it settles."""
    window = _window(app)
    expected = _from_scratch(app, window, monkeypatch)
    assert _figures(app, window) == expected  # keeps the ended months
    # A request of an ended month changes just now.
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == history[0])
        .values(description="Muutettu juuri nyt.", updated_at=utcnow())
    )
    db.session.commit()

    def kept() -> dict:
        db.session.expire_all()
        return {row.month: row.counted_at for row in db.session.scalars(select(FiguresMonth))}

    before = kept()
    counted = _counted(monkeypatch)
    assert _figures(app, window) == expected
    assert _figures(app, window) == expected
    recounted = [one for one in counted if one != window.months[-1:]]
    # The months of the change (received in one, closed in the next) counted on both views,
    # and no kept row written either time.
    half = len(recounted) // 2
    assert half >= 1 and recounted[:half] == recounted[half:]
    changed = {one[0] for one in recounted}
    assert kept() == before

    later = utcnow() + months.SETTLE + timedelta(seconds=5)
    monkeypatch.setattr(months, "utcnow", lambda: later)
    assert _figures(app, window) == expected
    after = kept()
    assert all(after[month] == later for month in changed)
    assert {m: t for m, t in after.items() if m not in changed} == {
        m: t for m, t in before.items() if m not in changed
    }


def test_the_requests_received_in_a_month_are_counted_from_an_index(app, db_backend):
    """The running month is counted on every view of the dashboard: its received requests by
    type, channel and extension come from the (received_at, ...) index alone, without reading
    each request (issue 14: 25 ms at 8,000 a month on SQLite)."""
    from tests.integration.pages import query_plans

    window = _window(app)
    with app.test_request_context():
        plans = query_plans(app, lambda: months.count(window), "subject_request")
    received = [plan for plan in plans if any("received_figures" in line for line in plan)]
    assert received, plans
    if not db_backend.startswith("postgresql"):
        # SQLite names an index read without the table a covering one.
        assert any(
            "COVERING INDEX ix_subject_request_received_figures" in line for line in received[0]
        )
    else:
        assert any("Index Only Scan" in line for line in received[0]), received[0]
