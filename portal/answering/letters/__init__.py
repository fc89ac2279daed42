"""Letters: the default texts of ``letter_texts`` as staff have edited them, filled in from the
ticket and the notice, in the requester's language.

A letter only pre-fills a form on the ticket page; the contact person reads and edits it before
sending. Edited texts are kept per letter and language; restoring the default deletes the edit.
Every edit is on the audit trail with the text it replaced.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal import audit
from portal.answering.letters.filled import consent_purposes, kept_records, marketing_changes
from portal.answering.letters.texts import LETTERS, PLACEHOLDERS, LetterText
from portal.deadlines import local_date
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import LetterOverride, SubjectRequest, User
from portal.subject_requests.kinds import KINDS

BY_KEY: dict[str, LetterText] = {letter.key: letter for letter in LETTERS}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


class LetterError(ValueError):
    """An edit the portal refuses; the message is shown next to the text."""


def letter(key: str) -> LetterText:
    return BY_KEY[key]


def languages() -> list[str]:
    """The portal's languages that every default letter is written in."""
    return [
        code
        for code in current_app.config["LANGUAGES"]
        if all(code in letter.body for letter in LETTERS)
    ]


def letter_language(request: SubjectRequest) -> str:
    """Letters go in the requester's language (Finnish, Swedish or English); in Finnish, the
    notice's original language, when their language is one the letters are not written in."""
    language = request.requester.locale
    return language if language in languages() else "fi"


def overrides() -> dict[tuple[str, str], LetterOverride]:
    return {(o.key, o.language): o for o in db.session.scalars(select(LetterOverride))}


def text_of(key: str, language: str) -> str:
    edited = db.session.scalar(
        select(LetterOverride).where(LetterOverride.key == key, LetterOverride.language == language)
    )
    return edited.body if edited is not None else BY_KEY[key].body[language]


def for_action(action: str, request: SubjectRequest) -> list[LetterText]:
    """The letters that fit this action on this request: those for its kind, then general ones."""
    kind = request.kind.value
    fitting = [
        letter
        for letter in LETTERS
        if letter.action == action and (letter.kind is None or letter.kind == kind)
    ]
    return sorted(fitting, key=lambda letter: letter.kind is None)


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def _date(value) -> str:
    return f"{value.day}.{value.month}.{value.year}"


def values(request: SubjectRequest, language: str) -> dict[str, str]:
    notice = current_app.extensions["notice"]
    received_on = local_date(request.received_at, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    with force_locale(language):
        return {
            "name": request.requester.name,
            "reference": request.reference or "",
            "kind": str(KINDS[request.kind].title),
            "received_on": _date(received_on),
            "due_on": _date(request.due_on),
            "controller": notice.controller.name,
            "contact_person": notice.contact_person.name,
            "contact_email": notice.contact_person.email,
            "contact_phone": notice.contact_person.phone,
            "kept_records": kept_records(language, request),
            "marketing_changes": marketing_changes(request, language),
            "consent_purposes": consent_purposes(language),
            # "recipients" stays as it is: it is filled in from the Art. 19 record when the
            # answer is sent (filled.fill_recipients).
        }


def render(key: str, request: SubjectRequest) -> str:
    """The letter filled in for this request, in the requester's language."""
    language = letter_language(request)
    filled = values(request, language)
    return PLACEHOLDER.sub(lambda m: filled.get(m.group(1), m.group(0)), text_of(key, language))


def save(key: str, language: str, body: str, staff: User) -> None:
    body = (body or "").strip()
    if not body:
        raise LetterError(_l("Write the letter."))
    unknown = unknown_placeholders(body)
    if unknown:
        raise LetterError(
            _l(
                "Unknown placeholders: %(names)s. Use only the ones listed.",
                names=", ".join("{" + name + "}" for name in unknown),
            )
        )
    edited = db.session.scalar(
        select(LetterOverride).where(LetterOverride.key == key, LetterOverride.language == language)
    )
    before = edited.body if edited is not None else BY_KEY[key].body[language]
    if body == before:
        return
    if edited is None:
        edited = LetterOverride(key=key, language=language)
        db.session.add(edited)
    edited.body = body
    edited.updated_by_id = staff.id
    audit.record("letter.edited", actor=staff, body=body, key=key, language=language, before=before)


def restore(key: str, language: str, staff: User) -> None:
    edited = db.session.scalar(
        select(LetterOverride).where(LetterOverride.key == key, LetterOverride.language == language)
    )
    if edited is None:
        return
    audit.record(
        "letter.restored",
        actor=staff,
        body=BY_KEY[key].body[language],
        key=key,
        language=language,
        before=edited.body,
    )
    db.session.delete(edited)
