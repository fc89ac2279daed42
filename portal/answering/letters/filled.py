"""The parts of a letter that say what was done, filled in from the record, never from
assumption: a letter is a statement in the controller's name, so it may say only what staff
recorded and what the notice says.

``{recipients}`` is the one part filled in *when the answer is sent*, not when the letter is
chosen: it tells what staff recorded for GDPR Art. 19 on the same form that sends the answer —
every recipient in the notice with the day it was told, or why it was not — and that record does
not exist before the answer is sent.
"""

from __future__ import annotations

import re
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.answering.letters.texts import FILLS, LEGAL_BASES, MARKERS, PLACEHOLDERS
from portal.deadlines import local_date
from portal.extensions import db
from portal.models import AuditEvent, SubjectRequest
from portal.register.erasure import ticket as erasure_in_systems

RECIPIENTS = "{recipients}"
# A part staff must write, in any language of the letters, closed or not (an edit may have lost
# the bracket): "[KIRJOITA TÄHÄN: …]", "[WRITE HERE: …]".
_STAFF_PART = re.compile(
    r"\[\s*(?:" + "|".join(re.escape(m) for m in MARKERS.values()) + r")\b[^\]\n]*\]?",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def day(value: date) -> str:
    """Dates in letters are written d.m.yyyy, in every language."""
    return f"{value.day}.{value.month}.{value.year}"


def kept_records(language: str, request: SubjectRequest | None = None) -> str:
    """The categories the notice keeps after an erasure, each with its own period and its own
    ground as the notice gives them: a statute for the accounting records (Art. 17(3)(b)), the
    duty to demonstrate compliance for the request records (Art. 5(2)); never one ground for
    all. With ``request``, also what its erasure kept in the systems and until when, as the hold
    list records it (issue 11, item 5) -- nothing when nothing was recorded."""
    categories = "\n".join(
        FILLS["kept_record"][language].format(
            category=category.name.in_language(language),
            period=category.retention.period.in_language(language),
            ground=category.retention.legal_ground.in_language(language),
        )
        for category in current_app.extensions["notice"].data_categories
        if category.retention.kept_after_erasure
    )
    kept = erasure_in_systems.letter_facts(request)["kept"] if request is not None else []
    if not kept:
        return categories
    lines = [FILLS["kept_in_systems"][language]] + [
        FILLS["kept_in_system"][language].format(
            system=_in_language(item["system"], language),
            category=_in_language(item["category"], language),
            count=item["count"],
            date=day(item["until"]),
        )
        for item in kept
    ]
    return categories + "\n\n" + "\n".join(lines)


def _in_language(name, language: str) -> str:
    """A name from the notice in ``language``; a key the notice no longer has, as it is."""
    return name.in_language(language) if hasattr(name, "in_language") else str(name)


def marker(language: str, what: str) -> str:
    """A part staff must write before the letter can go."""
    return f"[{MARKERS[language]}: {what}]"


def marketing_changes(request: SubjectRequest, language: str) -> str:
    """What the portal did to marketing when the request was opened (Art. 21(3), 7(3)), as its
    "marketing.stopped" event records it; without the event, a part for staff to write."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.request_id == request.id, AuditEvent.action == "marketing.stopped")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return marker(language, FILLS["marketing_unrecorded"][language])
    on = day(local_date(event.occurred_at, current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    newsletter_before = (event.details.get("newsletter") or [False])[0]
    sentences = [
        FILLS["newsletter_stopped" if newsletter_before else "newsletter_not_sent"][
            language
        ].format(date=on)
    ]
    # Only what the event says: no address (or one already listed) adds nothing here.
    if event.details.get("suppression_list_added"):
        sentences.append(FILLS["suppression_added"][language].format(date=on))
    return " ".join(sentences)


def consent_purposes(language: str) -> str:
    """What the notice says rests on consent (Art. 7(3)). WProd Oy's notice names contract and
    legitimate interest (§4), so the letter says plainly that nothing rests on consent rather
    than that processing "based on this consent" stopped."""
    purposes = current_app.extensions["notice"].purposes
    on_consent = [p for p in purposes if p.legal_basis == "consent"]
    if not on_consent:
        bases = dict.fromkeys(p.legal_basis for p in purposes)
        return FILLS["no_consent"][language].format(
            bases=", ".join(LEGAL_BASES[basis][language] for basis in bases)
        )
    listed = "\n".join(f"- {p.name.in_language(language)}" for p in on_consent)
    return (
        FILLS["consent_purposes"][language].format(purposes=listed)
        + "\n"
        + marker(language, FILLS["consent_stopped"][language])
    )


def unfilled_parts(text: str, allow: tuple[str, ...] = ()) -> list[str]:
    """The parts of a letter still to be written, as they stand in it: the staff markers, and
    any placeholder the portal did not fill in (except those in ``allow``)."""
    parts = [match.group(0) for match in _STAFF_PART.finditer(text)]
    parts += [
        "{" + name + "}"
        for name in _PLACEHOLDER.findall(text)
        if name in PLACEHOLDERS and "{" + name + "}" not in allow
    ]
    return parts


def names_recipients(text: str | None) -> bool:
    return RECIPIENTS in (text or "")


def recipients_recorded(told: list, language: str) -> str:
    """What was recorded for each recipient (GDPR Art. 19): told on a day, or not and why.

    ``told`` holds ``(recipient, notified_on, reason)`` for every recipient in the notice,
    authorities included, as ``rights.completion`` records them."""
    lines = []
    for recipient, notified_on, reason in told:
        name = recipient.name.in_language(language)
        if notified_on is not None:
            lines.append(
                FILLS["recipient_told"][language].format(recipient=name, date=day(notified_on))
            )
        else:
            lines.append(
                FILLS["recipient_not_told"][language].format(recipient=name, reason=reason)
            )
    return "\n".join(lines)


def fill_recipients(text: str, told: list, language: str) -> str:
    """The letter with ``{recipients}`` replaced by the record just made; unchanged without it."""
    if not names_recipients(text):
        return text
    return text.replace(RECIPIENTS, recipients_recorded(told, language))
