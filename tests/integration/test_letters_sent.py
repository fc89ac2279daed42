"""Every default letter, in every language of the letters (Finnish, Swedish, English), for every
request type and outcome, as staff start it on the ticket page and send it (issue 10, items 1, 7
and 8):

- rendered, the Finnish never speaks in the plural *te* (tests/finnish.py lists the forms);
- nothing is left unfilled but the parts staff must write, and ``{recipients}`` where the Art. 19
  record fills it in: the lines filled from the record and the notice add no part to write;
- sent as it is, a letter with a part to write is refused with that part quoted, and nothing
  goes; written, it goes, and the delivered email has no part to write and no placeholder left.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.answering.letters.texts import LETTERS, MARKERS
from portal.models import AuditEvent, RequestKind, RequestStatus, SubjectRequest
from tests.conftest import text_of
from tests.finnish import plural_forms
from tests.integration.conftest import all_recipients_told, ticket
from tests.integration.test_letters import textarea

LANGUAGES = ("fi", "sv", "en")
ACTIONS = ("reply", "ask", "extend", "resolve")
FIELDS = {"reply": "reply-body", "ask": "ask-body", "extend": "extend-reason"}
STAFF_PART = re.compile(r"\[(?:KIRJOITA TÄHÄN|SKRIV HÄR|WRITE HERE):[^\]]*\]")
# The one placeholder a letter keeps until it is sent: filled in from the Art. 19 record.
LATE = "{recipients}"
STAFF_ACTIONS = ("message.staff", "request.info_requested", "request.extended", "request.resolved")
WRITTEN = {
    "fi": "Tämän kohdan kirjoitti yhteyshenkilö.",
    "sv": "Det här skrev kontaktpersonen.",
    "en": "The contact person wrote this.",
}


def _requester(make_user, language: str, n: int):
    return make_user(
        email=f"kirje{n}-{language}@example.fi", name=f"Kirje {language} {n}", locale=language
    )


@pytest.fixture
def open_request(app, make_request):
    """A confirmed request of any kind; an objection with the particular situation it needs
    (GDPR Art. 21(1)), which ``make_request`` does not give."""
    from portal.extensions import db
    from portal.intake import submission
    from portal.models import User
    from portal.tokens import Purpose, make_token

    def make(requester, kind: RequestKind) -> int:
        if kind is not RequestKind.OBJECTION:
            return make_request(requester, kind=kind)
        with app.test_request_context():
            subject_request = submission.submit_request(
                db.session.get(User, requester.id),
                kind,
                submission_key=f"objection-{requester.id}",
                description="Vastustan käsittelyä.",
                particular_situation="Erityinen tilanteeni.",
            )
            db.session.commit()
            submission.confirm_request(make_token(Purpose.CONFIRM_REQUEST, rid=subject_request.id))
            db.session.commit()
            return subject_request.id

    return make


def _field(action: str) -> str:
    return FIELDS.get(action, "resolve-reasons")


def _prefilled(staff_client, request_id: int, key: str, action: str) -> str:
    page = staff_client.get(f"/staff/requests/{request_id}?letter={key}").get_data(as_text=True)
    return textarea(page, _field(action))


def test_every_default_letter_renders_in_every_language_for_every_kind(
    staff_client, open_request, make_user, db
):
    from portal.answering import letters

    rendered = 0
    for language in LANGUAGES:
        for n, kind in enumerate(RequestKind):
            request_id = open_request(_requester(make_user, language, n), kind)
            subject_request = db.session.get(SubjectRequest, request_id)
            for action in ACTIONS:
                for letter in letters.for_action(action, subject_request):
                    text = _prefilled(staff_client, request_id, letter.key, action)
                    where = (letter.key, kind.value, language)
                    assert text.strip(), where
                    assert subject_request.reference in text, where
                    if language == "fi":
                        assert plural_forms(text) == [], where
                    # Only the staff's parts and the Art. 19 list are left to fill: what the
                    # portal fills from the record (kept records, marketing changes, consent)
                    # adds no part to write, so the parts are exactly the default letter's.
                    default = letter.body[language]
                    assert len(STAFF_PART.findall(text)) == len(STAFF_PART.findall(default)), where
                    rest = STAFF_PART.sub("", text).replace(LATE, "")
                    assert "{" not in rest and "}" not in rest, where
                    assert "[" not in rest, where
                    assert all(
                        marker not in text for other, marker in MARKERS.items() if other != language
                    ), where
                    rendered += 1
    # Every letter, for each kind it fits (general ones for all seven), in every language.
    assert rendered == len(LANGUAGES) * sum(
        len(RequestKind) if letter.kind is None else 1 for letter in LETTERS
    )


SENT = [
    pytest.param(letter, language, id=f"{letter.key}-{language}")
    for letter in LETTERS
    for language in LANGUAGES
]


def _form(letter, field_text: str) -> dict:
    if letter.action == "reply":
        return {"body": field_text}
    if letter.action == "ask":
        return {"body": field_text, "purpose": "identity"}
    if letter.action == "extend":
        return {"months": "2", "reason": field_text}
    data = {"outcome": letter.outcome, "reasons": field_text, "external_done": "y"}
    return {**data, **all_recipients_told()}


@pytest.mark.parametrize(("letter", "language"), SENT)
def test_every_default_letter_is_refused_with_a_part_to_write_and_sent_once_written(
    letter, language, staff_client, open_request, make_user, db, mailbox, deliver
):
    kind = RequestKind(letter.kind) if letter.kind else RequestKind.ACCESS
    person = _requester(make_user, language, 0)
    request_id = open_request(person, kind)
    deliver()
    before = len(mailbox.to(person.email))
    text = _prefilled(staff_client, request_id, letter.key, letter.action)
    parts = STAFF_PART.findall(text)

    if parts:
        refused = ticket(staff_client, request_id, letter.action, _form(letter, text))
        assert refused.status_code == 400
        page = html.unescape(refused.get_data(as_text=True))
        for part in parts:
            assert f'"{part}"' in page
        # What staff wrote stays in the form, and nothing happened.
        assert (
            textarea(refused.get_data(as_text=True), _field(letter.action)).strip() == text.strip()
        )
        stored = db.session.get(SubjectRequest, request_id)
        db.session.refresh(stored)
        assert stored.status is RequestStatus.OPEN and stored.period_months == 1
        acted = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.request_id == request_id, AuditEvent.action.in_(STAFF_ACTIONS)
            )
        ).all()
        assert acted == []
        deliver()
        assert len(mailbox.to(person.email)) == before
        text = STAFF_PART.sub(WRITTEN[language], text)

    sent = ticket(staff_client, request_id, letter.action, _form(letter, text))
    assert sent.status_code == 302, html.unescape(sent.get_data(as_text=True))[-3000:]
    deliver()
    delivered = mailbox.to(person.email)
    assert len(delivered) == before + 1
    email = text_of(delivered[-1])
    assert not STAFF_PART.search(email)
    assert "[KIRJOITA" not in email and "[SKRIV" not in email and "[WRITE" not in email
    assert not re.search(r"\{\w*\}", email)
    if parts:
        assert WRITTEN[language] in email
    if language == "fi":
        # One voice in the whole message: the frame and the letter alike.
        assert plural_forms(email) == []


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reply", {"body": "Vastaus tulee. [KIRJOITA TÄHÄN: päivä]"}),
        ("reply", {"body": "Svaret kommer. [Skriv här: dagen"}),
        ("ask", {"body": "Lähetä [write here: what we need", "purpose": "identity"}),
        ("extend", {"months": "2", "reason": "Syy: {reference} ja [WRITE HERE: reason]"}),
        ("resolve", {"outcome": "refused", "reasons": "Emme toteuta. [KIRJOITA TÄHÄN: miksi]"}),
    ],
)
def test_a_hand_written_part_to_write_is_refused_too(
    action, data, staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ACCESS)
    refused = ticket(staff_client, request_id, action, data)
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert "Kirjeessä on vielä kohtia, jotka sinun pitää kirjoittaa" in page
    for part in STAFF_PART.findall(" ".join(data.values())):
        assert f'"{part}"' in page
    if action == "ask":
        assert '"[write here: what we need"' in page
    if "Svaret" in data.get("body", ""):
        assert '"[Skriv här: dagen"' in page
    if action == "extend":
        assert '"{reference}"' in page
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN


SV_MONTHS = ("jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.")
SV_MONTHS += ("nov.", "dec.")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_extension_states_only_the_new_due_date(
    language, staff_client, open_request, make_user, db, mailbox, deliver
):
    """GDPR Art. 12(3): the person is told the new date. The letter is filled in before staff
    choose the period, so it names no date of its own, and the old one appears nowhere."""
    person = _requester(make_user, language, 0)
    request_id = open_request(person, RequestKind.ACCESS)
    old = db.session.get(SubjectRequest, request_id).due_on
    deliver()
    before = len(mailbox.to(person.email))
    text = _prefilled(staff_client, request_id, "extend.complexity", "extend")
    text = STAFF_PART.sub(WRITTEN[language], text)
    sent = ticket(staff_client, request_id, "extend", {"months": "2", "reason": text})
    assert sent.status_code == 302
    stored = db.session.get(SubjectRequest, request_id)
    db.session.refresh(stored)
    new = stored.due_on
    assert new > old
    deliver()
    [email] = mailbox.to(person.email)[before:]
    body = text_of(email)
    # The frame's date, in the locale's format (written out, not formatted by the same code).
    formats = {
        "fi": f"{new.day}.{new.month}.{new.year}",
        "sv": f"{new.day} {SV_MONTHS[new.month - 1]} {new.year}",
        "en": f"{EN_MONTHS[new.month - 1]} {new.day}, {new.year}",
    }
    assert formats[language] in body
    assert f"{old.day}.{old.month}.{old.year}" not in body
