"""Admin pages: email that could not be delivered."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.mail import retry_failed
from portal.models import OutboxMessage, OutboxStatus
from portal.web.accounts.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/outbox")
@admin_required
def outbox():
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc())
        .limit(200)
    ).all()
    retrying = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(200)
    ).all()
    return render_template(
        "admin/outbox.html",
        counts={status.value: counts.get(status, 0) for status in OutboxStatus},
        failed=failed,
        retrying=retrying,
        form=ConfirmForm(),
    )


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry_message(message_id: int):
    form = ConfirmForm()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if form.validate_on_submit() and message.status is OutboxStatus.FAILED:
        retry_failed(message)
        audit.record("outbox.retried", actor=current_user, message_id=message.id)
        db.session.commit()
        flash(_("The message is queued for delivery again."), "success")
    return redirect(url_for("admin.outbox"))
