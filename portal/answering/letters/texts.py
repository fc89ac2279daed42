"""Default letter templates the contact person starts from when answering a request.

Each letter exists in Finnish ("fi", ``texts_fi``), Swedish ("sv", ``texts_sv``) and English
("en", ``texts_en``), one module per language; this module puts them together. Staff may edit a
letter in the portal; an edited letter is stored separately and replaces the default here,
which never changes at run time.

Placeholders are written ``{name}`` and are substituted by the renderer; only the names in
``PLACEHOLDERS`` may be used, and braces appear nowhere else in a letter. ``{kept_records}`` and
``{recipients}`` are ready-made bulleted lists, each placed on a line of its own;
``{recipients}`` is filled in only when the answer is sent, from the Art. 19 record made with it
(``filled.py``).

Where staff must write something before sending, the letter holds a visible marker,
``[KIRJOITA TÄHÄN: …]`` in Finnish, ``[SKRIV HÄR: …]`` in Swedish and ``[WRITE HERE: …]`` in
English.

A letter is the body of a message: the email and the request's page add the salutation
and the closing (the contact person and the controller), and the email to a person asked for
information says that the clock is suspended and where to reply. The letters deliberately
leave out the right to lodge a complaint with the supervisory authority and to seek a judicial
remedy (Art. 12(4)): the email layout appends that text to every refusal and partial
completion, so it is worded, and kept up to date, in one place.

The Finnish letters speak to the person as *sinä*, never in the plural or polite *te* (issue 10,
item 7; ``texts_fi``); the Swedish ones as *du*.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.answering.letters import texts_en, texts_fi, texts_sv

_BY_LANGUAGE = {"fi": texts_fi, "sv": texts_sv, "en": texts_en}


@dataclass(frozen=True)
class LetterText:
    key: str
    action: str  # "reply", "ask", "extend" or "resolve"
    outcome: str | None  # for action "resolve": "completed", "partially_completed", "refused"
    kind: str | None  # the request kind the letter is meant for, or None for any kind
    title: dict[str, str]  # {"fi": ..., "sv": ..., "en": ...}: a short name shown to staff
    body: dict[str, str]  # {"fi": ..., "sv": ..., "en": ...}: the letter text


PLACEHOLDERS: dict[str, str] = {
    "name": "The requester's name.",
    "reference": "The request's reference, e.g. WP-2026-0042.",
    "kind": "The name of the request type, in the letter's language.",
    "received_on": "The date the request was received (d.m.yyyy).",
    "due_on": "The current due date of the answer (d.m.yyyy).",
    "controller": "The controller's name (WProd Oy).",
    "contact_person": "The contact person's name.",
    "contact_email": "The contact person's email address.",
    "contact_phone": "The contact person's phone number.",
    "kept_records": (
        "A ready-made bulleted list of the records the notice keeps after an erasure, each "
        "with its own retention period and its own ground, as the notice gives them."
    ),
    "marketing_changes": (
        "What the portal changed when the request was opened, from the record: the newsletter "
        "stopped (or was not being sent) and the address put on the suppression list, with "
        "the day."
    ),
    "consent_purposes": (
        "What the notice says rests on consent: where nothing does, a plain sentence saying so "
        "and naming the grounds the notice gives; otherwise the list, and a part for you to "
        "write on what was stopped."
    ),
    "recipients": (
        "Filled in when the answer is sent, from what you record for GDPR Art. 19 on the same "
        "form: a bulleted list of every recipient in the notice, with the day it was told or "
        "why it was not. Only in the answer to a rectification, erasure or restriction."
    ),
}

# Where staff must write something, in each language (see the module's docstring).
MARKERS: dict[str, str] = {language: texts.MARKER for language, texts in _BY_LANGUAGE.items()}

# The lines the portal fills in from the record and the notice, in each language of the letters.
FILLS: dict[str, dict[str, str]] = {
    name: {language: texts.FILLS[name] for language, texts in _BY_LANGUAGE.items()}
    for name in texts_fi.FILLS
}

# The legal bases of the notice's purposes (GDPR Art. 6(1)), as a letter names them.
LEGAL_BASES: dict[str, dict[str, str]] = {
    basis: {language: texts.LEGAL_BASES[basis] for language, texts in _BY_LANGUAGE.items()}
    for basis in texts_fi.LEGAL_BASES
}

# Which letters there are: (key, action, outcome, kind). Why each says what it says is noted
# beside its Finnish text, the original (``texts_fi``).
_LETTERS = (
    ("reply.general", "reply", None, None),
    ("ask.identity", "ask", None, None),
    ("ask.scope", "ask", None, None),
    ("extend.complexity", "extend", None, None),
    # Completed, one letter per kind of request.
    ("resolve.completed.access", "resolve", "completed", "access"),
    ("resolve.completed.rectification", "resolve", "completed", "rectification"),
    ("resolve.completed.erasure", "resolve", "completed", "erasure"),
    ("resolve.completed.restriction", "resolve", "completed", "restriction"),
    ("resolve.completed.objection", "resolve", "completed", "objection"),
    ("resolve.completed.marketing_objection", "resolve", "completed", "marketing_objection"),
    ("resolve.completed.consent_withdrawal", "resolve", "completed", "consent_withdrawal"),
    # Partially completed.
    ("resolve.partially_completed.erasure", "resolve", "partially_completed", "erasure"),
    ("resolve.partially_completed.general", "resolve", "partially_completed", None),
    # Refused.
    ("resolve.refused.unfounded", "resolve", "refused", None),
    ("resolve.refused.identity", "resolve", "refused", None),
    ("resolve.refused.objection", "resolve", "refused", "objection"),
)


def _letter(key: str, action: str, outcome: str | None, kind: str | None) -> LetterText:
    """One letter in every language; a body's paragraphs are separated by blank lines."""
    return LetterText(
        key=key,
        action=action,
        outcome=outcome,
        kind=kind,
        title={language: texts.LETTERS[key][0] for language, texts in _BY_LANGUAGE.items()},
        body={
            language: "\n\n".join(texts.LETTERS[key][1]) for language, texts in _BY_LANGUAGE.items()
        },
    )


LETTERS: tuple[LetterText, ...] = tuple(_letter(*letter) for letter in _LETTERS)
