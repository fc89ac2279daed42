"""Staff review the other people a copy names before it is released (GDPR Art. 15(4)).

``review_of`` reads the copy as it was generated (data.json and the text files in the ZIP) and
lists every other person it names (``others``), with what staff decided about each. ``record``
keeps a review on the audit trail (decision, reason, who, when) and, when a removal changed,
generates the copy again without the removed words. ``release`` refuses a copy that names
someone nobody decided about, or holds a file the portal cannot read that nobody checked.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select

from portal import audit
from portal.answering import letters
from portal.answering.access_package import decisions, others, store
from portal.answering.access_package.build import build
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AccessPackage, Attachment, User
from portal.subject_requests.locking import lock_request

# The longest reason and the longest added words that are kept.
REASON_MAX = 2000
TERM_MAX = 200
FILE_ID = re.compile(r"^files/(\d+)-")


# Where in the copy, as staff read it.
FIELD_NAMES = {
    "description": _l("Details"),
    "particular_situation": _l("Particular situation"),
    "customer_number": _l("Customer number"),
    "username": _l("Username"),
    "business_id": _l("Business ID"),
    "extension_reason": _l("Reasons for the extension"),
    "outcome_reasons": _l("Reasons given with the answer"),
    "timeline": _l("Timeline"),
    "files": _l("File name"),
}


def place_label(where: tuple, data: dict) -> str:
    """Where a mention is, e.g. "WP-2026-0042 · Timeline" or "File files/12-export.csv"."""
    section = where[0]
    if section == "file":
        return str(_l("File %(name)s", name=where[1]))
    if section == "emails":
        subject = data["emails"][where[1]].get("subject") or ""
        return str(_l("Email “%(subject)s”", subject=subject))
    if section == "account_history":
        return str(_l("Account history"))
    if section == "files":
        return str(_l("File name"))
    reference = data["requests"][where[1]].get("reference") or "–"
    part = FIELD_NAMES.get(where[2], where[2]) if len(where) > 2 else ""
    return f"{reference} · {part}"


@dataclass
class Item:
    """Another person the copy names, where, and what was decided (None: not yet)."""

    mention: others.Mention
    decision: decisions.Decision | None
    places: list[tuple[str, str]] = field(default_factory=list)

    @property
    def decided(self) -> bool:
        # A removal that still shows in the copy is not done: the copy must be generated again.
        return self.decision is not None and self.decision.decision != "redact"


@dataclass
class Removed:
    term: str
    count: int
    decision: decisions.Decision | None


@dataclass
class UnreadFile:
    """A file in the copy that the portal cannot read (PDF, image, office file)."""

    attachment_id: int
    path: str
    decision: decisions.Decision | None

    @property
    def checked(self) -> bool:
        return self.decision is not None and self.decision.decision == "keep"


@dataclass
class LeftOut:
    attachment_id: int
    filename: str
    decision: decisions.Decision | None


@dataclass
class Review:
    package: AccessPackage
    items: list[Item] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    unread_files: list[UnreadFile] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    readable: bool = True
    # Who decided, by user id; and the placeholder, in the requester's language.
    names: dict[int, str] = field(default_factory=dict)
    placeholder: str = ""

    @property
    def undecided(self) -> list[Item]:
        return [item for item in self.items if not item.decided]

    @property
    def complete(self) -> bool:
        return self.readable and not self.undecided and all(f.checked for f in self.unread_files)

    def terms(self) -> list[str]:
        return [item.mention.term for item in self.items]


def contents_of(package: AccessPackage) -> tuple[dict, dict[str, str], list[str]] | None:
    """data.json, the text files and the other files' paths of a stored package."""
    path = store.path_of(package)
    if package.removed_at is not None or not path.is_file():
        return None
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        texts, unread = {}, []
        for name in archive.namelist():
            if not name.startswith("files/"):
                continue
            if others.is_text_file(name):
                texts[name] = others.decode(archive.read(name))[0]
            else:
                unread.append(name)
    return data, texts, unread


def review_of(package: AccessPackage) -> Review:
    request = package.request
    review = Review(package, placeholder=decisions.placeholder(letters.letter_language(request)))
    contents = contents_of(package)
    if contents is None:
        review.readable = False
        return review
    data, texts, unread = contents
    decided = decisions.decisions_of(request)
    on_files = decisions.file_decisions(request)
    known = decisions.known_for(request, data)
    review.items = [
        Item(
            mention,
            decided.get(mention.key),
            [(place_label(place.where, data), place.snippet) for place in mention.places],
        )
        for mention in others.find_mentions(data, texts, known)
    ]
    for removed in decisions.generation_of(package).get("redacted", []):
        key = others.term_key(removed["term"])
        review.removed.append(Removed(removed["term"], removed["count"], decided.get(key)))
    for name in unread:
        match = FILE_ID.match(name)
        attachment_id = int(match.group(1)) if match else 0
        review.unread_files.append(UnreadFile(attachment_id, name, on_files.get(attachment_id)))
    left_out = decisions.generation_of(package).get("left_out", [])
    if left_out:
        names = dict(
            db.session.execute(
                select(Attachment.id, Attachment.filename).where(Attachment.id.in_(left_out))
            ).all()
        )
        review.left_out = [LeftOut(i, names.get(i, "–"), on_files.get(i)) for i in left_out]
    deciders = {d.by_id for d in [*decided.values(), *on_files.values()] if d.by_id is not None}
    if deciders:
        review.names = dict(
            db.session.execute(select(User.id, User.name).where(User.id.in_(deciders))).all()
        )
    return review


def _clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit] if text else ""


def record(
    package: AccessPackage,
    staff: User,
    choices: list[tuple[str, str, str]],
    *,
    added: tuple[str, str] | None = None,
    on_files: dict[int, tuple[str, str]] | None = None,
) -> AccessPackage:
    """Record staff's decisions on the copy waiting for release; returns the copy to release
    (a new one when a removal changed). ``choices`` are (words, decision, reason); ``on_files``
    maps a file the portal cannot read to (``keep`` or ``leave_out``, reason)."""
    request = lock_request(package.request_id)
    db.session.refresh(package)
    if package.released_at is not None or package.removed_at is not None:
        raise store.AccessPackageError(
            _l("This copy is no longer the one waiting for release. Nothing changed.")
        )
    store.check_answerable(request)
    review = review_of(package)
    listed = {item.mention.key: item.mention for item in review.items}
    listed |= {
        others.term_key(r.term): others.Mention(r.term, r.decision.kind if r.decision else "name")
        for r in review.removed
    }
    recorded = []
    for term, decision, reason in choices:
        mention = listed.get(others.term_key(term or ""))
        if mention is None or not decision:
            continue  # not in this copy (an out-of-date page), or left for later
        if decision not in decisions.DECISIONS:
            raise store.AccessPackageError(_l("Choose one of the decisions offered."))
        reason = (reason or "").strip()
        if decision == "redact" and not reason:
            raise store.AccessPackageError(
                _l(
                    "Give the reason for removing %(words)s: it is kept on the record. "
                    "Nothing changed.",
                    words=mention.term,
                )
            )
        recorded.append(
            {
                "term": mention.term,
                "kind": mention.kind,
                "decision": decision,
                "reason": reason[:REASON_MAX] or None,
            }
        )
    if added and (added[0] or "").strip():
        words, reason = _clean(added[0], TERM_MAX), (added[1] or "").strip()
        data, texts, _unread = contents_of(package) or ({}, {}, [])
        if len(words) < 2 or not others.occurs(words, data, texts):
            raise store.AccessPackageError(
                _l(
                    "The copy does not contain “%(words)s”. Copy the words as they are written. "
                    "Nothing changed.",
                    words=words,
                )
            )
        if not reason:
            raise store.AccessPackageError(
                _l(
                    "Give the reason for removing %(words)s: it is kept on the record. "
                    "Nothing changed.",
                    words=words,
                )
            )
        recorded.append(
            {"term": words, "kind": "added", "decision": "redact", "reason": reason[:REASON_MAX]}
        )
    paths = {f.attachment_id: f.path for f in review.unread_files}
    paths |= {f.attachment_id: f.filename for f in review.left_out}
    files = []
    for attachment_id, (decision, reason) in sorted((on_files or {}).items()):
        if attachment_id not in paths or decision not in ("keep", "leave_out"):
            continue
        reason = (reason or "").strip()
        if decision == "leave_out" and not reason:
            raise store.AccessPackageError(
                _l(
                    "Give the reason for leaving %(words)s out: it is kept on the record. "
                    "Nothing changed.",
                    words=paths[attachment_id],
                )
            )
        files.append(
            {
                "id": attachment_id,
                "path": paths[attachment_id],
                "decision": decision,
                "reason": reason[:REASON_MAX] or None,
            }
        )
    if not recorded and not files:
        raise store.AccessPackageError(
            _l("Choose a decision for at least one of the people listed. Nothing changed.")
        )
    audit.record(
        decisions.REVIEWED,
        actor=staff,
        request=request,
        package=package.id,
        decisions=recorded,
        files=files,
    )
    db.session.flush()
    wanted = {key for key, d in decisions.decisions_of(request).items() if d.decision == "redact"}
    applied = {others.term_key(r.term) for r in review.removed}
    leave_out = {
        i for i, d in decisions.file_decisions(request).items() if d.decision == "leave_out"
    }
    if wanted != applied or leave_out != {f.attachment_id for f in review.left_out}:
        return build(request, staff)
    return package


def release(package: AccessPackage, staff: User) -> None:
    """Release the copy, once every other person it names has been decided about."""
    lock_request(package.request_id)
    db.session.refresh(package)
    if package.released_at is None and package.removed_at is None:
        review = review_of(package)
        if review.readable and not review.complete:
            raise store.AccessPackageError(
                _l(
                    "Before the copy is released, decide about each other person it names and "
                    "check the files the portal cannot read (GDPR Art. 15(4)). Nothing changed."
                )
            )
    store.release(package, staff)
