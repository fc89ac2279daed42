"""The inbox: mail to the privacy mailbox that is not (yet) part of a request, beside the queue.

A request by email starts the one-month clock when it arrives (GDPR Art. 12(3); EDPB Guidelines
01/2022 §159), whether or not anyone has looked at it, so each message shows the due date it
would have if it is a request, counted from its arrival as the queue counts a request's.
The message is shown as plain text only; its HTML, if it had any, was turned into text when it
was read and is never rendered.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import audit
from portal.deadlines import due_date
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.inbox import health
from portal.inbox.fetcher import raw_path
from portal.inbox.joining import join_reply
from portal.inbox.processing import REASON_TEXTS, original
from portal.models import IncomingMessage, IncomingState, SubjectRequest, User, utcnow
from portal.subject_requests.clock import controller_today, local_day
from portal.subject_requests.errors import RequestError
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm
from portal.web.incoming import page_arg
from portal.web.staff.views import bp, staff_required

# Waiting for a decision: what the inbox lists.
OPEN_STATES = (IncomingState.NEW, IncomingState.WAITING)
# Messages on one page of the inbox.
PAGE_SIZE = 100


class JoinForm(PortalForm):
    reference = StringField(
        _l("Reference of the request"),
        id="join-reference",
        filters=[lambda value: value.strip().upper() if value else value],
        validators=[
            DataRequired(message=_l("Give the request's reference, for example WP-2026-0042.")),
            Length(max=40, message=_l("A reference is at most 40 characters.")),
        ],
    )


class NotARequestForm(PortalForm):
    reason = TextAreaField(
        _l("Why it is not a request"),
        id="not-a-request-reason",
        validators=[
            DataRequired(message=_l("Say why the message is not a request.")),
            Length(max=2000, message=_l("Shorten the reason to at most 2,000 characters.")),
        ],
    )


def due_if_a_request(arrived_at: datetime) -> date:
    """The due date a request arriving at ``arrived_at`` has: one month from the day of arrival
    in the controller's time zone, moved past weekends and holidays (Art. 12(3); Reg. 1182/71)."""
    return due_date(local_day(arrived_at), 1, country=current_app.config["HOLIDAY_COUNTRY"])


@bp.route("/inbox")
@staff_required
def inbox():
    waiting = IncomingMessage.state.in_(OPEN_STATES)
    total = db.session.scalar(select(func.count(IncomingMessage.id)).where(waiting)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page_arg(), pages)
    # Oldest first: the oldest message is the nearest deadline if it is a request.
    messages = db.session.scalars(
        select(IncomingMessage)
        .where(waiting)
        .order_by(IncomingMessage.arrived_at, IncomingMessage.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "staff/inbox.html",
        messages=messages,
        due={m.id: due_if_a_request(m.arrived_at) for m in messages},
        today=controller_today(),
        total=total,
        page=page,
        pages=pages,
        mailbox_down=_outage(),
    )


def _outage():
    """The event that says the mailbox cannot be read, while that lasts; else None."""
    last = health.last_state()
    return last if last is not None and last.action == health.DOWN else None


def _message_or_404(message_id: int) -> IncomingMessage:
    message = db.session.get(IncomingMessage, message_id)
    if message is None:
        abort(404)
    return message


def _render_message(
    message: IncomingMessage,
    form: NotARequestForm | None = None,
    join_form: JoinForm | None = None,
):
    decided_by = db.session.get(User, message.decided_by_id) if message.decided_by_id else None
    suggested = db.session.get(SubjectRequest, message.request_id) if message.request_id else None
    join_form = join_form or JoinForm()
    if suggested is not None and not join_form.reference.data:
        join_form.reference.data = suggested.reference
    return render_template(
        "staff/inbox_message.html",
        message=message,
        due_on=due_if_a_request(message.arrived_at),
        today=controller_today(),
        is_open=message.state in OPEN_STATES,
        decided_by=decided_by,
        suggested=suggested,
        reason_text=REASON_TEXTS.get(message.state_reason or ""),
        form=form or NotARequestForm(),
        join_form=join_form,
    )


@bp.route("/inbox/<int:message_id>")
@staff_required
def inbox_message(message_id: int):
    return _render_message(_message_or_404(message_id))


@bp.route("/inbox/<int:message_id>/not-a-request", methods=["POST"])
@staff_required
def inbox_not_a_request(message_id: int):
    message = _message_or_404(message_id)
    form = NotARequestForm()
    if not form.validate_on_submit():
        return _render_message(message, form), 400
    if not claim(message, IncomingState.NOT_REQUEST, state_reason=form.reason.data.strip()):
        db.session.rollback()
        flash(_("Someone already decided about this message."), "error")
        return redirect(url_for("staff.inbox_message", message_id=message.id))
    audit.record(
        "inbox.not_a_request",
        actor=current_user,
        body=form.reason.data.strip(),
        incoming_message=message.id,
        sender=message.sender,
        message_subject=message.subject,
        arrived_at=message.arrived_at,
    )
    db.session.commit()
    flash(_("Marked as not a request."), "success")
    return redirect(url_for("staff.inbox"))


def claim(message: IncomingMessage, state: IncomingState, **values) -> bool:
    """Decide about a message still waiting, in this transaction; False when someone else has
    already decided (of two staff members at once, the second is told, and the audit trail
    holds one decision, GDPR Art. 5(2))."""
    decided = db.session.execute(
        update(IncomingMessage)
        .where(IncomingMessage.id == message.id, IncomingMessage.state.in_(OPEN_STATES))
        .values(state=state, decided_by_id=current_user.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return decided.rowcount == 1


@bp.route("/inbox/<int:message_id>/join", methods=["POST"])
@staff_required
def inbox_join(message_id: int):
    """Staff judged the message to be the requester's (a reply from another address of theirs,
    say): it goes on the ticket as a message by email, as a matched reply would."""
    message = _message_or_404(message_id)
    form = JoinForm()
    if not form.validate_on_submit():
        return _render_message(message, join_form=form), 400
    found = db.session.scalar(
        select(SubjectRequest.id).where(SubjectRequest.reference == form.reference.data)
    )
    if found is None:
        form.reference.errors.append(_("No request has this reference."))
        return _render_message(message, join_form=form), 400
    # The message first, then the request, in the order the fetcher takes them: no deadlock.
    if not claim(message, IncomingState.JOINED, request_id=found, state_reason=None):
        db.session.rollback()
        flash(_("Someone already decided about this message."), "error")
        return redirect(url_for("staff.inbox_message", message_id=message.id))
    request = lock_request(found)
    try:
        join_reply(request, message, original(message), found_by="staff", joined_by=current_user)
    except RequestError as exc:
        db.session.rollback()
        form.reference.errors.append(str(exc))
        return _render_message(db.session.get(IncomingMessage, message_id), join_form=form), 400
    audit.record(
        "inbox.joined",
        actor=current_user,
        request=request,
        incoming_message=message.id,
        sender=message.sender,
    )
    db.session.commit()
    flash(_("The message was added to %(reference)s.", reference=request.reference), "success")
    return redirect(url_for("staff.ticket", request_id=request.id))


@bp.route("/inbox/<int:message_id>/original")
@staff_required
def inbox_original(message_id: int):
    """The message as it arrived (as far as it was kept), for evidence or to open in a mail
    program: always a download, never shown in the browser, and who took it is recorded."""
    message = _message_or_404(message_id)
    path = raw_path(message)
    if not path.is_file():
        abort(404)
    audit.record(
        "inbox.original_downloaded",
        actor=current_user,
        incoming_message=message.id,
        sha256=message.raw_sha256,
    )
    db.session.commit()
    response = send_file(
        path,
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"message-{message.id}.eml",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
