"""What staff decided about the other people a copy names (GDPR Art. 15(4)), read back from the
audit trail, and what the portal knows about who is who.

Each review is an ``access_package.others_reviewed`` event: for each mention, the decision
(``not_other``, ``disclose`` or ``redact``), the reason, who and when. The latest decision on a
spelling holds for every copy of the request generated after it, so a copy generated again (after
a new message, say) asks only about what is new. A package's own generation event records what was
removed from it and how often.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal import files
from portal.answering.access_package import others
from portal.answering.access_package.contents import zip_name
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import AccessPackage, Attachment, AuditEvent, Role, SubjectRequest, User

REVIEWED = "access_package.others_reviewed"
DECISIONS = ("not_other", "disclose", "redact")
# Art. 15(4), as the requester reads it in the copy.
GROUND = "GDPR Art. 15(4)"


@dataclass(frozen=True)
class Decision:
    term: str
    kind: str
    decision: str
    reason: str | None
    by_id: int | None
    at: datetime


def decisions_of(request: SubjectRequest) -> dict[str, Decision]:
    """The latest decision on each spelling (its case-folded key) for the request's copies."""
    latest: dict[str, Decision] = {}
    for event in _reviews(request):
        for item in (event.details or {}).get("decisions", []):
            latest[others.term_key(item["term"])] = Decision(
                term=item["term"],
                kind=item.get("kind", "name"),
                decision=item["decision"],
                reason=item.get("reason"),
                by_id=event.actor_id,
                at=event.occurred_at,
            )
    return latest


def file_decisions(request: SubjectRequest) -> dict[int, Decision]:
    """The latest decision on each file the portal cannot read (by attachment id): ``keep``
    (staff checked it) or ``leave_out`` (not in the copy, with the reason)."""
    latest: dict[int, Decision] = {}
    for event in _reviews(request):
        for item in (event.details or {}).get("files", []):
            latest[item["id"]] = Decision(
                term=item.get("path", ""),
                kind="file",
                decision=item["decision"],
                reason=item.get("reason"),
                by_id=event.actor_id,
                at=event.occurred_at,
            )
    return latest


def without_left_out(request: SubjectRequest, staff_files: list[Attachment]) -> list[Attachment]:
    """The files for the copy, less those staff decided to leave out of it."""
    left_out = {i for i, d in file_decisions(request).items() if d.decision == "leave_out"}
    return [a for a in staff_files if a.id not in left_out]


def _reviews(request: SubjectRequest) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == request.id, AuditEvent.action == REVIEWED)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )


def generation_of(package: AccessPackage) -> dict:
    """The details recorded when the package was generated (what was removed from it)."""
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.request_id == package.request_id,
            AuditEvent.action == "access_package.generated",
        )
        .order_by(AuditEvent.id.desc())
    ):
        if (event.details or {}).get("package") == package.id:
            return event.details
    return {}


def placeholder(language: str) -> str:
    with force_locale(language):
        return _("[removed: another person]")


# Who is who ------------------------------------------------------------------------------------


def known_for(request: SubjectRequest, data: dict) -> others.Known:
    """The person, the staff and the controller are set aside; other accounts are looked for."""
    notice = current_app.extensions["notice"]
    person = request.requester
    staff = db.session.scalars(select(User).where(User.role.in_((Role.STAFF, Role.ADMIN)))).all()
    own_addresses = {a.casefold() for a in (person.email, person.pending_email) if a}
    own_addresses |= {m["to"].casefold() for m in data.get("emails", []) if m.get("to")}
    sender = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1]
    domains = {
        address.rpartition("@")[2].casefold()
        for address in (notice.contact_person.email, sender)
        if address and "@" in address
    }
    set_aside_names = [notice.controller.name, *notice.supervisory_authority.name.values()]
    for recipient in notice.recipients:
        set_aside_names += list(recipient.name.values())
    accounts = db.session.execute(
        select(User.name).where(
            User.role == Role.REQUESTER,
            User.id != person.id,
            User.anonymised_at.is_(None),
        )
    ).scalars()
    other_accounts = set()
    for name in accounts:
        words = tuple(w.casefold() for w in others.WORD.findall(name or ""))
        # A one-word name would match ordinary words; the person's own name is theirs.
        if len(words) >= 2 and " ".join(words) != others.term_key(person.name or ""):
            other_accounts.add(words)
    return others.Known(
        own_addresses=frozenset(own_addresses),
        own_names=(person.name or "",),
        staff_addresses=frozenset(
            {u.email.casefold() for u in staff if u.email}
            | {
                notice.contact_person.email.casefold(),
                notice.supervisory_authority.email.casefold(),
            }
        ),
        staff_names=(*(u.name for u in staff), notice.contact_person.name),
        controller_domains=frozenset(domains),
        controller_names=tuple(set_aside_names),
        other_accounts=frozenset(other_accounts),
    )


# At generation ---------------------------------------------------------------------------------


def apply_redactions(
    request: SubjectRequest, data: dict, staff_files: list[Attachment], language: str
) -> tuple[dict[str, bytes], dict]:
    """Remove what staff decided to remove from ``data`` (in place) and from the text files.

    Returns the changed files' bytes by their path in the ZIP, and what to record on the
    generation event. ``data["redactions"]`` tells the requester that, and how much, was removed
    and on what ground, never what."""
    terms = {
        key: decision.term
        for key, decision in decisions_of(request).items()
        if decision.decision == "redact"
    }
    texts, encodings = {}, {}
    for attachment in staff_files:
        if others.is_text_file(attachment.filename):
            raw = files.path_of(attachment).read_bytes()
            texts[zip_name(attachment)], encodings[zip_name(attachment)] = others.decode(raw)
    left_out = sorted(i for i, d in file_decisions(request).items() if d.decision == "leave_out")
    counts, changed = others.redact(data, texts, list(terms.values()), placeholder(language))
    replaced = {name: texts[name].encode(encodings[name], errors="replace") for name in changed}
    for item in data.get("files", []):
        if item["path"] in replaced:
            # The checksum and size of the file as it is in this package.
            item["size"] = len(replaced[item["path"]])
            item["sha256"] = hashlib.sha256(replaced[item["path"]]).hexdigest()
    # A file left out is still listed under its request, with "in_package": null.
    data["redactions"] = (
        {
            "ground": GROUND,
            "placeholder": placeholder(language),
            "mentions_removed": sum(counts.values()),
            "files": sorted(changed),
            "files_left_out": len(left_out),
        }
        if counts or left_out
        else None
    )
    recorded = [{"term": terms[key], "count": counts.get(key, 0)} for key in sorted(terms)]
    return replaced, {
        "redacted": recorded,
        "redacted_files": sorted(changed),
        "left_out": left_out,
    }
