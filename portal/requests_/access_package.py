"""The answer to an access request (GDPR Art. 15): one ZIP that staff generate, preview and
release, and that the requester downloads from their request's page while signed in.

The ZIP holds

- ``data.json``: what the portal itself holds about the person (account and profile, marketing
  status and restriction, every request they made with the public part of its timeline, the emails
  sent to them, their account's history) and the Art. 15(1)(a)-(h) information taken from the
  notice, in a commonly used electronic form (Art. 15(3)); ``schema.json`` describes it
  (``access_package_schema.json`` next to this module, a JSON Schema);
- ``report.html``: the same, readable, in the requester's language, with no external resources;
- ``files/``: the files staff attached to the request for the requester, such as exports from the
  billing program or the hosting panel.

Never in it: internal notes and internal files, password hashes, session nonces, and the
single-use tokens in the links of earlier emails (each such link is replaced by a placeholder).

The bytes live under ``UPLOAD_DIR/packages/`` under a random key, written like attachments
(``portal.files``): fsynced, and deleted again when the transaction rolls back. Bytes of a package
that is replaced or expires are deleted only once the commit that marks it removed has happened.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, abort, current_app, render_template, send_file
from flask.cli import with_appcontext
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal import audit, files
from portal.deadlines import local_date, start_of_day
from portal.extensions import db
from portal.models import (
    AccessPackage,
    Attachment,
    AuditEvent,
    OutboxMessage,
    RecipientNotice,
    RequestKind,
    Role,
    SubjectRequest,
    User,
    utcnow,
)
from portal.requests_ import letters
from portal.requests_.kinds import KINDS
from portal.requests_.lifecycle import ACTIVE
from portal.requests_.services import (
    RequestError,
    controller_today,
    notify,
    requester_url,
)
from portal.urls import external_url

SCHEMA_FILE = Path(__file__).with_name("access_package_schema.json")
SCHEMA_VERSION = 1
PACKAGE_DIR = "packages"
CHUNK = 64 * 1024

# GDPR Art. 6(1): the legal bases the notice may name for a purpose.
LEGAL_BASIS_NAMES = {
    "contract": _l("Performance of a contract (GDPR Art. 6(1)(b))"),
    "legitimate_interest": _l("Legitimate interest (GDPR Art. 6(1)(f))"),
    "legal_obligation": _l("Legal obligation (GDPR Art. 6(1)(c))"),
    "consent": _l("Consent (GDPR Art. 6(1)(a))"),
}

# Art. 15(1)(e) names rectification, erasure, restriction and objection; the answer also names the
# other rights the portal takes requests for.
RIGHTS = (
    (RequestKind.RECTIFICATION, _l("GDPR Art. 16")),
    (RequestKind.ERASURE, _l("GDPR Art. 17")),
    (RequestKind.RESTRICTION, _l("GDPR Art. 18")),
    (RequestKind.OBJECTION, _l("GDPR Art. 21(1)")),
    (RequestKind.MARKETING_OBJECTION, _l("GDPR Art. 21(2)–(3)")),
    (RequestKind.CONSENT_WITHDRAWAL, _l("GDPR Art. 7(3)")),
)

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


class AccessPackageError(RequestError):
    """A rule refused the action on a package; the message says why, and nothing changed."""


class PackageExpired(Exception):
    """The released copy was available for a limited time, and that time is over."""

    def __init__(self, package: AccessPackage) -> None:
        super().__init__(f"access package {package.id} expired")
        self.package = package


# Reading ---------------------------------------------------------------------------------------


def path_of(package: AccessPackage) -> Path:
    key = package.storage_key
    return files.upload_dir() / PACKAGE_DIR / key[:2] / key


def packages_of(request: SubjectRequest) -> list[AccessPackage]:
    """Every package made for the request, newest first (replaced ones too: the record stays)."""
    return list(
        db.session.scalars(
            select(AccessPackage)
            .where(AccessPackage.request_id == request.id)
            .order_by(AccessPackage.generated_at.desc(), AccessPackage.id.desc())
        )
    )


def available_until(package: AccessPackage) -> date | None:
    """The last local day on which the requester can download the package."""
    if package.expires_at is None:
        return None
    return local_date(
        package.expires_at - timedelta(microseconds=1), current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )


def is_expired(package: AccessPackage, now: datetime | None = None) -> bool:
    return package.expires_at is not None and (now or utcnow()) >= package.expires_at


@dataclass(frozen=True)
class StaffView:
    """What the ticket page shows: the copy waiting for release, the released one, and who."""

    draft: AccessPackage | None
    released: AccessPackage | None
    history: list[AccessPackage]
    names: dict[int, str]
    released_until: date | None
    released_expired: bool


def staff_view(request: SubjectRequest) -> StaffView:
    history = packages_of(request)
    draft = next((p for p in history if p.released_at is None and p.removed_at is None), None)
    released = next((p for p in history if p.released_at is not None), None)
    user_ids = {p.generated_by_id for p in history} | {p.released_by_id for p in history}
    names = {
        user.id: user.name
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids - {None})))
    }
    return StaffView(
        draft=draft,
        released=released,
        history=history,
        names=names,
        released_until=available_until(released) if released else None,
        released_expired=bool(released and is_expired(released)),
    )


@dataclass(frozen=True)
class RequesterView:
    package: AccessPackage
    available_until: date | None
    expired: bool


def latest_released(request: SubjectRequest) -> AccessPackage | None:
    return db.session.scalar(
        select(AccessPackage)
        .where(AccessPackage.request_id == request.id, AccessPackage.released_at.is_not(None))
        .order_by(AccessPackage.released_at.desc(), AccessPackage.id.desc())
        .limit(1)
    )


def requester_view(request: SubjectRequest) -> RequesterView | None:
    """The copy on the requester's page: only a released one, and whether it is still there."""
    package = latest_released(request)
    if package is None:
        return None
    return RequesterView(package, available_until(package), is_expired(package))


def for_requester(request: SubjectRequest, now: datetime | None = None) -> AccessPackage | None:
    """The copy the requester may download now; raises PackageExpired after its period."""
    package = latest_released(request)
    if package is None:
        return None
    if is_expired(package, now):
        raise PackageExpired(package)
    if package.removed_at is not None or not path_of(package).is_file():
        return None
    return package


def report_of(package: AccessPackage) -> bytes | None:
    """The report as the requester gets it, read out of the stored ZIP (for the preview)."""
    path = path_of(package)
    if package.removed_at is not None or not path.is_file():
        return None
    with zipfile.ZipFile(path) as archive:
        return archive.read("report.html")


# Generating ------------------------------------------------------------------------------------


def _locked(request: SubjectRequest) -> SubjectRequest:
    """The request row, locked until the commit (PostgreSQL), so that two staff members working
    the same ticket at once cannot both generate or release."""
    return db.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _check_answerable(request: SubjectRequest) -> None:
    if request.kind is not RequestKind.ACCESS:
        raise AccessPackageError(
            _l("A copy of the data is made only for an access request (GDPR Art. 15).")
        )
    if request.status not in ACTIVE:
        raise AccessPackageError(_l("This request is not open, so this cannot be done any more."))


def _files_for_requester(request: SubjectRequest) -> list[Attachment]:
    """What staff attached for the requester: public files uploaded by staff, still stored."""
    staff_ids = select(User.id).where(User.role.in_((Role.STAFF, Role.ADMIN)))
    return list(
        db.session.scalars(
            select(Attachment)
            .where(
                Attachment.request_id == request.id,
                Attachment.public.is_(True),
                Attachment.removed_at.is_(None),
                Attachment.uploaded_by_id.in_(staff_ids),
                # A staff member's own evidence on their own request is not the controller's answer.
                Attachment.uploaded_by_id != request.requester_id,
            )
            .order_by(Attachment.id)
        )
    )


def _zip_name(attachment: Attachment) -> str:
    # The id keeps two files of the same name apart.
    return f"files/{attachment.id}-{attachment.filename}"


def build(request: SubjectRequest, staff: User) -> AccessPackage:
    """Generate the package for an open access request; it replaces an unreleased one."""
    request = _locked(request)
    _check_answerable(request)
    language = letters.letter_language(request)
    replaced = [p for p in packages_of(request) if p.released_at is None and p.removed_at is None]
    staff_files = _files_for_requester(request)
    for attachment in staff_files:
        if not files.path_of(attachment).is_file():
            raise AccessPackageError(
                _l(
                    "The file %(name)s is missing from the storage, so the copy cannot be made. "
                    "Nothing changed.",
                    name=attachment.filename,
                )
            )
    generated_at = utcnow()
    data = collect(request, language, generated_at, staff_files)
    with force_locale(language):
        report = render_template(
            "access/report.html", data=data, when=_when, day=_day, **_report_names(data)
        )
    key = secrets.token_hex(32)
    package = AccessPackage(
        request=request,
        storage_key=key,
        generated_at=generated_at,
        generated_by_id=staff.id,
    )
    package.size, package.sha256 = _write_zip(path_of(package), data, report, staff_files)
    db.session.add(package)
    for old in replaced:
        old.removed_at = generated_at
        files.delete_after_commit(path_of(old))
    db.session.flush()
    audit.record(
        "access_package.generated",
        actor=staff,
        request=request,
        package=package.id,
        size=package.size,
        sha256=package.sha256,
        language=language,
        files=[{"id": a.id, "filename": a.filename, "sha256": a.sha256} for a in staff_files],
        replaced=[p.id for p in replaced],
    )
    return package


def _write_zip(target: Path, data: dict, report: str, staff_files: list[Attachment]):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            archive.writestr("schema.json", SCHEMA_FILE.read_bytes())
            archive.writestr("report.html", report)
            for attachment in staff_files:
                archive.write(files.path_of(attachment), _zip_name(attachment))
        digest = hashlib.sha256()
        with open(partial, "rb+") as written:
            while chunk := written.read(CHUNK):
                digest.update(chunk)
            os.fsync(written.fileno())
        size = partial.stat().st_size
        # Named before the rename, so a rollback deletes the bytes (portal.files).
        db.session.info.setdefault("written_files", []).append(target)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return size, digest.hexdigest()


# What goes in data.json ------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _party(user_id: int | None, requester_id: int) -> str:
    if user_id is None:
        return "system"
    return "requester" if user_id == requester_id else "controller"


def collect(
    request: SubjectRequest, language: str, generated_at: datetime, staff_files: list[Attachment]
) -> dict:
    """Everything data.json holds, as plain JSON values; the schema describes every field."""
    notice = current_app.extensions["notice"]
    user = request.requester
    requests = list(
        db.session.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.requester_id == user.id)
            .order_by(SubjectRequest.received_at, SubjectRequest.id)
        )
    )
    ids = [r.id for r in requests]
    # Only the public part of each timeline: internal notes and staff-only events stay out.
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id.in_(ids), AuditEvent.public.is_(True))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    attachments = db.session.scalars(
        select(Attachment)
        .where(Attachment.request_id.in_(ids), Attachment.public.is_(True))
        .order_by(Attachment.id)
    ).all()
    told = db.session.scalars(
        select(RecipientNotice)
        .where(RecipientNotice.request_id.in_(ids))
        .order_by(RecipientNotice.id)
    ).all()
    in_package = {a.id: _zip_name(a) for a in staff_files}

    def timeline(r: SubjectRequest) -> list[dict]:
        return [
            {
                "occurred_at": _iso(e.occurred_at),
                "action": e.action,
                "by": _party(e.actor_id, user.id),
                "message": e.body,
                "details": e.details or {},
            }
            for e in events
            if e.request_id == r.id
        ]

    def request_files(r: SubjectRequest) -> list[dict]:
        return [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "added_at": _iso(a.created_at),
                "by": _party(a.uploaded_by_id, user.id),
                "deleted_at": _iso(a.removed_at),
                "in_package": in_package.get(a.id),
            }
            for a in attachments
            if a.request_id == r.id
        ]

    def recipients_told(r: SubjectRequest) -> list[dict]:
        known = {recipient.key: recipient for recipient in notice.recipients}
        return [
            {
                "recipient": t.recipient_key,
                "name": known[t.recipient_key].name.in_language(language)
                if t.recipient_key in known
                else t.recipient_key,
                "told_on": _iso(t.notified_on),
            }
            for t in told
            if t.request_id == r.id
        ]

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _iso(generated_at),
        "language": language,
        "answers_request": request.reference,
        "controller": {
            "name": notice.controller.name,
            "address": notice.controller.address.one_line,
            "phone": notice.controller.phone,
        },
        "contact_person": {
            "name": notice.contact_person.name,
            "address": notice.contact_person.address.one_line,
            "phone": notice.contact_person.phone,
            "email": notice.contact_person.email,
        },
        "person": {
            "name": user.name,
            "email": user.email,
            "pending_email": user.pending_email,
            "role": user.role.value,
            "language": user.locale,
            "account_created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "password_changed_at": _iso(user.password_changed_at),
            "privacy_notice_version": user.notice_version,
            "privacy_notice_acknowledged_at": _iso(user.notice_acknowledged_at),
        },
        "marketing": {
            "newsletter": bool(user.newsletter),
            "processing_restricted_at": _iso(user.restricted_at),
        },
        "requests": [
            {
                "reference": r.reference,
                "kind": r.kind.value,
                "status": r.status.value,
                "channel": r.channel.value,
                "description": r.description or "",
                "particular_situation": r.particular_situation,
                "customer_number": r.customer_number,
                "username": r.username,
                "business_id": r.business_id,
                "received_at": _iso(r.received_at),
                "confirmed_at": _iso(r.confirmed_at),
                "due_on": _iso(r.due_on),
                "period_months": r.period_months,
                "extension_reason": r.extension_reason,
                "outcome": r.outcome.value if r.outcome else None,
                "outcome_reasons": r.outcome_reasons,
                "closed_at": _iso(r.closed_at),
                "timeline": timeline(r),
                "files": request_files(r),
                "recipients_told": recipients_told(r),
            }
            for r in requests
        ],
        "emails": _emails(user, language),
        "account_history": [
            {"occurred_at": _iso(e.occurred_at), "action": e.action, "details": e.details or {}}
            for e in db.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.subject_user_id == user.id,
                    AuditEvent.request_id.is_(None),
                    AuditEvent.action.startswith("account."),
                )
                .order_by(AuditEvent.occurred_at, AuditEvent.id)
            )
        ],
        "files": [
            {
                "path": _zip_name(a),
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "request": request.reference,
            }
            for a in staff_files
        ],
        "information": information(language),
    }


def _emails(user: User, language: str) -> list[dict]:
    """Every email the portal sent (or is sending) to the person: their address or account."""
    sent_to_them = OutboxMessage.user_id == user.id
    if user.email:
        sent_to_them = or_(sent_to_them, OutboxMessage.recipient == user.email)
    return [
        {
            "to": m.recipient,
            "subject": m.subject,
            "language": m.locale,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
            "status": m.status.value,
            "body": without_link_tokens(m.body_text, language),
        }
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(sent_to_them)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    ]


def link_placeholder(language: str) -> str:
    with force_locale(language):
        return _("[link removed]")


def without_link_tokens(text: str, language: str) -> str:
    """The text with every portal link that carries a signed token replaced by a placeholder.

    A token still inside its lifetime would work for whoever holds the file (a reset link,
    a request's confirmation link); the copy of the data does not need it."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/")
    prefix = base.path.rstrip("/")
    placeholder = link_placeholder(language)

    def replace(match: re.Match) -> str:
        url = urlsplit(match.group(0))
        if url.netloc != base.netloc or not url.path.startswith(prefix):
            return match.group(0)
        try:
            _endpoint, arguments = adapter.match(url.path[len(prefix) :] or "/", method="GET")
        except (HTTPException, RequestRedirect):
            return match.group(0)
        return placeholder if "token" in arguments else match.group(0)

    return URL_PATTERN.sub(replace, text or "")


def information(language: str) -> dict:
    """The Art. 15(1)(a)-(h) information, from the notice, in the requester's language."""
    notice = current_app.extensions["notice"]
    authority = notice.supervisory_authority
    with force_locale(language):
        return {
            "processes_your_data": True,
            "purposes": [
                {
                    "key": p.key,
                    "name": p.name.in_language(language),
                    "legal_basis": p.legal_basis,
                    "legal_basis_name": str(LEGAL_BASIS_NAMES[p.legal_basis]),
                }
                for p in notice.purposes
            ],
            "data_categories": [
                {
                    "key": c.key,
                    "name": c.name.in_language(language),
                    "description": c.description.in_language(language),
                    "register_part": (
                        notice.register.parts[c.register_part].in_language(language)
                        if c.register_part is not None
                        else None
                    ),
                    "purposes": list(c.purposes),
                    "retention": {
                        "period": c.retention.period.in_language(language),
                        "legal_ground": c.retention.legal_ground.in_language(language),
                        "kept_after_erasure": c.retention.kept_after_erasure,
                        "years": c.retention.years,
                        "counted_from": (
                            c.retention.counted_from.in_language(language)
                            if c.retention.counted_from
                            else None
                        ),
                    },
                }
                for c in notice.data_categories
            ],
            "recipients": [
                {
                    "key": r.key,
                    "name": r.name.in_language(language),
                    "description": r.description.in_language(language),
                    "role": r.role,
                    "categories": list(r.categories),
                }
                for r in notice.recipients
            ],
            "transfers_outside_eea": notice.transfers_outside_eea,
            "rights": [
                {
                    "key": kind.value,
                    "article": str(article),
                    "name": str(KINDS[kind].title),
                    "summary": str(KINDS[kind].summary),
                }
                for kind, article in RIGHTS
            ],
            "supervisory_authority": {
                "name": authority.name.in_language(language),
                "address": authority.address.one_line,
                "postal_address": authority.postal_address,
                "phone": authority.phone,
                "email": authority.email,
                "website": authority.website,
            },
            "sources": [source.in_language(language) for source in notice.sources],
            "automated_decision_making": notice.automated_decisions,
        }


# The report ------------------------------------------------------------------------------------


def _when(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value)) if value else "–"


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else "–"


def _report_names(data: dict) -> dict:
    """Names the report shows beside the codes data.json keeps."""
    return {
        "category_names": {c["key"]: c["name"] for c in data["information"]["data_categories"]},
        "purpose_names": {p["key"]: p["name"] for p in data["information"]["purposes"]},
        "new_request_url": external_url("requests.choose"),
        "link_placeholder": link_placeholder(data["language"]),
    }


# Releasing and downloading ---------------------------------------------------------------------


def release(package: AccessPackage, staff: User) -> None:
    """Make the package downloadable for ACCESS_PACKAGE_DAYS and tell the requester by email."""
    request = _locked(package.request)
    db.session.refresh(package)
    if package.released_at is not None:
        raise AccessPackageError(
            _l("This copy has already been released to the requester. Nothing changed.")
        )
    if package.removed_at is not None:
        raise AccessPackageError(
            _l("This copy was replaced by a newer one, so it cannot be released. Nothing changed.")
        )
    _check_answerable(request)
    now = utcnow()
    until = controller_today(now) + timedelta(days=current_app.config["ACCESS_PACKAGE_DAYS"])
    # An earlier copy released on this request gives way to the new one.
    replaced = [
        p
        for p in packages_of(request)
        if p.id != package.id and p.released_at is not None and p.removed_at is None
    ]
    for old in replaced:
        old.removed_at = now
        files.delete_after_commit(path_of(old))
    package.released_at = now
    package.released_by_id = staff.id
    # "Until 12.6." means all of that local day.
    package.expires_at = start_of_day(
        until + timedelta(days=1), current_app.config["BABEL_DEFAULT_TIMEZONE"]
    ).astimezone(UTC)
    audit.record(
        "access_package.released",
        actor=staff,
        request=request,
        public=True,
        package=package.id,
        sha256=package.sha256,
        available_until=until,
        replaced=[p.id for p in replaced],
    )
    notify(
        request,
        "access_package_ready",
        to=request.requester,
        subject=_l("A copy of your data is ready: %(reference)s", reference=request.reference),
        available_until=until,
        request_url=requester_url(request),
    )


def record_download(package: AccessPackage, reader: User, *, by_staff: bool) -> None:
    """Each download is on the record; the requester's own also on their timeline."""
    if package.removed_at is not None or not path_of(package).is_file():
        abort(404)
    audit.record(
        "access_package.downloaded",
        actor=reader,
        request=package.request,
        public=not by_staff,
        package=package.id,
        sha256=package.sha256,
        by_staff=by_staff,
    )


def send(package: AccessPackage):
    response = send_file(
        path_of(package),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{package.request.reference or 'data'}.zip",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Removal ---------------------------------------------------------------------------------------


def purge(now: datetime | None = None) -> list[AccessPackage]:
    """Delete the bytes of copies whose period ended, and of unreleased copies of requests that
    are no longer open (GDPR Art. 5(1)(c), (e)); the rows stay on record."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(AccessPackage).where(AccessPackage.removed_at.is_(None))
    ).all()
    purged = []
    for package in candidates:
        if package.released_at is not None:
            if not is_expired(package, now):
                continue
            reason = "expired"
        elif package.request.status not in ACTIVE:
            reason = "request-no-longer-open"
        else:
            continue
        package.removed_at = now
        files.delete_after_commit(path_of(package))
        audit.record(
            "access_package.deleted", request=package.request, package=package.id, reason=reason
        )
        purged.append(package)
    return purged


@click.command("purge-packages")
@with_appcontext
def purge_command() -> None:
    """Delete the bytes of expired access packages and of unreleased ones of closed requests."""
    purged = purge()
    db.session.commit()
    click.echo(f"Deleted {len(purged)} access package(s).")


def init_app(app: Flask) -> None:
    """Template helpers for the ticket page and the requester's page, and the daily command."""
    app.add_template_global(staff_view, "access_packages")
    app.add_template_global(requester_view, "access_copy")
    from portal.cli import requests_group

    requests_group.add_command(purge_command)
