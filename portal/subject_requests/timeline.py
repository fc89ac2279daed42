"""What goes on a request's timeline (the audit trail) and into the requester's mailbox."""

from __future__ import annotations

from portal import audit, files
from portal.extensions import db
from portal.mail import queue_email, threads
from portal.models import SubjectRequest, User
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.urls import external_url


def notify(request: SubjectRequest, template: str, *, to: User | str, subject, **context):
    """Queue an email about a request and put it on the ticket's record.

    A person with no address (a request that came by letter) gets no email; the ticket records
    that the contact person must send the message another way."""
    user = to if isinstance(to, User) else None
    address = to.email if isinstance(to, User) else to
    if not address:
        audit.record("email.not_sent", request=request, template=template, reason="no-address")
        return None
    message = queue_email(
        template,
        to=address,
        user=user,
        subject=subject,
        request=request,
        kind_title=KINDS[request.kind].title,
        **context,
    )
    # The outbox message needs its id before the record can name it: the sender looks its
    # headers up by it, so a retry carries the same Message-ID (portal.mail.threads).
    db.session.flush()
    headers = threads.thread_headers(request.id, address)
    audit.record(
        threads.QUEUED,
        request=request,
        to=address,
        template=template,
        email_subject=message.subject,
        outbox_id=message.id,
        **threads.details_of(headers),
    )
    return message


def record_with_files(
    action: str,
    uploads,
    *,
    actor: User,
    request: SubjectRequest,
    public: bool,
    body: str | None = None,
    **details,
):
    """Append an event together with the files that came with it (stored first, so the event
    can name them by checksum)."""
    try:
        stored = files.store(uploads, request=request, uploader=actor, public=public)
    except files.UploadError as exc:
        raise RequestError(str(exc)) from None
    if stored:
        details["attachments"] = files.describe(stored)
    event = audit.record(action, actor=actor, request=request, public=public, body=body, **details)
    files.attach_to(event, stored)
    return event, stored


def requester_url(request: SubjectRequest) -> str:
    return external_url("requests.show", request_id=request.id)


def staff_url(request: SubjectRequest) -> str:
    return external_url("staff.ticket", request_id=request.id)
