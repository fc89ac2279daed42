"""The ticket's Systems panel: every system of the notice with its state on this request, and
for each system reached through a person, sending that person the task.

The route joins the staff blueprint; the ticket page draws the panel with
``templates/staff/ticket_systems.html``, which asks ``ticket_systems`` for its rows.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import SubjectRequest, SystemTask
from portal.register import tasks
from portal.subject_requests.locking import lock_request
from portal.web.staff.seen import locked_as_seen
from portal.web.staff.views import _render_ticket, bp, staff_required
from portal.web.tasks.forms import SendTaskForm


@bp.app_template_global()
def ticket_systems(subject_request: SubjectRequest) -> dict:
    """What the panel shows: the systems with their latest task, and the fingerprint its forms
    send back (the request's and its tasks')."""
    # One query for both (issue 14).
    loaded = list(
        db.session.scalars(
            select(SystemTask)
            .where(SystemTask.request_id == subject_request.id)
            .order_by(SystemTask.id)
        )
    )
    return {
        "states": tasks.states(subject_request, loaded),
        "tasks_state": tasks.tasks_state(subject_request, loaded),
        "can_send": subject_request.status in tasks.ACTIVE,
    }


@bp.post("/requests/<int:request_id>/systems/<system_key>/task")
@staff_required
def send_task(request_id: int, system_key: str):
    # Of two clicks (or two colleagues) the second sees the first, and sends nothing.
    subject_request = locked_as_seen(request_id, tasks_state=tasks.tasks_state)
    if subject_request is None:
        return _render_ticket(lock_request(request_id)), 409
    form = SendTaskForm()
    if not form.validate_on_submit():
        db.session.rollback()
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return _render_ticket(subject_request), 400
    try:
        task = tasks.send_task(
            subject_request, system_key, current_user._get_current_object(), form.message.data
        )
    except tasks.TaskError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_ticket(subject_request), 409
    db.session.commit()
    flash(_("The task was sent to %(owner)s.", owner=task.owner_name), "success")
    return redirect(url_for("staff.ticket", request_id=subject_request.id, _anchor="systems"))


@bp.app_template_filter("system_name")
def system_name(key: str) -> str:
    """A system's name in the reader's language; the key when the notice no longer has it."""
    from portal.i18n import current_language

    system = next((s for s in tasks.systems_of() if s.key == key), None)
    return system.name.in_language(current_language()) if system else key
