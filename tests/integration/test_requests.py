"""Data-subject requests: submission, email confirmation, routing, the requester's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.deadlines import due_date, local_date
from portal.models import (
    AuditEvent,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    utcnow,
)
from tests.conftest import csrf_token, link_in, path_of, submit, text_of


@pytest.fixture
def requester(make_user, login):
    user = make_user()
    login()
    return user


def send_request(client, kind="erasure", **data):
    page = client.get(f"/requests/new/{kind}").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_token(page),
        "submission_key": key,
        "description": "Poistakaa.",
        **data,
    }
    return client.post(f"/requests/new/{kind}", data=form), form


def test_erasure_request_confirmed_from_email_reaches_the_contact_person(
    client, db, mailbox, deliver, contact, requester
):
    before = utcnow()
    response, _ = send_request(client, customer_number="A-123")
    assert response.status_code == 302
    subject_request = db.session.scalar(select(SubjectRequest))
    assert subject_request.status is RequestStatus.UNCONFIRMED
    assert subject_request.reference == f"WP-{local_date(before).year}-{subject_request.id:04d}"
    # The clock starts at submission.
    assert before <= subject_request.received_at <= utcnow()
    assert subject_request.due_on == due_date(local_date(subject_request.received_at))

    deliver()
    [confirmation] = mailbox.to("maija@example.fi")
    link = path_of(link_in(confirmation, "/requests/confirm/"))
    # GET shows the summary and a button; it changes nothing.
    page = client.get(link).get_data(as_text=True)
    assert subject_request.reference in page
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.UNCONFIRMED

    assert submit(client, link).status_code == 302
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.OPEN
    assert subject_request.assignee_id == contact.id
    assert subject_request.confirmed_at >= subject_request.received_at

    deliver()
    [to_staff] = mailbox.to("ville@wprod.fi")
    staff_text = text_of(to_staff)
    assert subject_request.reference in to_staff["Subject"]
    assert "Tietojen poistaminen" in staff_text
    assert f"/staff/requests/{subject_request.id}" in staff_text
    due = subject_request.due_on
    assert f"{due.day}.{due.month}.{due.year}" in staff_text
    acknowledgement = mailbox.to("maija@example.fi")[-1]
    assert subject_request.reference in text_of(acknowledgement)
    assert f"{due.day}.{due.month}.{due.year}" in text_of(acknowledgement)

    # Used once; the second use says so.
    assert client.get(link).status_code == 410
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.request_id == subject_request.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[:2] == ["request.submitted", "email.queued"]
    assert "request.confirmed" in actions
    assert "request.assigned" in actions


def test_unconfirmed_account_cannot_submit(client, db, make_user, login):
    make_user(confirmed=False)
    login()
    response = client.get("/requests/new/access")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0


def test_double_submitted_form_makes_one_request(client, db, requester):
    first, form = send_request(client)
    second = client.post("/requests/new/erasure", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 1


def test_objection_needs_the_particular_situation(client, db, requester):
    response, _ = send_request(client, "objection", particular_situation="")
    assert response.status_code == 200
    assert "erityinen tilanne" in response.get_data(as_text=True).lower() or (
        "erityis" in response.get_data(as_text=True).lower()
    )
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    ok, _ = send_request(client, "objection", particular_situation="Olen julkisuuden henkilö.")
    assert ok.status_code == 302


def test_unknown_request_type_is_404(client, requester):
    assert client.get("/requests/new/nonsense").status_code == 404


def test_unconfirmed_request_lapses_and_stays_out_of_the_queue(
    app, client, db, runner, mailbox, deliver, contact, requester, login
):
    send_request(client)
    subject_request = db.session.scalar(select(SubjectRequest))
    subject_request.received_at = utcnow() - timedelta(days=8)
    db.session.commit()
    result = runner.invoke(args=["requests", "lapse"])
    assert "lapsed 1" in result.output
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.LAPSED

    deliver()
    confirmation, lapsed = mailbox.to("maija@example.fi")
    # The person learns that nothing was done and how to start again.
    assert subject_request.reference in lapsed["Subject"]
    assert "ei vahvistettu" in text_of(lapsed)
    assert "/requests/new" in text_of(lapsed)
    app.config["REQUEST_CONFIRM_MAX_AGE"] = -1
    link = path_of(link_in(confirmation, "/requests/confirm/"))
    assert client.get(link).status_code == 410

    submit(client, "/logout", page="/")
    login("ville@wprod.fi", "ville ville ville")
    assert subject_request.reference not in client.get("/staff/").get_data(as_text=True)
    assert subject_request.reference in client.get("/staff/unconfirmed").get_data(as_text=True)


def test_requester_withdraws_an_open_request(client, db, mailbox, deliver, requester):
    send_request(client)
    subject_request = db.session.scalar(select(SubjectRequest))
    response = submit(
        client,
        f"/requests/{subject_request.id}/withdraw",
        {"confirm": "yes"},
        page=f"/requests/{subject_request.id}/withdraw",
    )
    assert response.status_code == 302
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.WITHDRAWN
    # Withdrawing twice is refused with a message, nothing changes.
    again = submit(
        client, f"/requests/{subject_request.id}/withdraw", {"confirm": "yes"}, page="/requests/"
    )
    assert again.status_code == 302
    assert "on jo peruttu" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_my_requests_lists_only_my_own(client, db, app, make_user, requester):
    send_request(client)
    other = app.test_client()
    make_user(email="toinen@example.fi", name="Toinen Henkilö")
    submit(other, "/login", {"email": "toinen@example.fi", "password": "kettu juoksee metsässä"})
    send_request(other, "access", description="")
    mine = client.get("/requests/").get_data(as_text=True)
    theirs = other.get("/requests/").get_data(as_text=True)
    ids = dict(db.session.execute(select(SubjectRequest.kind, SubjectRequest.reference)).all())
    assert ids[RequestKind.ERASURE] in mine and ids[RequestKind.ACCESS] not in mine
    assert ids[RequestKind.ACCESS] in theirs and ids[RequestKind.ERASURE] not in theirs
