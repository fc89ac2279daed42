"""The inbox: mail to the privacy mailbox that is not (yet) part of a request, beside the queue.

A request by email starts the one-month clock when it arrives (GDPR Art. 12(3); EDPB Guidelines
01/2022 §159), whether or not anyone has looked at it, so each message shows the due date it
would have if it is a request, counted from its arrival as the queue counts a request's.
The message is shown as plain text only; its HTML, if it had any, was turned into text when it
was read and is never rendered.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, current_app, render_template
from sqlalchemy import select

from portal.deadlines import due_date
from portal.extensions import db
from portal.models import IncomingMessage, IncomingState
from portal.subject_requests.clock import controller_today, local_day
from portal.web.staff.views import bp, staff_required

# Waiting for a decision: what the inbox lists.
OPEN_STATES = (IncomingState.NEW, IncomingState.WAITING)
# A page of the inbox; older messages stay reachable by their own address.
PAGE_SIZE = 200


def due_if_a_request(arrived_at: datetime) -> date:
    """The due date a request arriving at ``arrived_at`` has: one month from the day of arrival
    in the controller's time zone, moved past weekends and holidays (Art. 12(3); Reg. 1182/71)."""
    return due_date(local_day(arrived_at), 1, country=current_app.config["HOLIDAY_COUNTRY"])


@bp.route("/inbox")
@staff_required
def inbox():
    messages = db.session.scalars(
        select(IncomingMessage)
        .where(IncomingMessage.state.in_(OPEN_STATES))
        .order_by(IncomingMessage.arrived_at, IncomingMessage.id)
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "staff/inbox.html",
        messages=messages,
        due={m.id: due_if_a_request(m.arrived_at) for m in messages},
        today=controller_today(),
    )


@bp.route("/inbox/<int:message_id>")
@staff_required
def inbox_message(message_id: int):
    message = db.session.get(IncomingMessage, message_id)
    if message is None:
        abort(404)
    return render_template(
        "staff/inbox_message.html",
        message=message,
        due_on=due_if_a_request(message.arrived_at),
        today=controller_today(),
    )
