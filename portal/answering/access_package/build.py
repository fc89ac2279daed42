"""Generating an access package: the ZIP with data.json, its schema, the report and the files
staff attached, written like attachments (fsynced, deleted again if the transaction rolls back).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from datetime import date, datetime
from pathlib import Path

from flask import render_template
from flask_babel import force_locale, format_date, format_datetime
from sqlalchemy import select

from portal import audit, files
from portal.answering import letters
from portal.answering.access_package import registers
from portal.answering.access_package.contents import (
    SCHEMA_FILE,
    collect,
    link_placeholder,
    zip_name,
)
from portal.answering.access_package.decisions import apply_redactions, without_left_out
from portal.answering.access_package.store import (
    AccessPackageError,
    check_answerable,
    packages_of,
    path_of,
)
from portal.answering.access_package.systems import task_files
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AccessPackage, Attachment, Role, SubjectRequest, User, utcnow
from portal.subject_requests.locking import lock_request
from portal.urls import external_url

CHUNK = 64 * 1024


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


def build(request: SubjectRequest, staff: User) -> AccessPackage:
    """Generate the package for an open access request; it replaces an unreleased one."""
    request = lock_request(request.id)  # one generation at a time per ticket
    check_answerable(request)
    language = letters.letter_language(request)
    replaced = [p for p in packages_of(request) if p.released_at is None and p.removed_at is None]
    # With the exports the systems' owners sent, less the files staff left out to protect other
    # people (GDPR Art. 15(4)).
    staff_files = without_left_out(request, _files_for_requester(request) + task_files(request))
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
    # What staff decided to remove to protect other people (GDPR Art. 15(4)).
    redacted_files, redaction = apply_redactions(request, data, staff_files, language)
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
    package.size, package.sha256 = _write_zip(
        path_of(package), data, report, staff_files, redacted_files
    )
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
        registers=registers.summary(data["systems"]),
        **redaction,
    )
    return package


def _write_zip(
    target: Path,
    data: dict,
    report: str,
    staff_files: list[Attachment],
    redacted_files: dict[str, bytes],
):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            archive.writestr("schema.json", SCHEMA_FILE.read_bytes())
            archive.writestr("report.html", report)
            for attachment in staff_files:
                name = zip_name(attachment)
                if name in redacted_files:
                    archive.writestr(name, redacted_files[name])
                else:
                    archive.write(files.path_of(attachment), name)
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


# The report ------------------------------------------------------------------------------------


def _when(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value)) if value else "–"


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else "–"


def _report_names(data: dict) -> dict:
    """Names the report shows beside the codes data.json keeps."""
    covered = [
        path.split(".")
        for addition in data["information"]["controller_additions"]
        for path in addition["covers"]
    ]

    def added(*paths: str) -> bool:
        """Whether any of the facts at ``paths`` is one of the controller's additions."""
        return any(path.split(".")[: len(c)] == c for path in paths for c in covered)

    return {
        "added": added,
        "category_names": {c["key"]: c["name"] for c in data["information"]["data_categories"]},
        "purpose_names": {p["key"]: p["name"] for p in data["information"]["purposes"]},
        "new_request_url": external_url("requests.choose"),
        "link_placeholder": link_placeholder(data["language"]),
    }
