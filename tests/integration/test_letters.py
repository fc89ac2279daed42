"""Letters: staff start answers from templates per request type and outcome, filled in from the
ticket and the notice in the requester's language, and edit the templates themselves."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.models import AuditEvent, LetterOverride, RequestKind, RequestStatus, SubjectRequest
from tests.conftest import submit, text_of
from tests.integration.conftest import TODAY_ISO, all_recipients_told, ticket


def textarea(page: str, field_id: str) -> str:
    start = page.index(f'id="{field_id}"')
    start = page.index(">", start) + 1
    return html.unescape(page[start : page.index("</textarea>", start)])


def test_erasure_answer_starts_from_a_letter_with_the_kept_records(
    app, staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ERASURE)
    subject_request = db.session.get(SubjectRequest, request_id)
    address = subject_request.requester.email
    page = staff_client.get(f"/staff/requests/{request_id}?compose=resolve").get_data(as_text=True)
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
    # Everything was erased but the records listed, and the letter says so.
    assert "Olemme poistaneet kaikki henkilötietosi lukuun ottamatta alla lueteltuja" in letter
    # Each kept record on its own line, with its own period and its own ground from the notice
    # (Art. 17(3)): the Accounting Act for the books, accountability (Art. 5(2)) for the request
    # records; no "by law" over all of them.
    kept = [c for c in app.extensions["notice"].data_categories if c.retention.kept_after_erasure]
    assert {c.key for c in kept} >= {"billing_records", "books", "privacy_requests"}
    lines = letter.splitlines()
    for category in kept:
        [line] = [x for x in lines if x.startswith(f"- {category.name['fi']}.")]
        assert category.retention.period["fi"] in line
        assert category.retention.legal_ground["fi"] in line
    [requests_line] = [x for x in lines if x.startswith("- Tietosuojapyyntöjen")]
    assert "5 artiklan 2 kohdan" in requests_line and "Kirjanpitolaki" not in requests_line
    assert "Laki velvoittaa" not in letter and "lakisääteistä tarkoitusta" not in letter
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
    answer = text_of(mailbox.to(address)[-1])
    assert "Kirjanpitolaki" in answer
    # The letter lists the kept records; the email does not list them a second time, and adds
    # the day this request's records are kept until (three years, as the purge counts them).
    for category in kept:
        assert answer.count(category.name["fi"]) == 1, category.key
    db.session.expire_all()
    closed = db.session.get(SubjectRequest, request_id).closed_at
    until = closed.astimezone(ZoneInfo("Europe/Helsinki")).date()
    until = until.replace(year=until.year + 3)
    assert f"Säilytämme tämän pyynnön tiedot {until.day}.{until.month}.{until.year} asti." in answer


def test_an_answer_without_the_list_gets_it_from_the_email(
    app, staff_client, make_request, make_user, db, mailbox, deliver
):
    person = make_user(email="poisto@example.com", name="Pat Eraser", locale="en")
    request_id = make_request(person, kind=RequestKind.ERASURE)
    done = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "reasons": "Your data is gone.", **all_recipients_told()},
    )
    assert done.status_code == 302
    deliver()
    answer = text_of(mailbox.to("poisto@example.com")[-1])
    assert "By law" not in answer
    assert "We keep these records, each for as long and for the reason given:" in answer
    for category in app.extensions["notice"].data_categories:
        if category.retention.kept_after_erasure:
            assert (
                f"- {category.name['en']}. How long: {category.retention.period['en']}. "
                f"Why: {category.retention.legal_ground['en']}." in answer
            )


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
    assert "- Palvelinten valvonnan palveluntarjoaja: kerroimme 15.1.2026" in answer
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
