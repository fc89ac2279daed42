"""The staff dashboard: counts that lead to the queue, the figures of the last 12 months as SVG
plots with their tables, the same few SQL statements for any number of requests, staff only."""

from __future__ import annotations

import random
import re
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from portal.models import (
    ArrivalSource,
    IncomingMessage,
    IncomingState,
    Outcome,
    PauseReason,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    utcnow,
)
from portal.reports.calendar import calendar_year, last_twelve_months, utc_offsets
from portal.reports.figures import percentile
from tests.conftest import submit
from tests.integration.conftest import STAFF_PASSWORD
from tests.integration.pages import sql_statements


def _today(app) -> date:
    from portal.subject_requests.clock import controller_today

    with app.app_context():
        return controller_today()


def _update(db, request_id: int, **values) -> None:
    subject_request = db.session.get(SubjectRequest, request_id)
    for name, value in values.items():
        setattr(subject_request, name, value)
    db.session.commit()


def _message(db, n: int, state: IncomingState) -> None:
    db.session.add(
        IncomingMessage(
            mailbox="tietosuoja@wprod.fi/INBOX",
            uidvalidity=1,
            uid=n,
            sender=f"lahettaja{n}@example.fi",
            subject="Tietopyyntö",
            arrived_at=utcnow(),
            arrival_source=ArrivalSource.INTERNALDATE,
            storage_key=f"dashboard-test-{n}",
            raw_size=10,
            stored_size=10,
            raw_sha256="0" * 64,
            state=state,
        )
    )
    db.session.commit()


def _count(page: str, href: str) -> int:
    """The number on the count card that links to ``href``."""
    match = re.search(r'<a href="' + re.escape(href) + r'"><span class="count">(\d+)</span>', page)
    assert match, f"no count card linking to {href!r}"
    return int(match.group(1))


def test_counts_of_the_working_day_link_to_the_filtered_queue(
    app, staff_client, make_request, db, contact
):
    today = _today(app)
    overdue = make_request(received_days_ago=40)
    due_today = make_request()
    _update(db, due_today, due_on=today)
    due_soon = make_request()
    _update(db, due_soon, due_on=today + timedelta(days=5))
    make_request()  # due in a month
    # Waiting for the requester, its stored due date past: the clock stands still, so it is
    # not overdue (GDPR Art. 12(6)).
    waiting = make_request(received_days_ago=40)
    _update(db, waiting, status=RequestStatus.WAITING)
    db.session.add(RequestPause(request_id=waiting, asked_at=utcnow(), reason=PauseReason.IDENTITY))
    db.session.commit()
    from portal.models import User

    assigned = make_request()
    _update(db, assigned, assignee=db.session.get(User, contact.id))
    make_request(confirmed=False)
    closed = make_request(received_days_ago=50)
    _update(db, closed, status=RequestStatus.CLOSED, outcome=Outcome.COMPLETED, closed_at=utcnow())
    for n, state in enumerate(
        [IncomingState.NEW, IncomingState.WAITING, IncomingState.NOT_REQUEST, IncomingState.NEW]
    ):
        _message(db, n, state)

    response = staff_client.get("/staff/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The contact person is the default assignee of new requests: count the unassigned in SQL.
    unassigned = db.session.scalar(
        select(func.count()).where(
            SubjectRequest.status.in_([RequestStatus.OPEN, RequestStatus.WAITING]),
            SubjectRequest.assignee_id.is_(None),
        )
    )
    assert _count(page, "/staff/?status=open&amp;due=overdue") == 1
    assert _count(page, "/staff/?status=open&amp;due=today") == 1
    # Today up to a week from now, as the queue's filter: due today and due in 5 days.
    assert _count(page, "/staff/?status=open&amp;due=week") == 2
    assert _count(page, "/staff/?status=waiting") == 1
    assert _count(page, "/staff/?assignee=none") == unassigned
    assert _count(page, "/staff/unconfirmed?status=unconfirmed") == 1
    assert _count(page, "/staff/inbox") == 3
    # Open and waiting: all but the unconfirmed and the closed one.
    assert _count(page, "/staff/") == 6
    assert overdue and closed

    # Each count's link opens the queue filtered the same way.
    listed = staff_client.get("/staff/?status=open&due=overdue").get_data(as_text=True)
    reference = db.session.get(SubjectRequest, overdue).reference
    assert reference in listed
    assert db.session.get(SubjectRequest, waiting).reference not in listed


def test_staff_land_on_the_dashboard_after_signing_in(app, client, contact):
    response = submit(client, "/login", {"email": "ville@wprod.fi", "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    from tests.conftest import totp_code

    done = submit(client, "/login/code", {"code": totp_code(app, "ville@wprod.fi")})
    assert done.headers["Location"] == "/staff/dashboard"
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'href="/staff/dashboard"' in page  # in the staff navigation


def test_the_dashboard_is_for_staff_only(app, client, make_user, login, make_request):
    make_request()
    assert client.get("/staff/dashboard").status_code == 302  # to sign in
    assert client.get("/staff/reports/2025").status_code == 302
    make_user()
    login()
    assert client.get("/staff/dashboard").status_code == 403
    assert client.get("/staff/reports/2025").status_code == 403
    assert client.get("/staff/reports").status_code == 403


def _closed(db, make_request, kind, received: datetime, closed: datetime, due: date) -> int:
    request_id = make_request(kind=kind)
    _update(
        db,
        request_id,
        received_at=received,
        closed_at=closed,
        due_on=due,
        status=RequestStatus.CLOSED,
        outcome=Outcome.COMPLETED,
    )
    return request_id


def test_figures_of_the_last_twelve_months(app, staff_client, make_request, db):
    today = _today(app)
    this_month = datetime(today.year, today.month, 1, 12, tzinfo=UTC)
    # Access: answered in 2, 4, 6, 8 and 30 days; the last one a day late.
    for days in (2, 4, 6, 8):
        received = this_month - timedelta(days=40)
        _closed(
            db,
            make_request,
            RequestKind.ACCESS,
            received,
            received + timedelta(days=days),
            (received + timedelta(days=30)).date(),
        )
    received = this_month - timedelta(days=60)
    _closed(
        db,
        make_request,
        RequestKind.ACCESS,
        received,
        received + timedelta(days=30),
        (received + timedelta(days=29)).date(),
    )
    # Answered before the window: not counted.
    old = this_month - timedelta(days=800)
    _closed(db, make_request, RequestKind.ERASURE, old, old + timedelta(days=3), old.date())

    with app.test_request_context():
        from portal.reports.figures import dashboard_figures

        figures = dashboard_figures(today)
    access = figures.by_kind[RequestKind.ACCESS]
    assert (access.answered, access.on_time) == (5, 4)
    assert access.median == 6
    assert access.p90 == pytest.approx(
        statistics.quantiles([2, 4, 6, 8, 30], n=10, method="inclusive")[-1]
    )
    assert access.p90 == pytest.approx(21.2)
    assert figures.by_kind[RequestKind.ERASURE].answered == 0
    assert figures.on_time_rate == pytest.approx(0.8)

    page = staff_client.get("/staff/dashboard").get_data(as_text=True)
    assert "80\xa0%" in page  # the on-time rate, in Finnish
    assert "21,2" in page  # the 90th percentile of the access requests, in days


def test_the_plots_are_inline_svg_with_nothing_that_runs_or_styles_inline(
    app, staff_client, make_request, db
):
    make_request(kind=RequestKind.ACCESS)
    answered = make_request(kind=RequestKind.ERASURE, received_days_ago=3)
    _update(
        db, answered, status=RequestStatus.CLOSED, outcome=Outcome.COMPLETED, closed_at=utcnow()
    )
    response = staff_client.get("/staff/dashboard")
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in csp and "script-src 'self'" in csp
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and "aria-label=" in svg
        assert "<script" not in svg and "<style" not in svg and "style=" not in svg
        assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in svg
    # The numbers of each plot are in a table for screen readers.
    assert page.count("<figure") == page.count('<table class="figures-table">') == 3
    assert "<caption" in page


def test_a_hostile_type_name_in_a_plot_is_text_not_markup(app):
    from portal.reports import plots

    svg = plots.stacked_bars("<b>x</b>", ["1/26"], {'<script>alert(1)</script>"': [1]})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-label="&lt;b&gt;x&lt;/b&gt;"' in svg


@pytest.mark.parametrize("page", ["dashboard", "yearly report"])
def test_the_number_of_sql_statements_does_not_grow_with_the_requests(
    app, staff_client, make_request, db, page
):

    # The yearly report of this year: the requests closed now are in it.
    path = {
        "dashboard": "/staff/dashboard",
        "yearly report": f"/staff/reports/{utcnow().year}",
    }[page]

    def statements() -> int:
        with sql_statements(app) as seen:
            assert staff_client.get(path).status_code == 200
        return len(seen)

    def add(n: int) -> None:
        kinds = list(RequestKind)
        for i in range(n):
            request_id = make_request()
            _update(db, request_id, kind=kinds[i % len(kinds)])
            if i % 2:
                _update(
                    db,
                    request_id,
                    status=RequestStatus.CLOSED,
                    outcome=Outcome.COMPLETED,
                    closed_at=utcnow(),
                )

    add(3)
    few = statements()
    add(30)
    assert statements() == few


def test_percentile_matches_the_usual_definition():
    """Linear interpolation between the nearest ranks, as statistics.quantiles' inclusive
    method and PostgreSQL's percentile_cont, from a histogram of whole days."""
    generator = random.Random(13)
    assert percentile([], 0.5) is None
    assert percentile([(7, 1)], 0.9) == 7
    for _ in range(200):
        values = [generator.randint(0, 120) for _ in range(generator.randint(2, 60))]
        histogram = {}
        for value in values:
            histogram[value] = histogram.get(value, 0) + 1
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert percentile(list(histogram.items()), 0.5) == pytest.approx(statistics.median(values))
        assert percentile(list(histogram.items()), 0.9) == pytest.approx(deciles[-1])


def test_percentile_agrees_with_postgresql(db, db_backend):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("percentile_cont is PostgreSQL's")
    generator = random.Random(5)
    values = [generator.randint(0, 90) for _ in range(37)]
    median, p90 = db.session.execute(
        text(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY v) "
            "FROM unnest(CAST(:values AS integer[])) AS t(v)"
        ),
        {"values": values},
    ).one()
    histogram = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    assert percentile(list(histogram.items()), 0.5) == pytest.approx(median)
    assert percentile(list(histogram.items()), 0.9) == pytest.approx(p90)


def test_local_dates_in_sql_match_python_across_daylight_saving(app, db, make_request):
    """The database's local date of a moment is Python's, on both sides of each transition."""
    from portal.deadlines import local_date
    from portal.reports.figures import local_dates

    request_id = make_request()
    window = calendar_year(2026, "Europe/Helsinki")
    moments = []
    for change, _offset in utc_offsets("Europe/Helsinki", 2026, 2026)[1:]:
        for delta in (-1, 0, 1):
            moments.append(change + timedelta(hours=delta))
    moments += [
        datetime(2026, 12, 31, 21, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 22, tzinfo=UTC),
    ]
    with app.test_request_context():
        for moment in moments:
            _update(db, request_id, closed_at=moment + timedelta(minutes=30))
            local = local_dates(window)
            got = db.session.scalar(
                select(local.date_of(SubjectRequest.closed_at)).where(
                    SubjectRequest.id == request_id
                )
            )
            got = got if isinstance(got, date) else date.fromisoformat(got)
            assert got == local_date(moment + timedelta(minutes=30)), moment


def test_windows_are_whole_local_months():
    window = last_twelve_months(date(2026, 1, 15), "Europe/Helsinki")
    assert window.months[0] == date(2025, 2, 1) and window.months[-1] == date(2026, 1, 1)
    assert window.end_day == date(2026, 2, 1)
    # Midnight in Helsinki is 22:00 or 21:00 UTC the day before.
    assert window.start_at == datetime(2025, 1, 31, 22, tzinfo=UTC)
    assert calendar_year(2026, "Europe/Helsinki").boundaries[3] == datetime(
        2026, 3, 31, 21, tzinfo=UTC
    )
