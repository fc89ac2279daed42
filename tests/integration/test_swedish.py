"""Swedish, Finland's other national language: chosen by the browser, the switch or the account;
pages, form errors and email in Swedish, dates in the Swedish locale's format.

The letters are written in Swedish too (tests/integration/test_swedish_letters.py reads a
Swedish answer as delivered), and the privacy notice is shown in Swedish, marked as a translation
of the Finnish original, to which it links.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.models import SubjectRequest, User
from tests.conftest import REPO_ROOT, html_of, link_in, path_of, sign_in, submit, text_of
from tests.integration.conftest import STAFF_PASSWORD
from tests.integration.test_requests import send_request

SWEDISH = {"Accept-Language": "sv-FI,sv;q=0.9,fi;q=0.8,en;q=0.7"}
# Babel's "medium" dates for sv and sv_FI; written out here so that the test does not check the
# portal's formatting with the same code that does it.
MONTHS = [
    "jan.",
    "feb.",
    "mars",
    "apr.",
    "maj",
    "juni",
    "juli",
    "aug.",
    "sep.",
    "okt.",
    "nov.",
    "dec.",
]


def swedish_date(day) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def english_sentences() -> list[str]:
    """The catalog's English source texts of several words with no placeholder, which a page in
    Swedish must not show."""
    path = REPO_ROOT / "portal" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return [
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.id and "%" not in m.id and len(m.id.split()) >= 3
    ]


def assert_swedish(html: str) -> None:
    assert '<html lang="sv">' in html
    text = visible_text(html)
    english = [sentence for sentence in english_sentences() if sentence in text]
    assert english == []


def test_a_swedish_browser_gets_the_portal_in_swedish(client):
    page = client.get("/", headers=SWEDISH).get_data(as_text=True)
    assert_swedish(page)
    assert "Dina dataskyddsrättigheter hos WProd Oy" in page
    assert "Dataskyddsbeskrivning" in page
    assert "Ville Kärpijoki" in page


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("sv-SE", "sv"),
        ("sv_FI", "sv"),
        ("de-DE, sv;q=0.3", "sv"),
        # A regional range counts as its language, before a lower-ranked exact one.
        ("fi-FI, en;q=0.5", "fi"),
        ("sv-FI, en;q=0.5", "sv"),
        # Among equal qualities the browser's order decides, not the portal's.
        ("en, sv", "en"),
        ("sv, en", "sv"),
        ("sv;q=0, en;q=0.5", "en"),
        ("de", "fi"),
        ("*", "fi"),
    ],
)
def test_accept_language_ranges(client, header, language):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{language}">' in page


def test_the_switch_offers_swedish_and_remembers_it(client):
    page = client.get("/").get_data(as_text=True)
    assert '<button type="submit" name="lang" value="sv" lang="sv"' in page
    assert ">Svenska</button>" in page

    response = submit(client, "/language", {"lang": "sv", "next": "/register"}, page="/")
    assert response.headers["Location"] == "/register"
    assert_swedish(client.get("/register").get_data(as_text=True))


def test_the_switch_saves_swedish_on_the_account(client, db, make_user, login):
    user = make_user()
    login()
    submit(client, "/language", {"lang": "sv", "next": "/account"}, page="/")
    assert db.session.get(User, user.id).locale == "sv"
    # Another browser, with no cookie and a Finnish Accept-Language, still gets Swedish.
    other = client.application.test_client()
    other.get("/", headers={"Accept-Language": "fi"})
    sign_in(other, "maija@example.fi", "kettu juoksee metsässä")
    assert_swedish(other.get("/account", headers={"Accept-Language": "fi"}).get_data(as_text=True))


def test_the_profile_offers_swedish(client, db, make_user, login):
    user = make_user()
    login()
    page = client.get("/account").get_data(as_text=True)
    assert 'value="sv"' in page
    assert "Svenska" in page
    response = submit(
        client,
        "/account",
        {"name": "Maija Meikäläinen", "email": "maija@example.fi", "locale": "sv"},
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).locale == "sv"
    assert_swedish(client.get("/account").get_data(as_text=True))


def test_form_errors_are_in_swedish(client):
    client.get("/", headers=SWEDISH)
    page = submit(client, "/register", {}, headers=SWEDISH).get_data(as_text=True)
    assert_swedish(page)
    assert "Ange din e-postadress." in page
    assert "Välj ett lösenord." in page


def test_registering_in_swedish_sends_a_swedish_email(client, db, mailbox, deliver):
    form = {
        "name": "Stina Lindholm",
        "email": "stina@example.fi",
        "password": "räven springer i skogen",
        "password_confirm": "räven springer i skogen",
        "acknowledge": "y",
    }
    client.get("/", headers=SWEDISH)
    assert submit(client, "/register", form, headers=SWEDISH).status_code == 302
    assert db.session.scalar(select(User.locale).where(User.email == "stina@example.fi")) == "sv"

    deliver()
    [message] = mailbox.to("stina@example.fi")
    assert message["Subject"] == "Bekräfta din e-postadress"
    text = text_of(message)
    assert "Hej Stina Lindholm," in text
    assert "Bekräfta din e-postadress genom att öppna den här länken" in text
    assert '<html lang="sv">' in html_of(message)

    page = client.get(path_of(link_in(message, "/confirm/")), headers=SWEDISH).get_data(
        as_text=True
    )
    assert_swedish(page)
    assert "Bekräfta min e-postadress" in page


def test_a_swedish_request_is_acknowledged_in_swedish_with_a_swedish_date(
    client, db, mailbox, deliver, contact, make_user, login
):
    make_user(locale="sv")
    login()
    response, _ = send_request(client, "erasure")
    assert response.status_code == 302
    deliver()
    [confirmation] = mailbox.to("maija@example.fi")
    subject_request = db.session.scalar(select(SubjectRequest))
    assert confirmation["Subject"] == f"Bekräfta din begäran {subject_request.reference}"
    link = path_of(link_in(confirmation, "/requests/confirm/"))
    assert_swedish(client.get(link).get_data(as_text=True))
    submit(client, link)

    deliver()
    acknowledgement = mailbox.to("maija@example.fi")[-1]
    assert (
        acknowledgement["Subject"] == f"Vi har tagit emot din begäran {subject_request.reference}"
    )
    text = text_of(acknowledgement)
    assert "Vi har tagit emot din begäran: Radering av dina uppgifter." in text
    assert f"Vi svarar senast {swedish_date(subject_request.due_on)}." in text
    # The contact person reads it in their own language, Finnish.
    [to_staff] = mailbox.to("ville@wprod.fi")
    due = subject_request.due_on
    assert f"{due.day}.{due.month}.{due.year}" in text_of(to_staff)

    page = client.get(f"/requests/{subject_request.id}").get_data(as_text=True)
    assert_swedish(page)
    assert swedish_date(due) in page


def test_dates_and_times_in_swedish_format(app, client, db, make_user, login):
    user = make_user(locale="sv")
    # 22:30 UTC on 31 Dec is already 1 Jan in Helsinki (UTC+2).
    stored = db.session.get(User, user.id)
    stored.created_at = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    db.session.commit()
    login()
    page = client.get("/account").get_data(as_text=True)
    assert "1 jan. 2027 00:30:00" in page


def test_staff_pages_in_swedish(client, db, contact, make_request, login):
    request_id = make_request()
    login("ville@wprod.fi", STAFF_PASSWORD)
    submit(client, "/language", {"lang": "sv", "next": "/staff/"}, page="/staff/")
    for url in (
        "/staff/",
        "/staff/closed",
        "/staff/unconfirmed",
        "/staff/intake",
        "/staff/letters",
        "/staff/suppression",
        f"/staff/requests/{request_id}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_swedish(response.get_data(as_text=True))


def test_letters_for_a_swedish_requester_are_in_swedish(
    app, client, db, contact, make_user, make_request, login
):
    """A Swedish speaker's letters are in Swedish; staff see which language the letter is in and
    can edit the Swedish letters."""
    from portal.answering import letters

    with app.app_context():
        written = letters.languages()
        key = letters.LETTERS[0].key
    assert written == ["fi", "sv", "en"]

    requester = make_user(email="stina@example.fi", name="Stina Lindholm", locale="sv")
    request_id = make_request(requester)
    login("ville@wprod.fi", STAFF_PASSWORD)
    ticket = client.get(f"/staff/requests/{request_id}")
    assert ticket.status_code == 200
    assert "(Svenska):" in ticket.get_data(as_text=True)
    prefilled = client.get(f"/staff/requests/{request_id}?letter=reply.general")
    assert "Tack för din begäran" in html.unescape(prefilled.get_data(as_text=True))

    letters_page = client.get("/staff/letters").get_data(as_text=True)
    assert f"/staff/letters/{key}/sv" in letters_page
    swedish_letter = client.get(f"/staff/letters/{key}/sv")
    assert swedish_letter.status_code == 200
    assert "[SKRIV HÄR:" in html.unescape(swedish_letter.get_data(as_text=True))
    assert client.get(f"/staff/letters/{key}/de").status_code == 404


def _notice_sentences(notice, language: str) -> list[str]:
    """The sentences of the notice's sections in one language."""
    bodies = "\n".join(section.body[language] for section in notice.sections if section.body)
    return [s.strip("- ") for s in re.split(r"(?<=[.:])\s+|\n+", bodies) if len(s.split()) >= 4]


def test_the_notice_in_swedish_is_a_marked_translation_linking_to_the_original(app, client):
    """Issue 10, item 8: the Swedish page shows the Swedish translation, marked as one, and
    links to the Finnish original, the controller's own text."""
    notice = app.extensions["notice"]
    response = client.get("/privacy-notice", headers=SWEDISH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_swedish(page)
    text = visible_text(page)
    assert "Detta är en översättning." in text
    assert (
        "Den ursprungliga dataskyddsbeskrivningen, så som WProd Oy har skrivit den, är på finska."
        in text
    )
    assert (
        '<a href="/privacy-notice?text=original" hreflang="fi">Läs originalet på finska</a>' in page
    )
    # The mark comes before the notice's first section.
    assert page.index('id="translation-mark"') < page.index('id="controller"')
    assert "Den registrerades rättigheter" in text
    assert "Texten ovan är en översättning av den dataskyddsbeskrivning som WProd Oy har" in text
    assert "Vi lämnar aldrig ut personuppgifter utanför EU/EES." in text
    # Not one sentence of the Finnish text on the Swedish page.
    finnish = [s for s in _notice_sentences(notice, "fi") if " ".join(s.split()) in text]
    assert finnish == []
    swedish = _notice_sentences(notice, "sv")
    assert [s for s in swedish if " ".join(s.split()) not in text] == []

    # The original, in a page that stays Swedish around it and says what it is.
    original = client.get("/privacy-notice?text=original", headers=SWEDISH).get_data(as_text=True)
    assert '<html lang="sv">' in original
    # The notice itself; the controller's additions after it stay in the reader's language.
    shown = visible_text(original[: original.index("</article>")])
    assert "Detta är dataskyddsbeskrivningens originaltext, på finska." in shown
    assert (
        "Texten ovan är dataskyddsbeskrivningen så som WProd Oy har skrivit den."
        in visible_text(original)
    )
    assert '<a href="/privacy-notice">Läs översättningen</a>' in original
    assert "Emme koskaan luovuta henkilötietoja EU/ETA alueen ulkopuolelle." in shown
    assert '<h2 lang="fi">9. Rekisteröidyn oikeudet</h2>' in original
    assert [s for s in swedish if " ".join(s.split()) in shown] == []


@pytest.mark.parametrize(
    ("header", "mark", "link"),
    [
        ("fi", None, None),
        ("en", "This is a translation.", "Read the original in Finnish"),
    ],
)
def test_the_notice_is_marked_as_a_translation_in_every_language_but_the_original(
    client, header, mark, link
):
    page = client.get("/privacy-notice", headers={"Accept-Language": header}).get_data(as_text=True)
    if mark is None:
        assert 'id="translation-mark"' not in page
        assert "Emme koskaan luovuta henkilötietoja EU/ETA alueen ulkopuolelle." in page
        # The original asked for in the original's language is simply the page.
        again = client.get("/privacy-notice?text=original", headers={"Accept-Language": header})
        assert 'id="translation-mark"' not in again.get_data(as_text=True)
    else:
        assert mark in page and link in page
        assert "We never disclose personal data outside the EU/EEA." in page


def test_an_unknown_text_choice_shows_the_readers_language(client):
    page = client.get("/privacy-notice?text=%00de", headers=SWEDISH).get_data(as_text=True)
    assert "Detta är en översättning." in visible_text(page)
    assert "Vi lämnar aldrig ut personuppgifter utanför EU/EES." in visible_text(page)


def test_a_swedish_speaking_staff_member_is_invited_in_swedish(app, runner, db, mailbox, deliver):
    result = runner.invoke(
        args=["staff", "create", "stina@wprod.fi", "Stina Lindholm", "--locale", "sv"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.locale).where(User.email == "stina@wprod.fi")) == "sv"
    deliver()
    [invitation] = mailbox.to("stina@wprod.fi")
    assert invitation["Subject"] == "Du har bjudits in till tjänsten för dataskyddsärenden"
    assert '<html lang="sv">' in html_of(invitation)
    refused = runner.invoke(args=["staff", "create", "x@wprod.fi", "X", "--locale", "de"])
    assert refused.exit_code != 0
