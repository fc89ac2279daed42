"""What the requester sees of their request's progress: the steps (submitted → confirmed → being
handled → answered) with the current one marked in words and by aria-current, the due date and the
days left, a paused clock with its reason, an extension with its new date; and the acknowledgement
of a request staff registered, which tells a person without a password how to follow it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import RequestStatus, SubjectRequest
from portal.subject_requests.clock import compute_due_on, controller_today
from tests.conftest import html_of, link_in, path_of, sign_in, submit, text_of
from tests.integration.conftest import ticket
from tests.integration.test_intake import register as register_by_letter

PASSWORD = "kettu juoksee metsässä"
STEP = re.compile(
    r'<li class="progress-step (progress-\w+)"( aria-current="step")?>(.*?)</li>', re.S
)


def fi_date(day) -> str:
    return f"{day.day}.{day.month}.{day.year}"


@pytest.fixture
def maija(make_user):
    return make_user()


@pytest.fixture
def maija_client(app, maija):
    client = app.test_client()
    assert sign_in(client, "maija@example.fi", PASSWORD).status_code == 302
    return client


def steps(html: str) -> list[tuple[str, bool, str]]:
    """(state class, aria-current, visible text) of each step of the progress line."""
    [line] = re.findall(r'<ol class="progress".*?</ol>', html, re.S)
    return [
        (state, bool(current), " ".join(re.sub(r"<[^>]+>", " ", text).split()))
        for state, current, text in STEP.findall(line)
    ]


def page(client, request_id: int) -> str:
    """The request's page, its whitespace squeezed so that sentences read as they show."""
    response = client.get(f"/requests/{request_id}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def request_of(db, request_id: int) -> SubjectRequest:
    db.session.expire_all()
    return db.session.get(SubjectRequest, request_id)


def today_in(app):
    with app.app_context():
        return controller_today()


def test_an_open_request_is_being_handled_with_its_days_left(
    app, db, make_request, maija, maija_client
):
    request_id = make_request(maija, received_days_ago=3)
    html = page(maija_client, request_id)
    line = steps(html)
    assert [(state, current) for state, current, _ in line] == [
        ("progress-done", False),
        ("progress-done", False),
        ("progress-current", True),
        ("progress-later", False),
    ]
    # The current step says so in words, not by its colour alone.
    assert line[2][2] == "Käsittelyssä nyt"
    assert line[3][2] == "Vastattu ei vielä"
    assert html.count('aria-current="step"') == 1
    due_on = request_of(db, request_id).due_on
    left = (due_on - today_in(app)).days
    assert f"Vastauksen määräpäivä on {fi_date(due_on)}. {left} päivää jäljellä." in html
    # The list of requests says the same in a few words.
    listing = " ".join(maija_client.get("/requests/").get_data(as_text=True).split())
    assert f"{fi_date(due_on)} · {left} päivää jäljellä" in listing


def test_an_unconfirmed_request_waits_for_the_link(db, make_request, maija, maija_client):
    request_id = make_request(maija, confirmed=False)
    html = page(maija_client, request_id)
    line = steps(html)
    assert [(state, current) for state, current, _ in line][:2] == [
        ("progress-current", True),
        ("progress-later", False),
    ]
    assert "Odotamme vahvistustasi" in html
    # The clock already runs from the submission (LEGAL.md: the conservative reading).
    assert fi_date(request_of(db, request_id).due_on) in html


def test_a_paused_clock_says_why_and_where_it_would_run_to(
    db, make_request, maija, maija_client, staff_client
):
    request_id = make_request(maija, received_days_ago=5)
    asked = ticket(
        staff_client, request_id, "ask", {"body": "Kerro asiakasnumerosi.", "purpose": "identity"}
    )
    assert asked.status_code == 302
    subject_request = request_of(db, request_id)
    assert subject_request.status is RequestStatus.WAITING
    html = page(maija_client, request_id)
    assert "Määräajan kulku on keskeytetty, kunnes vastaat" in html
    assert "henkilöllisyytesi varmistamiseksi" in html
    with maija_client.application.app_context():
        resumed = compute_due_on(request_of(db, request_id), controller_today())
    assert f"Jos vastaat tänään, vastauksen määräpäivä on {fi_date(resumed)}." in html
    assert "päivää jäljellä" not in html
    assert steps(html)[2][1] is True


def test_a_clarification_question_says_so(db, make_request, maija, maija_client, staff_client):
    request_id = make_request(maija)
    ticket(staff_client, request_id, "ask", {"body": "Mitä tarkoitat?", "purpose": "clarification"})
    assert "pyysimme sinua tarkentamaan pyyntöä" in page(maija_client, request_id)


def test_an_extension_shows_the_new_date(db, make_request, maija, maija_client, staff_client):
    request_id = make_request(maija, received_days_ago=2)
    response = ticket(
        staff_client,
        request_id,
        "extend",
        {"months": "3", "reason": "Tiedot on haettava kolmesta järjestelmästä."},
    )
    assert response.status_code == 302
    due_on = request_of(db, request_id).due_on
    html = page(maija_client, request_id)
    assert f"Vastausaikaa pidennettiin {fi_date(due_on)} asti" in html


def test_an_overdue_answer_is_called_late(app, db, make_request, maija, maija_client):
    request_id = make_request(maija, received_days_ago=45)
    due_on = request_of(db, request_id).due_on
    late = (today_in(app) - due_on).days
    assert late > 0
    html = page(maija_client, request_id)
    assert f"Vastaus on {late} päivää myöhässä." in html or (
        late == 1 and "Vastaus on 1 päivän myöhässä." in html
    )


def test_an_answered_request_ends_on_answered(db, make_request, maija, maija_client, staff_client):
    request_id = make_request(maija)
    ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "refused", "reasons": "Laskutustiedot on säilytettävä kirjanpitolain nojalla."},
    )
    assert request_of(db, request_id).status is RequestStatus.CLOSED
    html = page(maija_client, request_id)
    line = steps(html)
    assert [state for state, _, _ in line] == ["progress-done"] * 3 + ["progress-current"]
    assert line[3][1] and line[3][2].startswith("Vastattu valmis")
    assert "määräpäivä" not in html


def test_a_lapsed_request_ends_on_not_confirmed(db, make_request, maija, maija_client):
    request_id = make_request(maija, confirmed=False)
    request_of(db, request_id).status = RequestStatus.LAPSED
    db.session.commit()
    line = steps(page(maija_client, request_id))
    assert [(state, current) for state, current, _ in line] == [
        ("progress-done", False),
        ("progress-current", True),
    ]
    assert line[1][2].startswith("Ei vahvistettu ajoissa")


# The acknowledgement of a request staff registered ----------------------------------------------


REGISTRATION = {
    "name": "Kalle K.",
    "email": "kalle@example.fi",
    "password": "oma vahva salasana 123",
    "password_confirm": "oma vahva salasana 123",
    "acknowledge": "y",
}


def test_a_person_registered_by_staff_is_told_how_to_follow_the_request(
    app, client, contact, login, db, mailbox, deliver
):
    from tests.integration.conftest import STAFF_PASSWORD

    login("ville@wprod.fi", STAFF_PASSWORD)
    assert register_by_letter(client, email="kalle@example.fi").status_code == 302
    deliver()
    [acknowledgement] = mailbox.to("kalle@example.fi")
    text, html = text_of(acknowledgement), html_of(acknowledgement)
    assert "sinulla ei vielä ole salasanaa" in text
    assert "sähköpostitse" in text
    # No link to a page that needs a password the person does not have.
    assert "Seuraa pyyntöäsi" not in text and "Seuraa pyyntöäsi" not in html
    register_url = link_in(acknowledgement, "/register")
    assert path_of(register_url) == "/register"
    assert 'href="' + register_url in html
    mailbox.messages.clear()

    # Doing what it says: registering with the address sends the link to choose a password.
    visitor = app.test_client()
    response = submit(visitor, path_of(register_url), REGISTRATION)
    assert response.status_code == 302, response.get_data(as_text=True)
    deliver()
    [claim] = mailbox.to("kalle@example.fi")
    assert "/register/claim/" in link_in(claim, "/register/claim/")


def test_a_portal_request_links_to_its_page(app, client, db, mailbox, deliver, make_request, maija):
    request_id = make_request(maija)
    deliver()
    reference = request_of(db, request_id).reference
    [acknowledgement] = [
        m for m in mailbox.to("maija@example.fi") if "Olemme vastaanottaneet" in m["Subject"]
    ]
    assert reference in acknowledgement["Subject"]
    text = text_of(acknowledgement)
    assert "Seuraa pyyntöäsi:" in text and f"/requests/{request_id}" in text
    assert "salasanaa" not in text


def test_a_staff_registered_request_for_an_account_with_a_password_links_to_its_page(
    client, contact, login, make_user, db, mailbox, deliver
):
    from tests.integration.conftest import STAFF_PASSWORD

    make_user(email="maija@example.fi")
    login("ville@wprod.fi", STAFF_PASSWORD)
    assert register_by_letter(client, email="maija@example.fi").status_code == 302
    deliver()
    request_id = db.session.scalar(select(SubjectRequest.id))
    [acknowledgement] = mailbox.to("maija@example.fi")
    text = text_of(acknowledgement)
    assert "Seuraa pyyntöäsi:" in text and f"/requests/{request_id}" in text
    assert "ei vielä ole salasanaa" not in text
