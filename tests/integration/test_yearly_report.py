"""The yearly accountability report: the numbers a regulator reads, for a year of requests in
known states, counted in the controller's local days (GDPR Art. 5(2), 12(3)-(5))."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.models import (
    Channel,
    ExcessiveDecision,
    ExcessiveGround,
    ExcessiveMeasure,
    Outcome,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    User,
    utcnow,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def year_2025(app, db, make_request, contact):
    """A year of requests, with the local-day edges that decide a figure."""
    made = {}

    def request(
        name,
        kind,
        received,
        *,
        closed=None,
        due=None,
        status=RequestStatus.CLOSED,
        outcome=Outcome.COMPLETED,
        **values,
    ):
        request_id = make_request()
        subject_request = db.session.get(SubjectRequest, request_id)
        subject_request.kind = kind
        subject_request.received_at = at(received)
        subject_request.closed_at = at(closed) if closed else None
        subject_request.due_on = due or (at(received) + timedelta(days=31)).date()
        subject_request.status = status
        subject_request.outcome = outcome if status is RequestStatus.CLOSED else None
        for name_, value in values.items():
            setattr(subject_request, name_, value)
        db.session.commit()
        made[name] = subject_request
        return subject_request

    access, erasure = RequestKind.ACCESS, RequestKind.ERASURE
    request("A", access, "2025-01-10 09:00", closed="2025-01-20 09:00", due=date(2025, 2, 10))
    # 01:30 in Helsinki on 1 February: a February request.
    request("B", access, "2025-01-31 23:30", closed="2025-02-05 10:00", due=date(2025, 3, 3))
    # Answered at 00:30 in Helsinki on 2 April, the day after its due date: late.
    request(
        "C",
        erasure,
        "2025-03-01 10:00",
        closed="2025-04-01 21:30",
        due=date(2025, 4, 1),
        outcome=Outcome.PARTIALLY_COMPLETED,
        channel=Channel.LETTER,
    )
    # 23:00 in Helsinki on the due date itself: on time.
    request("D", erasure, "2025-05-02 08:00", closed="2025-06-02 20:00", due=date(2025, 6, 2))
    objection = request(
        "E",
        RequestKind.OBJECTION,
        "2025-06-10 09:00",
        closed="2025-06-20 09:00",
        outcome=Outcome.REFUSED,
    )
    request("F", erasure, "2025-07-01 09:00", closed="2025-07-15 09:00", outcome=Outcome.REFUSED)
    request(
        "G", access, "2025-08-01 09:00", closed="2025-08-03 09:00", status=RequestStatus.WITHDRAWN
    )
    request("H", access, "2025-09-01 09:00", closed="2025-09-08 09:00", status=RequestStatus.LAPSED)
    # Received in 2024, answered at 00:30 on New Year's Day 2025 in Helsinki: a 2025 answer.
    request("I", access, "2024-12-05 10:00", closed="2024-12-31 22:30", due=date(2025, 1, 7))
    # Received in 2025, answered in 2026: received this year, answered the next.
    request("J", access, "2025-12-20 10:00", closed="2026-01-05 10:00", due=date(2026, 1, 20))
    fee = request(
        "K",
        erasure,
        "2025-10-01 09:00",
        closed="2025-11-20 09:00",
        due=date(2025, 12, 5),
        period_months=2,
    )
    staff = db.session.scalar(select(User).where(User.email == contact.email))
    db.session.add_all(
        [
            ExcessiveDecision(
                request_id=objection.id,
                measure=ExcessiveMeasure.REFUSAL,
                ground=ExcessiveGround.REPETITIVE,
                reasons="Sama pyyntö kolmannen kerran.",
                decided_by_id=staff.id,
                decided_at=at("2025-06-20 09:00"),
            ),
            ExcessiveDecision(
                request_id=fee.id,
                measure=ExcessiveMeasure.FEE,
                ground=ExcessiveGround.EXCESSIVE,
                reasons="Laaja pyyntö.",
                fee_cents=2000,
                payment_instructions="Tilisiirto.",
                decided_by_id=staff.id,
                decided_at=at("2025-10-02 09:00"),
                paid_on=date(2025, 10, 5),
            ),
        ]
    )
    db.session.commit()
    return made


def test_the_figures_of_a_year(app, db, year_2025):
    from portal.reports.yearly import yearly_report

    with app.test_request_context():
        report = yearly_report(2025)
    figures = report.figures
    # Answered in 2025: A, B, C, D, E, F, I (local New Year's Day) and K; not J (2026).
    assert figures.answered == 8
    assert (figures.on_time, figures.late) == (7, 1)
    access, erasure = figures.by_kind[RequestKind.ACCESS], figures.by_kind[RequestKind.ERASURE]
    # Days: A 10, B 4 (from 1 Feb local), I 27.
    assert sorted(d for d, n in access.histogram for _ in range(n)) == [4, 10, 27]
    assert access.median == 10 and access.p90 == pytest.approx(23.6)
    # C 32 (local 2 April), D 31, F 14, K 50.
    assert erasure.median == pytest.approx(31.5) and erasure.p90 == pytest.approx(44.6)
    assert (erasure.answered, erasure.on_time) == (4, 3)
    # Received per local month: B in February, not January; I in 2024; J in December.
    assert figures.received[RequestKind.ACCESS] == [1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1]
    assert figures.received[RequestKind.ERASURE] == [0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0]
    assert figures.received_total == 10
    # January: A, and I on New Year's Day; April: C, late; June: D and E.
    assert figures.answered_by_month == [
        (2, 0),
        (1, 0),
        (0, 0),
        (0, 1),
        (0, 0),
        (2, 0),
        (1, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (1, 0),
        (0, 0),
    ]
    assert figures.extended == 1
    assert report.by_channel == {
        Channel.PORTAL: 9,
        Channel.LETTER: 1,
        Channel.EMAIL: 0,
        Channel.IN_PERSON: 0,
    }
    assert report.outcomes[RequestKind.ERASURE] == {
        Outcome.COMPLETED: 2,
        Outcome.PARTIALLY_COMPLETED: 1,
        Outcome.REFUSED: 1,
    }
    assert (report.withdrawn, report.lapsed) == (1, 1)
    assert report.refusals_by_ground == {"repetitive": 1}
    assert report.other_refusals[RequestKind.ERASURE] == 1 and report.refusals == 2
    assert report.excessive == {("fee", "excessive"): 1, ("refusal", "repetitive"): 1}
    assert report.fees_paid == 1
    [late] = report.late
    assert late.reference == year_2025["C"].reference
    assert (late.due_on, late.closed_on, late.days_late) == (date(2025, 4, 1), date(2025, 4, 2), 1)


def _row(page: str, header: str) -> list[str]:
    """The cells of the table row whose row header is ``header``."""
    match = re.search(
        r'<th scope="row">' + re.escape(header) + r"</th>(.*?)</tr>", page, flags=re.S
    )
    assert match, f"no row {header!r}"
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def test_the_report_page_says_it_in_the_controllers_language(app, staff_client, db, year_2025):
    response = staff_client.get("/staff/reports/2025")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="fi">' in page
    assert "Tilivelvollisuusraportti 2025" in page
    assert "WProd Oy" in page
    # The late answer, with its dates in Finnish and the honest missing reason.
    cells = _row(page, year_2025["C"].reference)
    assert cells[2:] == ["1.4.2025", "2.4.2025", "1", "ei", "ei kirjattu"]
    assert "Sama pyyntö" not in page  # the reasons sent stay in the request's record
    # Refusals by ground, and Art. 12(5) decisions by ground and measure.
    assert _row(page, "GDPR 12 artiklan 5 kohta: toistuva: toistaa aiempia pyyntöjä") == ["1"]
    assert _row(page, "Muu peruste, kerrottu vastauksen perusteluissa: Tietojen poistaminen") == [
        "1"
    ]
    assert _row(page, "kohtuuton") == ["1", "0"]
    assert _row(page, "toistuva: toistaa aiempia pyyntöjä") == ["0", "1"]
    # Days to answer: the access requests' row (answered, on time, late, rate, median, p90).
    assert _row(page, "Omien tietojen tarkastaminen") == ["3", "3", "0", "100\xa0%", "10", "23,6"]
    assert _row(page, "Tietojen poistaminen") == ["4", "3", "1", "75\xa0%", "31,5", "44,6"]
    assert "87,5\xa0%" in page  # 7 of 8 on time
    assert "<script" not in page


def test_the_report_in_another_language_and_the_year_chooser(app, staff_client, year_2025):
    swedish = staff_client.get("/staff/reports/2025?lang=sv").get_data(as_text=True)
    assert '<html lang="sv">' in swedish
    chosen = staff_client.get("/staff/reports?year=2025")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/staff/reports/2025")
    default = staff_client.get("/staff/reports")
    assert default.headers["Location"].endswith(f"/staff/reports/{utcnow().year - 1}")
    assert staff_client.get("/staff/reports/1999").status_code == 404
    assert staff_client.get("/staff/reports/99999999999999999999").status_code == 404
    empty = staff_client.get("/staff/reports/2010").get_data(as_text=True)
    assert "Yhtään pyyntöä ei vastattu myöhässä vuonna 2010." in empty


def test_a_request_closed_while_the_clock_stood_still_counts_against_its_paused_due_date(
    app, db, make_request, contact
):
    """Asked for identity (the clock stops, Art. 12(6)) before the due date, never answered,
    refused weeks later: the answer is on time, because the days of the pause moved the due
    date; the stored due date is brought up to the one that counted."""
    from portal.extensions import db as portal_db
    from portal.reports.figures import dashboard_figures
    from portal.subject_requests import actions
    from portal.subject_requests.clock import controller_today

    request_id = make_request(received_days_ago=45)
    with app.test_request_context():
        subject_request = portal_db.session.get(SubjectRequest, request_id)
        staff = portal_db.session.get(User, contact.id)
        first_due = subject_request.due_on
        actions.ask_for_information(
            subject_request, staff, "Lähetä henkilöllisyystodistus.", "identity"
        )
        portal_db.session.flush()
        subject_request.open_pause.asked_at = subject_request.received_at + timedelta(days=5)
        portal_db.session.commit()
        actions.resolve(subject_request, staff, Outcome.REFUSED, "Henkilöllisyys ei vahvistunut.")
        portal_db.session.commit()
        assert subject_request.due_on >= first_due + timedelta(days=39)
        figures = dashboard_figures(controller_today())
    assert (figures.answered, figures.on_time) == (1, 1)
