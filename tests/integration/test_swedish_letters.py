"""A Swedish-speaking requester is answered in Swedish (issue 10, item 8): staff start from the
Swedish letter on the ticket page, send it, and the delivered email -- the frame the portal adds
and the letter inside it -- is Swedish throughout, with no Finnish or English sentence in it.

"No Finnish or English sentence" is checked against every sentence the portal itself could put
in such an email in those languages: the Finnish and English texts of the catalogs, of the
default letters and their filled-in lines, and of the notice fields the letters quote.
"""

from __future__ import annotations

import html
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from portal.answering.letters.texts import FILLS, LEGAL_BASES, LETTERS
from portal.models import RequestKind, Role
from tests.conftest import REPO_ROOT, html_of, text_of
from tests.integration.conftest import STAFF_PASSWORD, all_recipients_told, ticket
from tests.integration.test_letters import textarea

PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\[[^\]]*\]")
SENTENCE_END = re.compile(r"(?<=[.:!?])\s+|\n+")
WRITTEN = "Här skriver kontaktpersonen sina egna skäl på svenska."


def _fragments(text: str, words: int = 4) -> set[str]:
    """The runs of at least ``words`` words of a text between its placeholders and sentence
    ends: each is a piece that would appear verbatim wherever the text is used."""
    found = set()
    for piece in PLACEHOLDERS.split(text):
        for sentence in SENTENCE_END.split(piece):
            sentence = " ".join(sentence.split()).strip(" -–,.:;()")
            if len(sentence.split()) >= words:
                found.add(sentence)
    return found


def _catalog(language: str):
    path = REPO_ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh)


@cache
def foreign_fragments() -> frozenset[str]:
    """Finnish and English text the portal could send: the fi catalog's translations, the
    English source texts, and the Finnish and English letters with their filled-in lines."""
    texts = []
    for message in _catalog("fi"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts += [*ids, *strings]
    for letter in LETTERS:
        texts += [letter.body["fi"], letter.body["en"]]
    for lines in (*FILLS.values(), *LEGAL_BASES.values()):
        texts += [lines["fi"], lines["en"]]
    return frozenset(fragment for text in texts if text for fragment in _fragments(text))


def notice_texts(app) -> list[tuple[str, str, str]]:
    """(fi, en, sv) of every notice field a letter or its frame quotes: what is kept after an
    erasure, with its period and ground, the recipients' names and the supervisory authority."""
    notice = app.extensions["notice"]
    fields = [notice.supervisory_authority.name, *(r.name for r in notice.recipients)]
    for category in notice.data_categories:
        if category.retention.kept_after_erasure:
            retention = category.retention
            fields += [category.name, retention.period, retention.legal_ground]
    return [(f.in_language("fi"), f.in_language("en"), f.in_language("sv")) for f in fields]


def assert_only_swedish(app, email: str) -> None:
    flat = " ".join(email.split())
    found = sorted(fragment for fragment in foreign_fragments() if fragment in flat)
    assert found == []
    for fi, en, sv in notice_texts(app):
        # A field the notice gives in Swedish is quoted in Swedish (names that are the same
        # in every language, e.g. a product name, aside).
        assert fi == sv or " ".join(fi.split()) not in flat, fi
        assert en == sv or " ".join(en.split()) not in flat, en


def _answer(staff_client, request_id: int, key: str) -> str:
    page = staff_client.get(f"/staff/requests/{request_id}?letter={key}").get_data(as_text=True)
    return textarea(page, "resolve-reasons").strip()


@pytest.mark.parametrize(
    ("kind", "key", "outcome"),
    [
        # A refusal: the frame adds the right to complain and to go to court (Art. 12(4)),
        # naming the supervisory authority from the notice.
        (RequestKind.ACCESS, "resolve.refused.unfounded", "refused"),
        # Filled in from the notice (what is kept, how long and why) and, when sent, from the
        # Art. 19 record (the recipients told).
        (RequestKind.ERASURE, "resolve.completed.erasure", "completed"),
        # Filled in from the record: what was done to marketing when the request came in.
        (RequestKind.MARKETING_OBJECTION, "resolve.completed.marketing_objection", "completed"),
        (RequestKind.CONSENT_WITHDRAWAL, "resolve.completed.consent_withdrawal", "completed"),
    ],
)
def test_a_swedish_requester_is_answered_in_swedish(
    app, staff_client, make_user, make_request, db, mailbox, deliver, kind, key, outcome
):
    person = make_user(email="stina@example.fi", name="Stina Lindholm", locale="sv")
    request_id = make_request(person, kind=kind)
    deliver()
    mailbox.messages.clear()

    letter = _answer(staff_client, request_id, key)
    # The ticket offers the Swedish letter, filled in from the request and the record.
    assert letter.startswith("Vi har behandlat din begäran WP-"), letter
    letter = re.sub(r"\[SKRIV HÄR:[^\]]*\]", WRITTEN, letter)
    form = {"outcome": outcome, "reasons": letter, "external_done": "y", **all_recipients_told()}
    response = ticket(staff_client, request_id, "resolve", form)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]

    deliver()
    [message] = mailbox.to("stina@example.fi")
    email = text_of(message)
    assert '<html lang="sv">' in html_of(message)
    # The frame and the letter, both in Swedish.
    assert "Hej Stina Lindholm," in email
    assert "Vi har behandlat din begäran" in email
    assert_only_swedish(app, email)
    assert_only_swedish(app, message["Subject"])
    if outcome == "refused":
        assert WRITTEN in email
        assert "Dataombudsmannens byrå" in email
    if kind is RequestKind.ERASURE:
        assert "Vi har raderat alla dina personuppgifter utom" in email
        assert "- Bokföringsböcker. Hur länge: tio år från räkenskapsperiodens utgång." in email
        assert "- Myndigheter: underrättades 15.1.2026" in email
    if kind is RequestKind.MARKETING_OBJECTION:
        assert "spärrlista för marknadsföring" in email
    if kind is RequestKind.CONSENT_WITHDRAWAL:
        assert "Ingen behandling grundar sig på samtycke" in email


def test_the_check_finds_a_finnish_or_english_sentence(app):
    with pytest.raises(AssertionError):
        assert_only_swedish(
            app, "Hej! Käytämme näitä tietoja vain siihen, mikä luettelossa kerrotaan."
        )
    with pytest.raises(AssertionError):
        assert_only_swedish(app, "Hej! We will answer the request by 1.2.2026 at the latest.")
    assert_only_swedish(app, "Hej! Vi har behandlat din begäran WP-2026-0001.")


def test_a_swedish_requesters_copy_of_the_data_is_in_swedish(app, make_user, make_request, db):
    """Issue 10, item 8: the access package's report (GDPR Art. 15) is written in the letters'
    language, Swedish for a Swedish speaker, with the notice's facts in Swedish."""
    from tests.integration.test_access_package import fetch, generate, packages, signed_in, zip_of

    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="fi",
    )
    staff = signed_in(app, "ville@wprod.fi", STAFF_PASSWORD)
    person = make_user(email="stina@example.fi", name="Stina Lindholm", locale="sv")
    request_id = make_request(person, kind=RequestKind.ACCESS)
    assert generate(staff, request_id).status_code == 302
    [package] = packages(db)
    archive = zip_of(
        fetch(staff, f"/staff/requests/{request_id}/access-package/{package.id}/download")
    )
    report = archive.read("report.html").decode()
    assert '<html lang="sv">' in report
    text = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(report)).split())
    notice = app.extensions["notice"]
    for category in notice.data_categories:
        assert category.name["sv"] in text
        assert category.retention.period["sv"] in text
    for recipient in notice.recipients:
        assert recipient.name["sv"] in text
    assert_only_swedish(app, text)


def test_a_letter_in_swedish_is_registered_and_answered_in_swedish(
    staff_client, make_user, db, mailbox, deliver
):
    """A request that came by post in Swedish: staff say so when registering it, and the
    acknowledgement and the letters go in Swedish; an existing account keeps its own choice."""
    from tests.integration.test_intake import only_request, register

    response = register(
        staff_client, channel="letter", email="stina@example.fi", name="Stina", language="sv"
    )
    assert response.status_code == 302
    subject_request = only_request(db)
    assert subject_request.requester.locale == "sv"
    deliver()
    [acknowledgement] = mailbox.to("stina@example.fi")
    assert (
        acknowledgement["Subject"] == f"Vi har tagit emot din begäran {subject_request.reference}"
    )
    assert_only_swedish(staff_client.application, text_of(acknowledgement))
    page = staff_client.get(
        f"/staff/requests/{subject_request.id}?letter=resolve.completed.erasure"
    ).get_data(as_text=True)
    assert "Vi har raderat alla dina personuppgifter utom" in html.unescape(page)

    maija = make_user(email="maija@example.fi", name="Maija Meikäläinen", locale="fi")
    assert register(staff_client, email="maija@example.fi", language="sv").status_code == 302
    assert db.session.get(type(maija), maija.id).locale == "fi"


@pytest.mark.parametrize("language", ["de", "\x00", "sv" * 50])
def test_a_language_the_portal_does_not_speak_is_refused_at_intake(staff_client, db, language):
    from portal.models import SubjectRequest
    from tests.integration.test_intake import register

    response = register(staff_client, email="stina@example.fi", language=language)
    assert response.status_code == 400
    assert db.session.query(SubjectRequest).count() == 0


@pytest.mark.parametrize(
    ("key", "action", "field", "form", "opening"),
    [
        ("reply.general", "reply", "reply-body", {}, "Tack för din begäran"),
        # The frame adds that the clock stands still until the person answers (Art. 12(6)).
        ("ask.identity", "ask", "ask-body", {"purpose": "identity"}, "Vi har tagit emot din"),
        # The frame gives the new due date in the Swedish locale's format (Art. 12(3)).
        ("extend.complexity", "extend", "extend-reason", {"months": "2"}, "Vi behandlar din"),
    ],
)
def test_a_swedish_requester_gets_replies_questions_and_extensions_in_swedish(
    app,
    staff_client,
    make_user,
    make_request,
    db,
    mailbox,
    deliver,
    key,
    action,
    field,
    form,
    opening,
):
    person = make_user(email="stina@example.fi", name="Stina Lindholm", locale="sv")
    request_id = make_request(person, kind=RequestKind.ACCESS)
    deliver()
    mailbox.messages.clear()
    page = staff_client.get(f"/staff/requests/{request_id}?letter={key}").get_data(as_text=True)
    letter = textarea(page, field).strip()
    assert letter.startswith(opening), letter
    letter = re.sub(r"\[SKRIV HÄR:[^\]]*\]", WRITTEN, letter)
    text_field = "reason" if action == "extend" else "body"
    response = ticket(staff_client, request_id, action, {**form, text_field: letter})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]

    deliver()
    [message] = mailbox.to("stina@example.fi")
    email = text_of(message)
    assert "Hej Stina Lindholm," in email and opening in email and WRITTEN in email
    assert_only_swedish(app, email)
    assert_only_swedish(app, message["Subject"])
