"""The default letter templates: complete in Finnish, Swedish and English, well-formed and within
the legal rules."""

from __future__ import annotations

import re

import pytest

from portal.answering.letters.texts import (
    FILLS,
    LEGAL_BASES,
    LETTERS,
    PLACEHOLDERS,
    LetterText,
)
from portal.answering.letters.texts import MARKERS as MARKER_WORDS
from portal.models import Outcome, RequestKind
from tests.finnish import REPLACED, plural_forms

LANGUAGES = ("fi", "sv", "en")
ACTIONS = {"reply", "ask", "extend", "resolve"}
OUTCOMES = {"completed", "partially_completed", "refused"}
KINDS = {
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "marketing_objection",
    "consent_withdrawal",
}
REQUIRED_KEYS = {
    "reply.general",
    "ask.identity",
    "ask.scope",
    "extend.complexity",
    *(f"resolve.completed.{kind}" for kind in KINDS),
    "resolve.partially_completed.erasure",
    "resolve.partially_completed.general",
    "resolve.refused.unfounded",
    "resolve.refused.identity",
    "resolve.refused.objection",
}
# Art. 19: recipients are told of a rectification, erasure or restriction.
ART_19_KEYS = {
    "resolve.completed.rectification",
    "resolve.completed.erasure",
    "resolve.completed.restriction",
    "resolve.partially_completed.erasure",
}
# Letters that cannot be sent without the staff writing something in them.
FILL_IN_KEYS = {
    "reply.general",
    "extend.complexity",
    "ask.identity",
    "ask.scope",
    "resolve.partially_completed.general",
    "resolve.refused.unfounded",
    "resolve.refused.objection",
}
MARKERS = {"fi": "[KIRJOITA TÄHÄN:", "sv": "[SKRIV HÄR:", "en": "[WRITE HERE:"}
# The email layout appends the supervisory authority and the judicial remedy (Art. 12(4));
# a letter that repeats them would say it twice, and perhaps differently.
REMEDY_WORDS = re.compile(
    r"tietosuojavaltuutet|valvontaviranomai|tuomioistui|hallinto-oikeu|muutoksenhaku|tietosuoja\.fi"
    r"|supervisory authority|ombudsman|judicial|\bcourts?\b|\bcomplain"
    r"|dataombudsman|tillsynsmyndighet|domstol|klagomål|besvär|överklag",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

BY_KEY = {letter.key: letter for letter in LETTERS}
TEXTS = [
    pytest.param(letter, language, id=f"{letter.key}-{language}")
    for letter in LETTERS
    for language in LANGUAGES
]


def placeholder_problems(text: str) -> list[str]:
    """What is wrong with the placeholders of a text; empty when nothing is."""
    problems = [
        f"unknown placeholder {{{name}}}"
        for name in PLACEHOLDER.findall(text)
        if name not in PLACEHOLDERS
    ]
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append("unbalanced or nested braces")
    return problems


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize(
    "text",
    ["Hei {nimi},", "{name", "name}", "{{name}}", "{ name }", "{0}", "{name!r}", "{}"],
)
def test_placeholder_check_catches_mistakes(text):
    assert placeholder_problems(text)


def test_placeholder_check_accepts_known_names():
    assert placeholder_problems("Hei {name}, pyyntö {reference} ({kind}).") == []


def test_keys_are_unique():
    keys = [letter.key for letter in LETTERS]
    assert len(keys) == len(set(keys))


def test_all_required_letters_exist():
    assert REQUIRED_KEYS - set(BY_KEY) == set()


def test_kinds_match_the_model():
    assert {kind.value for kind in RequestKind} == KINDS
    assert {outcome.value for outcome in Outcome} == OUTCOMES


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_action_outcome_and_kind_are_allowed(letter: LetterText):
    assert letter.action in ACTIONS
    if letter.action == "resolve":
        assert letter.outcome in OUTCOMES
        assert letter.key.startswith(f"resolve.{letter.outcome}.")
    else:
        assert letter.outcome is None
        assert letter.key.startswith(f"{letter.action}.")
    assert letter.kind is None or letter.kind in KINDS


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_title_and_body_in_every_language(letter: LetterText):
    for field in (letter.title, letter.body):
        assert set(field) == set(LANGUAGES)
        assert all(isinstance(text, str) and text.strip() for text in field.values())


@pytest.mark.parametrize(("letter", "language"), TEXTS)
def test_placeholders_are_known_and_braces_balanced(letter: LetterText, language: str):
    assert placeholder_problems(letter.title[language]) == []
    assert placeholder_problems(letter.body[language]) == []
    # The renderer may well be str.format_map; every body must survive it.
    rendered = letter.body[language].format_map(dict.fromkeys(PLACEHOLDERS, "x"))
    assert "{" not in rendered and "}" not in rendered


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_every_language_uses_the_same_placeholders(letter: LetterText):
    for language in LANGUAGES:
        assert placeholders_in(letter.body[language]) == placeholders_in(letter.body["fi"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_has_a_completion_letter(kind):
    letter = BY_KEY[f"resolve.completed.{kind}"]
    assert (letter.action, letter.outcome, letter.kind) == ("resolve", "completed", kind)


def test_erasure_letters_list_the_kept_records():
    erasure_letters = [letter for letter in LETTERS if letter.kind == "erasure"]
    assert {letter.key for letter in erasure_letters} >= {
        "resolve.completed.erasure",
        "resolve.partially_completed.erasure",
    }
    for letter in erasure_letters:
        for language in LANGUAGES:
            assert "{kept_records}" in letter.body[language], (letter.key, language)


def test_erasure_letters_claim_no_single_legal_duty_for_what_is_kept():
    # Art. 17(3): the kept categories rest on different grounds ({kept_records} gives each its
    # own); the request records are kept for accountability (Art. 5(2)), not under a statute.
    blanket = re.compile(
        r"laki velvoittaa|lakisääteis|kirjanpitolaki|by law|law requires|accounting act"
        r"|enligt lag|lagen kräver|lagstadgad|bokföringslag",
        re.I,
    )
    for letter in LETTERS:
        if letter.kind == "erasure":
            for language in LANGUAGES:
                assert blanket.search(letter.body[language]) is None, (letter.key, language)
    # Everything was erased except the records listed.
    completed = BY_KEY["resolve.completed.erasure"].body
    assert "kaikki henkilötietosi lukuun ottamatta" in completed["fi"]
    assert "all your personal data except" in completed["en"]
    assert "alla dina personuppgifter utom" in completed["sv"]


def test_marketing_letters_say_what_the_record_says():
    # Art. 21(3), 7(3): what changed comes from the record; what rests on consent from the notice.
    for key in ("resolve.completed.marketing_objection", "resolve.completed.consent_withdrawal"):
        for language in LANGUAGES:
            body = BY_KEY[key].body[language]
            assert "{marketing_changes}" in body, (key, language)
            assert "estolistalle" not in body and "suppression list" not in body
            assert "spärrlista" not in body
    consent = BY_KEY["resolve.completed.consent_withdrawal"].body
    for language in LANGUAGES:
        assert "{consent_purposes}" in consent[language]
    assert "perustui" not in consent["fi"] and "based on it" not in consent["en"]
    assert "grundade sig" not in consent["sv"]
    for letter in LETTERS:
        body = " ".join(letter.body.values())
        if letter.kind not in ("marketing_objection", "consent_withdrawal"):
            assert "{marketing_changes}" not in body and "{consent_purposes}" not in body


def test_what_the_portal_fills_in_exists_in_every_language_of_the_letters():
    # A language added to the letters (Swedish next) needs the filled-in lines and markers too.
    assert set(MARKER_WORDS) == set(LANGUAGES)
    for language, word in MARKER_WORDS.items():
        assert MARKERS[language] == f"[{word}:"
    for texts in (*FILLS.values(), *LEGAL_BASES.values()):
        assert set(texts) == set(LANGUAGES)
        if "fi" in texts:
            assert plural_forms(texts["fi"]) == []


@pytest.mark.parametrize("key", sorted(ART_19_KEYS))
def test_rectification_erasure_and_restriction_letters_name_the_recipients(key):
    for language in LANGUAGES:
        assert "{recipients}" in BY_KEY[key].body[language], language


def test_only_erasure_letters_use_kept_records_and_only_art_19_letters_recipients():
    for letter in LETTERS:
        body = " ".join(letter.body.values())
        if letter.kind != "erasure":
            assert "{kept_records}" not in body, letter.key
        if letter.key not in ART_19_KEYS:
            assert "{recipients}" not in body, letter.key


@pytest.mark.parametrize(("letter", "language"), TEXTS)
def test_no_letter_mentions_the_supervisory_authority_or_courts(letter, language):
    text = letter.title[language] + "\n" + letter.body[language]
    assert REMEDY_WORDS.search(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Voitte tehdä valituksen Tietosuojavaltuutetun toimistolle.",
        "Voitte hakea muutosta hallinto-oikeudelta tai tuomioistuimelta.",
        "You may lodge a complaint with the supervisory authority.",
        "You may also go to court.",
        "Du kan lämna in ett klagomål till Dataombudsmannens byrå.",
        "Du kan överklaga beslutet hos förvaltningsdomstolen.",
    ],
)
def test_remedy_check_catches_remedy_wording(text):
    assert REMEDY_WORDS.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "Voitte vastata portaalissa.",
        "Teidän tietonne",
        "Teille on lähetetty kopio.",
        "Lähettäkää meille laskun numero.",
        "Ottakaa yhteyttä.",
        "Kun olitte kirjautuneet sisään",
        "pyyntöännekin",
    ],
)
def test_voice_check_catches_the_plural_forms(text):
    assert plural_forms(text)


@pytest.mark.parametrize(
    "text",
    [
        "Voit vastata portaalissa. Sinulla on oikeus tarkastaa tietosi.",
        "Lähetä meille laskun numero tai ota yhteyttä. Tilanne muuttuu, kun aikaa kuluu.",
        "Jatkaa, alkaa, lakkaa, muokkaa: tänne ja sinne.",
    ],
)
def test_voice_check_passes_the_singular(text):
    assert plural_forms(text) == []


def test_every_replaced_form_is_caught_and_its_replacement_is_not():
    for plural, singular in REPLACED.items():
        assert plural_forms(plural) == [plural]
        assert plural_forms(singular) == [], singular


@pytest.mark.parametrize(("letter", "language"), TEXTS)
def test_letters_leave_the_salutation_and_closing_to_the_email(letter, language):
    body = letter.body[language]
    assert not body.startswith(("Hei", "Hej", "Hello"))
    assert "terveisin" not in body and "regards" not in body and "hälsningar" not in body
    assert "{contact_person}\n{controller}" not in body


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_staff_markers_are_closed_and_match_across_languages(letter: LetterText):
    counts = {}
    for language, marker in MARKERS.items():
        body = letter.body[language]
        counts[language] = body.count(marker)
        # Each marker says what to write and is closed before the next one opens.
        closed = re.findall(re.escape(marker) + r" [^\[\]{}]+\]", body)
        assert len(closed) == counts[language], (letter.key, language)
        for other, other_marker in MARKERS.items():
            assert other == language or other_marker not in body, (letter.key, language)
    assert counts["fi"] == counts["sv"] == counts["en"]
    assert (counts["fi"] > 0) == (letter.key in FILL_IN_KEYS)


def test_extension_letter_states_no_due_date_of_its_own():
    # When the letter is filled in, {due_on} is the date before the extension, and the new one
    # depends on the period staff choose; the email states the new date above the letter
    # (GDPR Art. 12(3)), so the letter naming one would say something untrue.
    for language in LANGUAGES:
        assert "{due_on}" not in BY_KEY["extend.complexity"].body[language]


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_finnish_letters_speak_as_sina(letter: LetterText):
    # Issue 10, item 7: one voice with the pages and the email frames.
    assert plural_forms(letter.title["fi"] + "\n" + letter.body["fi"]) == []


@pytest.mark.parametrize(("letter", "language"), TEXTS)
def test_letters_are_short(letter, language):
    assert 15 <= len(letter.body[language].split()) <= 170


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_swedish_letters_speak_as_du(letter: LetterText):
    # One voice with the Swedish pages: "du", never the plural or polite "ni" ("er", "ert").
    words = re.findall(r"\w+", (letter.title["sv"] + "\n" + letter.body["sv"]).lower())
    assert {"ni", "er", "ert", "era", "eder"} & set(words) == set()
    assert {"du", "din", "dig", "ditt", "dina"} & set(words)


@pytest.mark.parametrize("letter", LETTERS, ids=lambda letter: letter.key)
def test_swedish_letters_are_translations_not_copies(letter: LetterText):
    # A paragraph left in Finnish or English would reach a Swedish speaker as it is.
    def sentences(text: str) -> set[str]:
        pieces = re.split(r"(?<=[.:])\s+|\n+|\{\w+\}|\[[^\]]*\]", text)
        return {" ".join(p.split()) for p in pieces if len(p.split()) >= 3}

    swedish = sentences(letter.title["sv"] + "\n" + letter.body["sv"])
    for language in ("fi", "en"):
        assert swedish & sentences(letter.title[language] + "\n" + letter.body[language]) == set()
