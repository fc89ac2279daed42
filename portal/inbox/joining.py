"""A message by email put on its ticket as the requester's message, and staff told of mail.

The ticket shows what the person wrote this time (quoted history and signature left out by a
maintained reply parser, portal.inbox.threading); the whole message as it arrived stays in the
inbox's evidence, linked from the event. Its attachments are checked one by one as uploads are
(type by content, size, count): those the portal takes are filed with the message, the others
are listed as not taken and stay only in the original.
"""

from __future__ import annotations

import io
from email.message import EmailMessage

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal import files
from portal.deadlines import due_date
from portal.i18n import lazy_gettext as _l
from portal.inbox.threading import latest_reply
from portal.intake.opening import contact_person_user
from portal.mail import queue_email
from portal.models import IncomingMessage, SubjectRequest, User
from portal.subject_requests import actions
from portal.subject_requests.clock import local_day
from portal.subject_requests.timeline import notify
from portal.urls import external_url

# A message that is only attachments still says something on the ticket.
NO_TEXT = "–"


def _attachments(message: EmailMessage) -> tuple[list[FileStorage], list[dict]]:
    """The attachments the portal takes as uploads, and the others with the reason."""
    taken: list[FileStorage] = []
    refused: list[dict] = []
    most = current_app.config["ATTACHMENT_MAX_FILES"]
    try:
        parts = [p for p in message.walk() if not p.is_multipart()]
    except Exception:
        return [], [{"name": "", "why": "unreadable MIME structure"}]
    for part in parts:
        try:
            name = part.get_filename()
            if part.get_content_disposition() != "attachment" and not name:
                continue  # the text itself, or an unnamed inline part
            payload = part.get_payload(decode=True) or b""
        except Exception:
            refused.append({"name": "", "why": "unreadable attachment"})
            continue
        name = files.display_name(name or "")
        if not isinstance(payload, bytes):
            refused.append({"name": name, "why": "not a file"})
            continue
        if len(taken) >= most:
            refused.append({"name": name, "why": str(_l("Too many files in one message."))})
            continue
        upload = FileStorage(
            io.BytesIO(payload), filename=name, content_type="application/octet-stream"
        )
        try:
            files.check_uploads([upload])
        except files.UploadError as exc:
            refused.append({"name": name, "why": str(exc)})
            continue
        taken.append(upload)
    return taken, refused


def join_reply(
    request: SubjectRequest,
    row: IncomingMessage,
    message: EmailMessage,
    *,
    found_by: str | None,
    joined_by: User | None = None,
) -> None:
    """The message as the requester's on ``request`` (locked by the caller): a reply to a
    question resumes a paused clock, as a message through the portal does (EDPB 01/2022 §159)."""
    taken, refused = _attachments(message)
    details = {"channel": "email", "incoming_message": row.id, "found_by": found_by}
    if refused:
        details["files_not_taken"] = refused[:50]
    if joined_by is not None:
        details["joined_by"] = joined_by.id
    actions.requester_reply(
        request,
        request.requester,
        latest_reply(row.body_text) or NO_TEXT,
        uploads=taken,
        **details,
    )


def contact_person() -> tuple[User | None, str]:
    """The contact person's staff account, if there is one, and the address mail goes to: the
    account's, else the one the notice names (§2, §10)."""
    contact = contact_person_user()
    notice_address = current_app.extensions["notice"].contact_person.email
    return contact, contact.email if contact else notice_address


def tell_staff(request: SubjectRequest, *, subject, update, ticket_url: str, body=None) -> None:
    """Email the request's assignee, or the contact person when nobody is assigned."""
    contact, address = contact_person()
    to = request.assignee or contact or address
    notify(
        request,
        "staff_request_update",
        to=to,
        subject=subject,
        update=update,
        body=body,
        attachments=[],
        ticket_url=ticket_url,
    )


def tell_of_new_mail(row: IncomingMessage) -> None:
    """Email the contact person a new message of the inbox: who wrote, its text, the due date it
    has if it is a request, and a direct link."""
    contact, to = contact_person()
    arrived_on = local_day(row.arrived_at)
    queue_email(
        "staff_inbox_message",
        to=to,
        user=contact,
        subject=_l("New mail to the privacy mailbox: %(subject)s", subject=row.subject or "-"),
        message=row,
        text=row.body_text[:5000],
        cut=len(row.body_text) > 5000,
        due_on=due_date(arrived_on, 1, country=current_app.config["HOLIDAY_COUNTRY"]),
        message_url=external_url("staff.inbox_message", message_id=row.id),
    )
