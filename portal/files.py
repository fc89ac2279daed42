"""Attachments: checked on the way in, stored outside the web root, served only through views
that check who is asking.

A file is accepted when its name ends in an allowed extension *and* its first bytes are what that
type starts with, so a renamed program or an HTML page cannot pass as a PDF. The type the portal
records and serves is its own, never the one the browser sent. Bytes go to ``UPLOAD_DIR`` under a
random key; the name the person gave is kept only for display.

Writing the bytes and committing the row cannot be one transaction, so a file written for a
transaction that rolls back is deleted again (``_forget_on_rollback``): the database never names a
file that is not there, and no unnamed file stays behind. Deleting works the other way round:
the bytes go only after the commit (``delete_after_commit``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import format_decimal
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal import audit
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import Attachment, AuditEvent, SubjectRequest, User

CHUNK = 64 * 1024


def _starts_with(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: any(head.startswith(s) for s in signatures)


def _is_text(head: bytes) -> bool:
    # Plain text: no NUL bytes in what was read (UTF-8 or Latin-1 both pass).
    return b"\x00" not in head


_ZIP = _starts_with(b"PK\x03\x04")


@dataclass(frozen=True)
class FileType:
    content_type: str
    looks_right: Callable[[bytes], bool]


# What people send as evidence or staff send as a data copy: documents, scans, exports.
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", _starts_with(b"%PDF-")),
    "png": FileType("image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": FileType("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "jpeg": FileType("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "txt": FileType("text/plain; charset=utf-8", _is_text),
    "csv": FileType("text/csv; charset=utf-8", _is_text),
    "json": FileType("application/json", _is_text),
    "zip": FileType("application/zip", _ZIP),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP
    ),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "odt": FileType("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
}
SNIFF_BYTES = 4096


class UploadError(ValueError):
    """A file the portal does not take; the message is shown next to the field."""


def allowed_extensions() -> list[str]:
    return [ext for ext in current_app.config["ATTACHMENT_TYPES"] if ext in FILE_TYPES]


def limit_mb() -> str:
    """The size limit per file in megabytes, as the reader's language writes numbers."""
    return format_decimal(round(current_app.config["ATTACHMENT_MAX_BYTES"] / (1024 * 1024), 1))


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def display_name(filename: str) -> str:
    """The name as shown and offered for download: no path, no control characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[-200:] or "file"


def _size_of(upload: FileStorage) -> int:
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def chosen(uploads: Iterable[FileStorage] | None) -> list[FileStorage]:
    """The files actually chosen (a form with an empty file input sends one nameless part)."""
    return [u for u in (uploads or []) if isinstance(u, FileStorage) and u.filename]


def check_uploads(uploads: Iterable[FileStorage] | None) -> list[FileStorage]:
    """Raise UploadError for the first file the portal does not take; nothing is stored."""
    config = current_app.config
    files = chosen(uploads)
    if len(files) > config["ATTACHMENT_MAX_FILES"]:
        raise UploadError(
            _l("Attach at most %(count)s files at a time.", count=config["ATTACHMENT_MAX_FILES"])
        )
    for upload in files:
        name = display_name(upload.filename)
        extension = _extension(name)
        if extension not in allowed_extensions():
            raise UploadError(
                _l(
                    "%(name)s: this type of file is not accepted. Accepted types: %(types)s.",
                    name=name,
                    types=", ".join(allowed_extensions()),
                )
            )
        size = _size_of(upload)
        if size == 0:
            raise UploadError(_l("%(name)s is empty.", name=name))
        if size > config["ATTACHMENT_MAX_BYTES"]:
            raise UploadError(
                _l(
                    "%(name)s is too large: the limit is %(limit)s MB per file.",
                    name=name,
                    limit=limit_mb(),
                )
            )
        head = upload.stream.read(SNIFF_BYTES)
        upload.stream.seek(0)
        if not FILE_TYPES[extension].looks_right(head):
            raise UploadError(
                _l(
                    "%(name)s does not look like a .%(extension)s file. Check the file and "
                    "choose it again.",
                    name=name,
                    extension=extension,
                )
            )
    return files


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def incoming_path(storage_key: str) -> Path:
    """Where a message read from the privacy mailbox is kept as it arrived."""
    return upload_dir() / "inbox" / storage_key[:2] / storage_key


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.storage_key[:2] / attachment.storage_key


def _write(upload: FileStorage, key: str) -> tuple[int, str]:
    target = upload_dir() / key[:2] / key
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    upload.stream.seek(0)
    with open(partial, "wb") as out:
        while chunk := upload.stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return size, digest.hexdigest()


def store(
    uploads: Iterable[FileStorage] | None,
    *,
    request: SubjectRequest,
    uploader: User | None,
    public: bool,
) -> list[Attachment]:
    """Check and write the files, and add their rows to the session (not yet tied to an event)."""
    stored = []
    for upload in check_uploads(uploads):
        key = secrets.token_hex(32)
        size, sha256 = _write(upload, key)
        name = display_name(upload.filename)
        attachment = Attachment(
            request=request,
            uploaded_by_id=uploader.id if uploader else None,
            public=public,
            filename=name,
            content_type=FILE_TYPES[_extension(name)].content_type,
            size=size,
            sha256=sha256,
            storage_key=key,
        )
        db.session.add(attachment)
        db.session.info.setdefault("written_files", []).append(path_of(attachment))
        stored.append(attachment)
    return stored


def attach_to(event_: AuditEvent, attachments: list[Attachment]) -> None:
    """Tie stored files to the message or answer they came with."""
    if not attachments:
        return
    db.session.flush()
    for attachment in attachments:
        attachment.event_id = event_.id


def describe(attachments: list[Attachment]) -> list[dict]:
    """What the audit trail keeps of each file: enough to prove later which file it was."""
    db.session.flush()
    return [
        {"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256}
        for a in attachments
    ]


def by_event(request: SubjectRequest, *, public_only: bool) -> dict[int, list[Attachment]]:
    """The request's files grouped by the event they came with, for the timeline."""
    query = select(Attachment).where(Attachment.request_id == request.id)
    if public_only:
        query = query.where(Attachment.public.is_(True))
    grouped: dict[int, list[Attachment]] = {}
    for attachment in db.session.scalars(query.order_by(Attachment.id)):
        grouped.setdefault(attachment.event_id, []).append(attachment)
    return grouped


def serve(attachment: Attachment, reader: User):
    """Send a file as a download, after recording who took it (the audit trail)."""
    path = path_of(attachment)
    if attachment.removed_at is not None or not path.is_file():
        abort(404)
    audit.record(
        "file.downloaded",
        actor=reader,
        request=attachment.request,
        attachment=attachment.id,
        filename=attachment.filename,
        by_staff=reader.is_staff,
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype=attachment.content_type,
        # Always a download, never shown inline: an uploaded file cannot act as a page here.
        as_attachment=True,
        download_name=attachment.filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    # The stored type is complete ("text/plain; charset=utf-8"); send_file would append another
    # charset to a text type, and a parameter given twice is an error (RFC 6838 §4.3).
    response.content_type = attachment.content_type
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_after_commit(path: Path) -> None:
    """Delete a file once the transaction that stops naming it commits; a rollback keeps it."""
    db.session.info.setdefault("delete_after_commit", []).append(path)


@event.listens_for(Session, "after_commit")
def _settle_on_commit(session: Session) -> None:
    session.info.pop("written_files", None)
    for path in session.info.pop("delete_after_commit", []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _settle_on_rollback(session: Session) -> None:
    # The rows naming new files are gone with the rollback; so go the bytes. Rows that still
    # name files marked for deletion keep them.
    for path in session.info.pop("written_files", []):
        Path(path).unlink(missing_ok=True)
    session.info.pop("delete_after_commit", None)
