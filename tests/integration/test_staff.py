"""The contact person's queue and ticket work, and who may see what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import (
    AuditEvent,
    Outcome,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
    utcnow,
)
from tests.conftest import submit, text_of
from tests.integration.conftest import ticket
from tests.integration.pages import sql_statements


def test_queue_is_sorted_by_due_date_and_shows_days_left(staff_client, make_request, db):
    recent = make_request()
    older = make_request(received_days_ago=40)  # overdue
    page = staff_client.get("/staff/").get_data(as_text=True)
    references = dict(db.session.execute(select(SubjectRequest.id, SubjectRequest.reference)).all())
    assert page.index(references[older]) < page.index(references[recent])
    assert "due-overdue" in page
    assert "due-ok" in page


def test_queue_filters(staff_client, make_request, db, make_user):
    overdue = make_request(received_days_ago=40)
    access = make_request(kind=RequestKind.ACCESS)
    references = dict(db.session.execute(select(SubjectRequest.id, SubjectRequest.reference)).all())
    only_overdue = staff_client.get("/staff/?due=overdue").get_data(as_text=True)
    assert references[overdue] in only_overdue and references[access] not in only_overdue
    only_access = staff_client.get("/staff/?kind=access").get_data(as_text=True)
    assert references[access] in only_access and references[overdue] not in only_access
    found = staff_client.get(f"/staff/?q={references[access].lower()}").get_data(as_text=True)
    assert references[access] in found and references[overdue] not in found
    by_email = staff_client.get("/staff/?q=HENKILO0@").get_data(as_text=True)
    assert references[overdue] in by_email and references[access] not in by_email


def test_queue_query_count_does_not_grow_with_page_size(app, staff_client, make_request):

    for _ in range(101):
        make_request()

    def queries_for(page_size: int) -> int:
        app.config["STAFF_QUEUE_PAGE_SIZE"] = page_size
        with sql_statements(app) as statements:
            assert staff_client.get("/staff/").status_code == 200
        return len(statements)

    assert queries_for(10) == queries_for(100)


def test_reply_reaches_the_requester_by_email_and_on_their_page(
    app, staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    deliver()
    response = ticket(staff_client, request_id, "reply", {"body": "Tietonne on poistettu."})
    assert response.status_code == 302
    deliver()
    subject_request = db.session.get(SubjectRequest, request_id)
    requester_email = subject_request.requester.email
    assert "Tietonne on poistettu." in text_of(mailbox.to(requester_email)[-1])

    requester = app.test_client()
    submit(requester, "/login", {"email": requester_email, "password": "kettu juoksee metsässä"})
    page = requester.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Tietonne on poistettu." in page


def test_internal_note_is_never_shown_to_the_requester(
    app, staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    ticket(staff_client, request_id, "note", {"body": "Tarkista laskutusjärjestelmä."})
    assert "Tarkista laskutusjärjestelmä." in staff_client.get(
        f"/staff/requests/{request_id}"
    ).get_data(as_text=True)
    email = db.session.get(SubjectRequest, request_id).requester.email
    requester = app.test_client()
    submit(requester, "/login", {"email": email, "password": "kettu juoksee metsässä"})
    assert "Tarkista laskutusjärjestelmä." not in requester.get(f"/requests/{request_id}").get_data(
        as_text=True
    )
    deliver()
    assert all("Tarkista" not in text_of(m) for m in mailbox.to(email))


def test_asking_for_information_pauses_the_clock_until_the_reply(
    app, staff_client, make_request, db
):
    from portal.deadlines import due_date, local_date
    from portal.models import RequestPause

    request_id = make_request(received_days_ago=10)
    ticket(
        staff_client,
        request_id,
        "ask",
        {"body": "Kertokaa asiakasnumeronne.", "purpose": "identity"},
    )
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.WAITING
    due_before = subject_request.due_on

    # Three days pass while the contact person waits for the answer.
    pause = db.session.scalar(select(RequestPause).where(RequestPause.request_id == request_id))
    pause.asked_at = utcnow() - timedelta(days=3)
    db.session.commit()

    email = subject_request.requester.email
    requester = app.test_client()
    submit(requester, "/login", {"email": email, "password": "kettu juoksee metsässä"})
    submit(
        requester,
        f"/requests/{request_id}/reply",
        {"body": "A-123"},
        page=f"/requests/{request_id}",
    )
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN
    # The three days the clock stood still are added (then rolled to a working day).
    received_on = local_date(subject_request.received_at)
    assert subject_request.due_on == due_date(received_on, paused_days=3)
    resumed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.resumed"))
    assert resumed.details["due_on"] == [due_before.isoformat(), subject_request.due_on.isoformat()]


def test_extension_needs_reasons_and_tells_the_requester(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    empty = ticket(staff_client, request_id, "extend", {"months": "3", "reason": ""})
    assert empty.status_code == 400
    assert db.session.get(SubjectRequest, request_id).period_months == 1

    done = ticket(
        staff_client,
        request_id,
        "extend",
        {"months": "3", "reason": "Tiedot on haettava kolmesta järjestelmästä."},
    )
    assert done.status_code == 302
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.period_months == 3
    received = subject_request.received_at.date()
    assert subject_request.due_on >= received + timedelta(days=89)
    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert "Tiedot on haettava kolmesta järjestelmästä." in letter
    due = subject_request.due_on
    assert f"{due.day}.{due.month}.{due.year}" in letter


def test_extension_after_the_due_date_is_refused(staff_client, make_request, db):
    request_id = make_request(received_days_ago=40)
    response = ticket(staff_client, request_id, "extend", {"months": "3", "reason": "Kiire."})
    assert response.status_code == 409
    assert db.session.get(SubjectRequest, request_id).period_months == 1


def test_refusal_needs_reasons_and_tells_of_the_right_to_complain(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    no_reasons = ticket(staff_client, request_id, "resolve", {"outcome": "refused", "reasons": ""})
    assert no_reasons.status_code == 409
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN

    ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "refused", "reasons": "Laskutustiedot on säilytettävä kirjanpitolain nojalla."},
    )
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.CLOSED
    assert subject_request.outcome is Outcome.REFUSED
    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert "kirjanpitolain nojalla" in letter
    assert "Tietosuojavaltuutetun toimisto" in letter
    assert "tietosuoja@om.fi" in letter

    # Closing it again is not a change the lifecycle allows: nothing changes.
    again = ticket(staff_client, request_id, "resolve", {"outcome": "completed", "reasons": ""})
    assert again.status_code == 409
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request_id).outcome is Outcome.REFUSED


def test_assign_to_another_staff_member(
    staff_client, make_request, make_user, db, mailbox, deliver
):
    colleague = make_user(email="kalle@wprod.fi", name="Kalle", role=Role.STAFF)
    request_id = make_request()
    ticket(staff_client, request_id, "assign", {"assignee": str(colleague.id)})
    assert db.session.get(SubjectRequest, request_id).assignee_id == colleague.id
    deliver()
    assert mailbox.to("kalle@wprod.fi")


def test_ticket_shows_the_requesters_earlier_requests(staff_client, make_request, make_user, db):
    person = make_user(email="toistuva@example.fi", name="Toistuva")
    first = make_request(person, RequestKind.ACCESS)
    second = make_request(person, RequestKind.ERASURE)
    first_reference = db.session.get(SubjectRequest, first).reference
    page = staff_client.get(f"/staff/requests/{second}").get_data(as_text=True)
    assert first_reference in page


def test_requester_cannot_reach_staff_pages(client, make_request, make_user, login):
    request_id = make_request()
    make_user(email="utelias@example.fi", name="Utelias")
    login("utelias@example.fi")
    for url in ["/staff/", "/staff/unconfirmed", "/staff/closed", f"/staff/requests/{request_id}"]:
        assert client.get(url).status_code == 403, url
    for action in ["reply", "note", "ask", "resume", "extend", "assign", "resolve"]:
        response = submit(client, f"/staff/requests/{request_id}/{action}", {"body": "x"}, page="/")
        assert response.status_code == 403, action


def test_requester_never_sees_or_acts_on_another_persons_request(
    client, db, make_request, make_user, login
):
    request_id = make_request()
    make_user(email="utelias@example.fi", name="Utelias")
    login("utelias@example.fi")
    assert client.get(f"/requests/{request_id}").status_code == 404
    for action in ["reply", "withdraw"]:
        response = submit(client, f"/requests/{request_id}/{action}", {"body": "x"}, page="/")
        assert response.status_code == 404, action
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.request_id == request_id)
    ).all()
    assert "message.requester" not in events
    assert client.get("/requests/999999").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, make_request):
    request_id = make_request()
    for url in ["/requests/", f"/requests/{request_id}", "/staff/", "/requests/new/access"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_audit_events_cannot_be_changed(app, make_request):
    from portal.extensions import db as portal_db

    make_request()
    with app.app_context():
        event_row = portal_db.session.scalar(select(AuditEvent))
        event_row.body = "muutettu"
        with pytest.raises(RuntimeError, match="append-only"):
            portal_db.session.commit()
        portal_db.session.rollback()


def test_due_dates_follow_the_finnish_calendar():
    from portal.deadlines import due_date

    # 24 Nov 2026 + 1 month = Thu 24 Dec (Christmas Eve), then Christmas, a weekend: Mon 28 Dec.
    assert due_date(date(2026, 11, 24)) == date(2026, 12, 28)


def test_daily_reminders_are_sent_once(
    app, runner, make_request, contact, make_user, db, mailbox, deliver
):
    from portal.subject_requests.reminders import send_reminders

    make_user(email="admin@wprod.fi", name="Admin", role=Role.ADMIN)
    overdue = make_request(received_days_ago=40)
    week = make_request(received_days_ago=25)
    make_request()  # a month to go: no reminder
    deliver()
    mailbox.messages.clear()

    result = runner.invoke(args=["requests", "remind"])
    assert result.exit_code == 0, result.output
    references = dict(db.session.execute(select(SubjectRequest.id, SubjectRequest.reference)).all())
    assert f"{references[overdue]}: overdue" in result.output
    subject_request = db.session.get(SubjectRequest, week)
    with app.app_context():
        from portal.subject_requests.clock import controller_today

        days_left = (subject_request.due_on - controller_today()).days
    if 1 < days_left <= 7:
        assert f"{references[week]}: 7-days" in result.output
    deliver()
    to_contact = mailbox.to("ville@wprod.fi")
    to_admin = mailbox.to("admin@wprod.fi")
    assert any(references[overdue] in m["Subject"] for m in to_contact)
    assert [references[overdue] in m["Subject"] for m in to_admin] == [True]

    # The same day again: nothing more.
    again = runner.invoke(args=["requests", "remind"])
    assert "reminders sent 0" in again.output
    with app.app_context():
        assert send_reminders() == []


@pytest.mark.parametrize(
    ("due_on", "today", "expected"),
    [
        (date(2026, 12, 28), date(2026, 12, 18), None),
        (date(2026, 12, 28), date(2026, 12, 21), "7-days"),
        # Mon 28 Dec: the working day before is Wed 23 Dec (24-27 Dec are holidays or weekend).
        (date(2026, 12, 28), date(2026, 12, 22), "7-days"),
        (date(2026, 12, 28), date(2026, 12, 23), "1-working-day"),
        (date(2026, 12, 28), date(2026, 12, 28), "1-working-day"),
        (date(2026, 12, 28), date(2026, 12, 29), "overdue"),
    ],
)
def test_which_reminder_a_day_calls_for(due_on, today, expected):
    from portal.subject_requests.reminders import reminder_due

    assert reminder_due(due_on, today, "FI") == expected
