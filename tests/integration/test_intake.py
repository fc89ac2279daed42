"""Requests that arrived by letter, by email or in person, registered by staff (notice §10): the
clock runs from the day of receipt, and the request follows the usual lifecycle from there."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.deadlines import due_date, local_date
from portal.models import (
    AuditEvent,
    Channel,
    OutboxMessage,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
    User,
)
from tests.conftest import csrf_token, submit, text_of
from tests.integration.conftest import STAFF_PASSWORD

IDENTITY_CHECK = "Signed letter; name and address match customer A-123 in the register."


def helsinki_today():
    return datetime.now(ZoneInfo("Europe/Helsinki")).date()


@pytest.fixture
def intake_client(client, make_user, login):
    """The contact person, signed in, reading the portal in English."""
    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    login("ville@wprod.fi", STAFF_PASSWORD)
    return client


def register(client, **fields):
    page = client.get("/staff/intake").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_token(page),
        "submission_key": key,
        "kind": "erasure",
        "received_on": (helsinki_today() - timedelta(days=10)).isoformat(),
        "channel": "letter",
        "name": "Kalle Kirjoittaja",
        "identity_check": IDENTITY_CHECK,
        "description": "Poistakaa tietoni asiakasrekisteristänne.",
        **fields,
    }
    return client.post("/staff/intake", data=form)


def only_request(db) -> SubjectRequest:
    return db.session.scalars(select(SubjectRequest)).one()


def test_letter_received_ten_days_ago_is_due_a_month_from_that_day(
    intake_client, make_request, db, mailbox, deliver
):
    recent = make_request()
    overdue = make_request(received_days_ago=40)
    received_on = helsinki_today() - timedelta(days=10)

    response = register(intake_client, received_on=received_on.isoformat(), customer_number="A-123")
    assert response.status_code == 302

    letter = db.session.scalar(
        select(SubjectRequest).where(SubjectRequest.channel == Channel.LETTER)
    )
    assert response.headers["Location"].endswith(f"/staff/requests/{letter.id}")
    # The clock started on the day the letter arrived, not today (EDPB Guidelines 01/2022 §159).
    assert local_date(letter.received_at) == received_on
    assert letter.due_on == due_date(received_on)
    assert letter.status is RequestStatus.OPEN and letter.confirmed_at is not None
    assert letter.identity_check == IDENTITY_CHECK
    assert letter.customer_number == "A-123"
    assert letter.registered_by.email == "ville@wprod.fi"
    assert letter.assignee.email == "ville@wprod.fi"
    assert letter.reference.startswith(f"WP-{received_on.year}-")
    registered = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == letter.id, AuditEvent.action == "request.registered"
        )
    )
    assert registered.public and registered.actor_id == letter.registered_by_id
    assert registered.details["channel"] == "letter"
    assert registered.details["received_on"] == received_on.isoformat()

    # In the queue it sits between the overdue request and the one that arrived today.
    references = dict(db.session.execute(select(SubjectRequest.id, SubjectRequest.reference)).all())
    queue = intake_client.get("/staff/").get_data(as_text=True)
    assert "Register a request" in queue
    rows = [queue.index(f">{reference}</a>") for reference in references.values()]
    assert sorted(rows) == [
        queue.index(f">{references[overdue]}</a>"),
        queue.index(f">{letter.reference}</a>"),
        queue.index(f">{references[recent]}</a>"),
    ]

    page = intake_client.get(f"/staff/requests/{letter.id}").get_data(as_text=True)
    assert "Letter" in page and IDENTITY_CHECK in page
    assert "Request registered by staff: it arrived by letter on" in page

    deliver()
    [new_ticket] = [m for m in mailbox.to("ville@wprod.fi") if letter.reference in m["Subject"]]
    assert f"/staff/requests/{letter.id}" in text_of(new_ticket)


def test_future_date_is_refused_and_nothing_is_stored(intake_client, app, db):
    users_before = db.session.scalar(select(func.count()).select_from(User))
    tomorrow = helsinki_today() + timedelta(days=1)

    response = register(intake_client, received_on=tomorrow.isoformat(), email="kalle@example.fi")

    assert response.status_code == 400
    assert "The date of receipt cannot be in the future." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    # The service refuses it too, whoever calls it.
    from portal.extensions import db as portal_db
    from portal.intake import manual as intake
    from portal.subject_requests.errors import RequestError

    with app.test_request_context():
        staff = portal_db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
        with pytest.raises(RequestError):
            intake.register_request(
                staff,
                RequestKind.ACCESS,
                received_on=tomorrow,
                channel=Channel.LETTER,
                name="Kalle Kirjoittaja",
                identity_check=IDENTITY_CHECK,
                submission_key="future",
            )
        portal_db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0


def test_objection_without_particular_situation_is_refused(intake_client, db):
    response = register(intake_client, kind="objection", particular_situation="  ")
    assert response.status_code == 400
    assert "Describe the particular situation" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0

    accepted = register(
        intake_client,
        kind="objection",
        particular_situation="Olen väkivallan uhri; osoitteeni ei saa näkyä missään.",
    )
    assert accepted.status_code == 302
    assert only_request(db).particular_situation.startswith("Olen väkivallan uhri")


def test_identity_check_is_required(intake_client, db):
    response = register(intake_client, identity_check="")
    assert response.status_code == 400
    assert "Say how you checked the person's identity." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0


def test_acknowledgement_is_emailed_to_the_given_address(intake_client, db, mailbox, deliver):
    response = register(intake_client, channel="email", email="Kalle@Example.fi ")
    assert response.status_code == 302
    subject_request = only_request(db)
    requester = subject_request.requester
    # A new account that holds the request: no password, so nobody can sign in with it.
    assert requester.email == "kalle@example.fi" and requester.name == "Kalle Kirjoittaja"
    assert requester.role is Role.REQUESTER and requester.password_hash is None
    assert requester.locale == "fi" and requester.email_confirmed_at is None

    deliver()
    [acknowledgement] = mailbox.to("kalle@example.fi")
    assert subject_request.reference in acknowledgement["Subject"]
    assert subject_request.due_on.strftime("%-d.%-m.%Y") in text_of(acknowledgement)


def test_without_an_address_the_ticket_says_to_answer_another_way(
    intake_client, db, mailbox, deliver
):
    response = register(intake_client, channel="in_person")
    assert response.status_code == 302
    subject_request = only_request(db)
    assert subject_request.requester.email is None
    assert subject_request.channel is Channel.IN_PERSON
    not_sent = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.request_id == subject_request.id, AuditEvent.action == "email.not_sent"
        )
    ).all()
    assert [e.details["template"] for e in not_sent] == ["request_received"]

    page = intake_client.get(f"/staff/requests/{subject_request.id}").get_data(as_text=True)
    assert "No email address: send this message to the requester another way." in page
    assert "none: answer by post" in page and "<dd>None</dd>" not in page
    assert "it was made in person on" in page

    deliver()
    # Only the contact person was emailed.
    assert [m["To"] for m in mailbox.messages] == ["ville@wprod.fi"]


def test_an_existing_accounts_address_joins_the_request_to_that_account(
    intake_client, make_user, db
):
    maija = make_user(email="maija@example.fi", name="Maija Meikäläinen")
    users_before = db.session.scalar(select(func.count()).select_from(User))

    response = register(intake_client, name="M. Meikäläinen", email="MAIJA@example.fi")

    assert response.status_code == 302
    assert only_request(db).requester_id == maija.id
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert db.session.get(User, maija.id).name == "Maija Meikäläinen"


def test_the_same_form_sent_twice_registers_one_request(intake_client, db):
    page = intake_client.get("/staff/intake").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_token(page),
        "submission_key": key,
        "kind": "access",
        "received_on": helsinki_today().isoformat(),
        "channel": "letter",
        "name": "Kalle Kirjoittaja",
        "identity_check": IDENTITY_CHECK,
    }
    first = intake_client.post("/staff/intake", data=form)
    second = intake_client.post("/staff/intake", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 1


def test_a_requester_cannot_register_requests(client, make_user, login, db):
    make_user()
    login()
    assert client.get("/staff/intake").status_code == 403
    assert submit(client, "/staff/intake", {"name": "X"}, page="/").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
