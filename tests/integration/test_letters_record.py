"""Letters say what the record says (issue 10, item 1): withdrawing consent and objecting to
direct marketing are answered with what the portal changed when the request was opened (the
``marketing.stopped`` event), and with what the notice says rests on consent (GDPR Art. 7(3),
21(3))."""

from __future__ import annotations

import dataclasses

from portal.models import RequestKind, SubjectRequest, User
from portal.notice.model import Localized
from tests.conftest import text_of
from tests.integration.conftest import ticket
from tests.integration.test_letters import textarea


def _person(make_user, db, email, *, newsletter):
    user = make_user(email=email, name="Suostumus Peruja")
    db.session.get(User, user.id).newsletter = newsletter
    db.session.commit()
    return user


def _today(app) -> str:
    from portal.subject_requests.clock import controller_today

    with app.app_context():
        today = controller_today()
    return f"{today.day}.{today.month}.{today.year}"


def test_consent_withdrawal_names_the_newsletter_and_says_nothing_rested_on_consent(
    app, staff_client, make_request, make_user, db, mailbox, deliver
):
    person = _person(make_user, db, "peruja@example.fi", newsletter=True)
    request_id = make_request(person, kind=RequestKind.CONSENT_WITHDRAWAL)
    page = staff_client.get(
        f"/staff/requests/{request_id}?letter=resolve.completed.consent_withdrawal"
    ).get_data(as_text=True)
    letter = textarea(page, "resolve-reasons")
    today = _today(app)
    # What changed, from the record: the newsletter stopped and the address was listed.
    assert f"Lopetimme uutiskirjeemme lähettämisen sinulle {today}." in letter
    assert f"Lisäsimme sähköpostiosoitteesi estolistalle {today}." in letter
    # No purpose in the notice rests on consent, and the letter says so plainly.
    assert "Mikään käsittely ei perustu suostumukseen" in letter
    assert "sopimuksen täytäntöönpano" in letter and "oikeutettu etumme" in letter
    assert "perustui tähän suostumukseen" not in letter and "{" not in letter

    done = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "reasons": letter, "external_done": "y"},
    )
    assert done.status_code == 302
    deliver()
    answer = text_of(mailbox.to("peruja@example.fi")[-1])
    assert f"Lopetimme uutiskirjeemme lähettämisen sinulle {today}." in answer
    assert "Mikään käsittely ei perustu suostumukseen" in answer


def test_a_person_without_the_newsletter_is_not_told_it_stopped(
    staff_client, make_request, make_user, db, mailbox, deliver
):
    person = make_user(email="eitilaaja@example.com", name="No Newsletter", locale="en")
    request_id = make_request(person, kind=RequestKind.MARKETING_OBJECTION)
    page = staff_client.get(
        f"/staff/requests/{request_id}?letter=resolve.completed.marketing_objection"
    ).get_data(as_text=True)
    letter = textarea(page, "resolve-reasons")
    assert "you were not receiving our newsletter" in letter
    assert "We stopped sending you our newsletter" not in letter
    assert "suppression list on" in letter

    done = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "reasons": letter, "external_done": "y"},
    )
    assert done.status_code == 302
    deliver()
    answer = text_of(mailbox.to("eitilaaja@example.com")[-1])
    assert "you were not receiving our newsletter" in answer


def test_an_address_already_listed_is_not_said_to_be_added(
    staff_client, make_request, make_user, db
):
    person = _person(make_user, db, "kahdesti@example.fi", newsletter=True)
    make_request(person, kind=RequestKind.MARKETING_OBJECTION)
    # The second request finds the newsletter off and the address listed: nothing changed.
    again = make_request(person, kind=RequestKind.CONSENT_WITHDRAWAL)
    letter = textarea(
        staff_client.get(
            f"/staff/requests/{again}?letter=resolve.completed.consent_withdrawal"
        ).get_data(as_text=True),
        "resolve-reasons",
    )
    assert "et saanut uutiskirjettämme" in letter
    assert "Lisäsimme" not in letter and "Lopetimme" not in letter


def test_purposes_that_rest_on_consent_are_named_and_leave_a_part_to_write(app, make_request, db):
    from portal.answering import letters

    request_id = make_request(kind=RequestKind.CONSENT_WITHDRAWAL)
    notice = app.extensions["notice"]
    consent = dataclasses.replace(
        notice.purposes[0],
        key="offers",
        name=Localized(fi="Tarjousten lähettäminen", en="Sending offers"),
        legal_basis="consent",
    )
    app.extensions["notice"] = dataclasses.replace(notice, purposes=(*notice.purposes, consent))
    try:
        with app.test_request_context():
            from portal.extensions import db as portal_db

            subject_request = portal_db.session.get(SubjectRequest, request_id)
            letter = letters.render("resolve.completed.consent_withdrawal", subject_request)
    finally:
        app.extensions["notice"] = notice
    assert "seuraava käsittely perustuu suostumukseen:\n- Tarjousten lähettäminen" in letter
    assert "7 artiklan 3 kohta" in letter
    assert "[KIRJOITA TÄHÄN: mitä näistä lopetettiin ja milloin]" in letter
    assert "Mikään käsittely ei perustu suostumukseen" not in letter
