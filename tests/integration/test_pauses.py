"""Pauses only where the law allows them (issue 10, item 4): a question to confirm identity
(GDPR Art. 12(6)) or to clarify an unclear request stops the clock, any other question does not;
the ticket warns before a late question; an extension asked during a pause counts the pause."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.deadlines import due_date, local_date
from portal.models import (
    AuditEvent,
    PauseReason,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    utcnow,
)
from tests.conftest import submit, text_of
from tests.integration.conftest import ticket


def _date(day) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _events(db, request_id, action):
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id, AuditEvent.action == action)
        .order_by(AuditEvent.id)
    ).all()


def test_a_question_to_confirm_identity_stops_the_clock_and_the_letter_says_so(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    response = ticket(
        staff_client,
        request_id,
        "ask",
        {"body": "Kerro asiakasnumerosi.", "purpose": "identity"},
    )
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kysymys lähetettiin, ja määräajan kulku on keskeytetty." in page
    assert "henkilöllisyyden varmistamiseksi" in page and "Määräajan kulku keskeytettiin." in page

    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.WAITING
    [pause] = subject_request.pauses
    assert pause.reason is PauseReason.IDENTITY and pause.resumed_at is None
    [asked] = _events(db, request_id, "request.info_requested")
    assert asked.details["purpose"] == "identity" and asked.details["clock"] == "paused"
    assert asked.details["late"] is False

    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert "Kerro asiakasnumerosi." in letter
    assert "Vastausaikamme ei kulu sinä aikana, kun odotamme vastaustasi." in letter


def test_a_question_to_clarify_the_request_stops_the_clock(staff_client, make_request, db):
    request_id = make_request()
    ticket(
        staff_client,
        request_id,
        "ask",
        {"body": "Mitä palvelua pyyntö koskee?", "purpose": "clarification"},
    )
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.WAITING
    assert [p.reason for p in subject_request.pauses] == [PauseReason.CLARIFICATION]


def test_another_question_leaves_the_clock_running_and_the_letter_says_so(
    app, staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request()
    due_before = db.session.get(SubjectRequest, request_id).due_on
    response = ticket(
        staff_client,
        request_id,
        "ask",
        {"body": "Haluatko kopion myös laskuistasi?", "purpose": "other"},
    )
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kysymys lähetettiin. Määräaika kuluu edelleen." in page
    assert "Pyytäjälle lähetettiin kysymys. Määräaika kului edelleen." in page

    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN
    assert subject_request.pauses == []
    assert subject_request.due_on == due_before
    [asked] = _events(db, request_id, "request.info_requested")
    assert asked.details["clock"] == "running" and "status" not in asked.details

    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert "Haluatko kopion myös laskuistasi?" in letter
    assert (
        f"Vastausaikamme kuluu myös odottaessamme: vastaamme viimeistään {_date(due_before)}."
        in letter
    )
    assert "ei kulu" not in letter

    # The answer is a message like any other: the clock was never stopped.
    requester = app.test_client()
    submit(
        requester,
        "/login",
        {"email": subject_request.requester.email, "password": "kettu juoksee metsässä"},
    )
    submit(
        requester,
        f"/requests/{request_id}/reply",
        {"body": "Kyllä, kiitos."},
        page=f"/requests/{request_id}",
    )
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN and subject_request.pauses == []
    assert _events(db, request_id, "request.resumed") == []


def test_a_question_without_its_purpose_is_refused_and_keeps_the_text(
    staff_client, make_request, db
):
    request_id = make_request()
    response = ticket(staff_client, request_id, "ask", {"body": "Kerro laskun numero."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Valitse kysymyksen tarkoitus." in page
    assert "Kerro laskun numero." in page
    bogus = ticket(
        staff_client, request_id, "ask", {"body": "Kerro laskun numero.", "purpose": "kaikki"}
    )
    assert bogus.status_code == 400
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN and subject_request.pauses == []
    assert _events(db, request_id, "request.info_requested") == []


def test_a_chosen_letter_says_what_the_question_is_for(staff_client, make_request):
    request_id = make_request()
    page = staff_client.get(f"/staff/requests/{request_id}?letter=ask.scope").get_data(as_text=True)
    checked = re.search(
        r'<input[^>]*checked[^>]*value="(\w+)"|<input[^>]*value="(\w+)"[^>]*checked', page
    )
    assert checked and "clarification" in checked.groups()


def test_the_ticket_warns_before_a_late_question_and_the_record_keeps_how_late(
    staff_client, make_request, db
):
    fresh = make_request(received_days_ago=7)
    assert 'id="ask-late"' not in staff_client.get(f"/staff/requests/{fresh}?compose=ask").get_data(
        as_text=True
    )
    late = make_request(received_days_ago=12)
    page = staff_client.get(f"/staff/requests/{late}?compose=ask").get_data(as_text=True)
    assert 'id="ask-late"' in page
    assert "Pyyntö saapui 12 päivää sitten." in page
    assert "ilman aiheetonta viivytystä" in page

    ticket(staff_client, late, "ask", {"body": "Kerro asiakasnumerosi.", "purpose": "identity"})
    [asked] = _events(db, late, "request.info_requested")
    assert asked.details["late"] is True and asked.details["days_after_receipt"] == 12
    page = staff_client.get(f"/staff/requests/{late}").get_data(as_text=True)
    assert "Kysytty 12 päivää pyynnön saapumisen jälkeen." in page


def test_an_extension_during_a_pause_counts_the_days_of_the_running_pause(
    staff_client, make_request, db, mailbox, deliver
):
    # Received 40 days ago; identity asked on the fifth day and still not answered: the month
    # has run out on the stored due date, but 35 days of it did not count.
    request_id = make_request(received_days_ago=40)
    ticket(
        staff_client, request_id, "ask", {"body": "Kerro asiakasnumerosi.", "purpose": "identity"}
    )
    pause = db.session.scalar(select(RequestPause).where(RequestPause.request_id == request_id))
    pause.asked_at = utcnow() - timedelta(days=35)
    db.session.commit()
    subject_request = db.session.get(SubjectRequest, request_id)
    received_on = local_date(subject_request.received_at)
    today = local_date(utcnow())
    assert subject_request.due_on < today  # the stale date the old check used
    paused = (today - local_date(pause.asked_at)).days

    response = ticket(
        staff_client,
        request_id,
        "extend",
        {"months": "2", "reason": "Tiedot on haettava kolmesta järjestelmästä."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.period_months == 2
    assert subject_request.status is RequestStatus.WAITING
    assert subject_request.due_on == due_date(received_on, 2, paused_days=paused)
    [extended] = _events(db, request_id, "request.extended")
    # The due date before it counted the pause so far, too.
    assert extended.details["due_on"][0] == due_date(received_on, 1, paused_days=paused).isoformat()
    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert _date(subject_request.due_on) in letter


def test_an_extension_after_the_real_due_date_is_refused_even_during_a_pause(
    staff_client, make_request, db
):
    # Received 40 days ago, asked only yesterday: the month had run out before the pause began.
    request_id = make_request(received_days_ago=40)
    ticket(
        staff_client, request_id, "ask", {"body": "Kerro asiakasnumerosi.", "purpose": "identity"}
    )
    pause = db.session.scalar(select(RequestPause).where(RequestPause.request_id == request_id))
    pause.asked_at = utcnow() - timedelta(days=1)
    db.session.commit()
    response = ticket(staff_client, request_id, "extend", {"months": "3", "reason": "Kiire."})
    assert response.status_code == 409
    assert "Määräpäivä on jo mennyt" in response.get_data(as_text=True)
    assert db.session.get(SubjectRequest, request_id).period_months == 1
