"""The demo's requests (issue 13, item 8): after `flask demo seed` the queue shows a working day —
overdue, due today, waiting, extended, answered with each outcome, unconfirmed and lapsed — made
through the services (real due dates, audit events, letters), and seeding twice adds nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.models import AuditEvent, Outcome, RequestStatus, SubjectRequest


def seed(app, contact):
    from portal.cli.demo_requests import seed_requests
    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        return seed_requests(db.session.get(User, contact.id))


def count_on(page: str) -> int:
    """The number of requests the queue page says it holds."""
    found = re.search(r"<span>(\d+) (?:pyyntö|pyyntöä|request|requests)</span>", page)
    assert found, page[:2000]
    return int(found.group(1))


def test_seed_fills_every_state_of_the_queue(app, staff_client, contact, db):
    from portal.cli.demo_requests import STORIES, _receipt_due_today
    from portal.subject_requests.clock import controller_today

    with app.app_context():
        due_today_possible = _receipt_due_today(controller_today()) is not None
    added, kept = seed(app, contact)
    assert kept == 0
    assert added == len(STORIES) - (0 if due_today_possible else 2)

    assert count_on(staff_client.get("/staff/?due=overdue").get_data(as_text=True)) > 0
    assert count_on(staff_client.get("/staff/?status=waiting").get_data(as_text=True)) > 0
    assert count_on(staff_client.get("/staff/?due=week").get_data(as_text=True)) > 0
    if due_today_possible:  # a period never ends on a weekend or a public holiday
        assert count_on(staff_client.get("/staff/?due=today").get_data(as_text=True)) > 0
    assert count_on(staff_client.get("/staff/closed").get_data(as_text=True)) > 0
    unconfirmed = staff_client.get("/staff/unconfirmed").get_data(as_text=True)
    assert count_on(unconfirmed) == 4

    by_state = dict(
        db.session.execute(
            select(SubjectRequest.status, func.count()).group_by(SubjectRequest.status)
        ).all()
    )
    for status in RequestStatus:
        assert by_state.get(status, 0) > 0, status
    outcomes = set(db.session.scalars(select(SubjectRequest.outcome)))
    assert {Outcome.COMPLETED, Outcome.PARTIALLY_COMPLETED, Outcome.REFUSED} <= outcomes
    assert db.session.scalar(select(func.count()).where(SubjectRequest.period_months == 3)) == 3
    # Messages and notes, on the audit trail as the services write them.
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "note",
        "message.staff",
        "message.requester",
        "request.info_requested",
        "request.extended",
        "request.resolved",
        "request.registered",
        "request.lapsed",
        "request.withdrawn",
    } <= actions


def test_seeding_twice_adds_nothing(app, contact, db):
    added, _kept = seed(app, contact)
    before = db.session.scalar(select(func.count()).select_from(SubjectRequest))
    again, kept = seed(app, contact)
    assert again == 0 and kept == added
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == before


def test_answered_requests_keep_their_story_dates(app, contact, db):
    """Closed some days after receipt, so the register's days taken and on time mean something:
    one answer was late."""
    seed(app, contact)
    closed = db.session.scalars(
        select(SubjectRequest).where(SubjectRequest.status == RequestStatus.CLOSED)
    ).all()
    late = [r for r in closed if r.closed_at.date() > r.due_on]
    assert late and len(late) < len(closed)
    assert all(r.closed_at > r.received_at for r in closed)
