"""Mail to a person whose request staff registered (issue 13, item 7): the account staff made has
no password, so every message that sends them to the request's page also says how to choose one
(register with the same address, which sends the link); a person with a password is not told."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import SubjectRequest
from tests.conftest import link_in, path_of, text_of
from tests.integration.conftest import STAFF_PASSWORD, ticket
from tests.integration.test_intake import register as register_by_letter

NO_PASSWORD = "Sinulla ei vielä ole salasanaa portaaliin."


def test_a_reply_tells_a_person_without_a_password_how_to_choose_one(
    client, contact, login, db, mailbox, deliver
):
    login("ville@wprod.fi", STAFF_PASSWORD)
    assert register_by_letter(client, email="kalle@example.fi").status_code == 302
    request_id = db.session.scalar(select(SubjectRequest.id))
    deliver()
    mailbox.messages.clear()

    assert ticket(client, request_id, "reply", {"body": "Kokoamme tietojasi."}).status_code == 302
    deliver()
    [reply] = mailbox.to("kalle@example.fi")
    text = text_of(reply)
    assert "Kokoamme tietojasi." in text and NO_PASSWORD in text
    assert path_of(link_in(reply, "/register")) == "/register"
    assert "linkin, jolla valitset salasanan" in text


def test_a_reply_to_a_person_with_a_password_just_links_the_page(
    client, contact, login, make_user, db, mailbox, deliver
):
    make_user(email="maija@example.fi")
    login("ville@wprod.fi", STAFF_PASSWORD)
    assert register_by_letter(client, email="maija@example.fi").status_code == 302
    request_id = db.session.scalar(select(SubjectRequest.id))
    deliver()
    mailbox.messages.clear()

    assert ticket(client, request_id, "reply", {"body": "Kokoamme tietojasi."}).status_code == 302
    deliver()
    [reply] = mailbox.to("maija@example.fi")
    text = text_of(reply)
    assert NO_PASSWORD not in text and "/register" not in text
    assert f"/requests/{request_id}" in text
