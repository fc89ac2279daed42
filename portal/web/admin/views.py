"""Admin pages: email that could not be delivered; the facts the notice does not state (the
controller's additions), confirmed on the audit trail."""

from __future__ import annotations

from functools import wraps

from babel import Locale
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.models import OutboxMessage, OutboxStatus, User
from portal.notice import confirmations, consistency
from portal.notice.model import LANGUAGES
from portal.web.accounts.forms import ConfirmForm
from portal.web.admin import notice_facts

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
        # Imported here: the sender's modules are no web page's (issue 14, see portal.mail).
        from portal.mail import retry_failed

        retry_failed(message)
        audit.record("outbox.retried", actor=current_user, message_id=message.id)
        db.session.commit()
        flash(_("The message is queued for delivery again."), "success")
    return redirect(url_for("admin.outbox"))


# The controller's additions to the notice -------------------------------------------------------


@bp.route("/notice-additions")
@admin_required
def notice_additions():
    notice = current_app.extensions["notice"]
    language = current_language()
    confirmed = confirmations.latest(notice)
    additions = [
        {
            "addition": addition,
            "places": notice_facts.places(notice, addition, language),
            "uses": notice_facts.uses(notice, addition),
            "confirmation": confirmed.get(addition.key),
        }
        for addition in notice.controller_additions
    ]
    confirmers = {c.actor_id for c in confirmed.values()}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(confirmers)))}
    try:
        conflicts = [
            notice_facts.conflict_text(notice, conflict, language)
            for conflict in consistency.check(notice, consistency.notice_texts(notice))
        ]
    except LookupError:  # no vocabulary for the notice's original language
        conflicts = None
    return render_template(
        "admin/notice_additions.html",
        additions=additions,
        actors=actors,
        conflicts=conflicts,
        translation_conflicts=_translation_conflicts(notice, language),
        retention_days=current_app.config.get("REQUEST_RETENTION_DAYS"),
        form=ConfirmForm(),
    )


def _translation_conflicts(notice, language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each translation with a vocabulary, by name, with what its fields say that its own
    sections do not: a Swedish reader must be told nothing the Swedish notice does not say."""
    return [
        (
            Locale.parse(code).get_language_name(language),
            [
                notice_facts.conflict_text(notice, conflict, language)
                for conflict in consistency.check(
                    notice, consistency.notice_texts(notice, code), code
                )
            ],
        )
        for code in LANGUAGES
        if code != notice.original_language and code in consistency.VOCABULARIES
    ]


@bp.post("/notice-additions/<key>/confirm")
@admin_required
def confirm_notice_addition(key: str):
    notice = current_app.extensions["notice"]
    addition = next((a for a in notice.controller_additions if a.key == key), None)
    if addition is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        confirmations.confirm(notice, addition, current_user._get_current_object())
        db.session.commit()
        flash(
            _(
                "You confirmed “%(title)s” as the notice file states it now.",
                title=addition.title.in_language(current_language()),
            ),
            "success",
        )
    return redirect(url_for("admin.notice_additions", _anchor=f"addition-{addition.key}"))
