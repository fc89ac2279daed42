"""Letters: staff start answers from templates per request type and outcome, filled in from the
ticket and the notice in the requester's language, and edit the templates themselves."""

from __future__ import annotations

import html

from sqlalchemy import select

from portal.models import AuditEvent, LetterOverride, RequestKind, RequestStatus, SubjectRequest
from tests.conftest import submit, text_of
from tests.integration.conftest import TODAY_ISO, all_recipients_told, ticket


def textarea(page: str, field_id: str) -> str:
    start = page.index(f'id="{field_id}"')
    start = page.index(">", start) + 1
    return html.unescape(page[start : page.index("</textarea>", start)])


def test_erasure_answer_starts_from_a_letter_with_the_kept_records(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ERASURE)
    subject_request = db.session.get(SubjectRequest, request_id)
    address = subject_request.requester.email
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    # Letters for erasure and general ones are offered; letters for other rights are not.
    assert "letter=resolve.completed.erasure" in page
    assert "letter=resolve.refused.unfounded" in page
    assert "letter=resolve.completed.access" not in page

    page = staff_client.get(
        f"/staff/requests/{request_id}?letter=resolve.completed.erasure"
    ).get_data(as_text=True)
    letter = textarea(page, "resolve-reasons")
    assert subject_request.reference in letter
    # Only the Art. 19 list waits: it is filled in from the record made when the answer is sent.
    assert "{" not in letter.replace("{recipients}", "")
    # Kept records and their grounds come from the notice data (Art. 17(3)(b)).
    assert "Kirjanpitolaki" in letter and "10 vuotta" in letter and "6 vuotta" in letter
    assert (
        '<input checked id="outcome-0" name="outcome" required type="radio" value="completed">'
        in page
    )

    done = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "reasons": letter, **all_recipients_told()},
    )
    assert done.status_code == 302
    deliver()
    answer = mailbox.to(address)[-1]
    assert "Kirjanpitolaki" in text_of(answer)


def test_letters_follow_the_requesters_language(staff_client, make_request, make_user, db):
    english = make_user(email="john@example.com", name="John Smith", locale="en")
    request_id = make_request(english, kind=RequestKind.ACCESS)
    page = staff_client.get(f"/staff/requests/{request_id}?letter=ask.identity").get_data(
        as_text=True
    )
    letter = textarea(page, "ask-body")
    assert "confirm your identity" in letter
    assert "[WRITE HERE:" in letter
    # A letter that does not fit the action's request type fills nothing.
    page = staff_client.get(
        f"/staff/requests/{request_id}?letter=resolve.completed.erasure"
    ).get_data(as_text=True)
    assert textarea(page, "resolve-reasons").strip() == ""


def test_staff_edit_a_letter_and_can_go_back_to_the_default(
    staff_client, make_request, db, contact
):
    url = "/staff/letters/reply.general/fi"
    refused = submit(staff_client, url, {"body": "Hei {nimi}, kiitos."})
    assert refused.status_code == 400
    assert "{nimi}" in refused.get_data(as_text=True)
    assert db.session.scalar(select(LetterOverride)) is None

    saved = submit(staff_client, url, {"body": "Kiitos pyynnöstä {reference}. Palaamme asiaan."})
    assert saved.status_code == 302
    request_id = make_request()
    reference = db.session.get(SubjectRequest, request_id).reference
    page = staff_client.get(f"/staff/requests/{request_id}?letter=reply.general").get_data(
        as_text=True
    )
    assert textarea(page, "reply-body").strip() == f"Kiitos pyynnöstä {reference}. Palaamme asiaan."
    edit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letter.edited"))
    assert edit.actor_id == contact.id
    assert "[KIRJOITA TÄHÄN:" in edit.details["before"]

    submit(staff_client, url + "/restore", page=url)
    assert db.session.scalar(select(LetterOverride)) is None
    page = staff_client.get(f"/staff/requests/{request_id}?letter=reply.general").get_data(
        as_text=True
    )
    assert "[KIRJOITA TÄHÄN:" in textarea(page, "reply-body")


def test_requesters_cannot_see_or_edit_letters(client, make_user, login):
    make_user()
    login()
    assert client.get("/staff/letters").status_code == 403
    assert client.get("/staff/letters/reply.general/fi").status_code == 403
    assert client.post("/staff/letters/reply.general/fi/restore").status_code in (400, 403)


# GDPR Art. 19, as staff record it on the resolve form: one recipient told, two not, with reasons.
ART_19_RECORD = {
    "recipient-hosting_provider-date": TODAY_ISO,
    "recipient-billing_software-reason": "Kumppanin laskutusohjelmassa ei ole tietojasi.",
    "recipient-authorities-reason": "Viranomaisille ei ole luovutettu tietojasi.",
}


def test_the_answer_names_the_recipients_as_recorded(
    staff_client, make_request, make_user, db, mailbox, deliver
):
    person = make_user(email="oikaisu@example.fi", name="Oili Oikaisija")
    request_id = make_request(person, kind=RequestKind.RECTIFICATION)
    page = staff_client.get(
        f"/staff/requests/{request_id}?letter=resolve.completed.rectification"
    ).get_data(as_text=True)
    letter = textarea(page, "resolve-reasons")
    # Nothing is said about the recipients before anything is recorded.
    assert "{recipients}" in letter and "Laskutusohjelman" not in letter

    done = ticket(
        staff_client,
        request_id,
        "resolve",
        # The person asked to be told the recipients: the letter already names them all.
        {"outcome": "completed", "reasons": letter, "tell_recipients": "y", **ART_19_RECORD},
    )
    assert done.status_code == 302
    deliver()
    answer = text_of(mailbox.to("oikaisu@example.fi")[-1])
    assert "{recipients}" not in answer
    # Who was told and when, who was not and why: every recipient, the authorities included.
    assert "- Palvelinten valvonnan ja ylläpidon palveluntarjoaja: kerroimme 15.1.2026" in answer
    assert (
        "- Laskutusohjelman tarjoava kumppani: emme kertoneet. "
        "Syy: Kumppanin laskutusohjelmassa ei ole tietojasi." in answer
    )
    assert "- Viranomaiset: emme kertoneet. Syy: Viranomaisille ei ole luovutettu tietojasi." in (
        answer
    )
    assert "Kerroimme korjauksesta tietosuojaselosteessamme nimetyille" in answer
    # Not twice: the email's own list of recipients is left out when the letter has them.
    assert "Tietojesi vastaanottajat ja se, ilmoitimmeko niille" not in answer
    # The letter on record is the letter sent.
    stored = db.session.get(SubjectRequest, request_id)
    db.session.refresh(stored)
    assert "emme kertoneet. Syy: Viranomaisille" in stored.outcome_reasons


def test_the_recipients_list_is_refused_where_nothing_is_recorded(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ERASURE)
    refused = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "refused", "reasons": "Emme poista tietoja.\n{recipients}"},
    )
    assert refused.status_code == 409
    assert "{recipients}" in refused.get_data(as_text=True)
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN
    deliver()
    assert not [m for m in mailbox.messages if m["Subject"].startswith("Vastaus pyyntöösi")]
