"""Correcting the person's data in a connected database from a rectification ticket (GDPR
Art. 16): a staff page per system shows the person's rows as the system holds them now; staff
change what is wrong and the portal writes it, before -> after on the ticket.

The page reads the system when it is opened and never stores what it shows. Each row's form
carries the fingerprint of the values shown: a row changed since then is not overwritten.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import RequestKind, SubjectRequest
from portal.register.connections.database import Misconfigured, Unreachable
from portal.register.erasure import rectify
from portal.register.erasure import ticket as erasure
from portal.register.erasure.execute import Stale
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.locking import lock_request, state_of
from portal.web.forms import has_control_characters
from portal.web.staff.erasure import identity_of
from portal.web.staff.views import bp, staff_required


def _system(key: str):
    system = next((s for s in erasure.database_systems() if s.key == key), None)
    if system is None:
        abort(404)
    return system


def _request(request_id: int) -> SubjectRequest:
    subject_request = db.session.get(SubjectRequest, request_id)
    if subject_request is None or subject_request.kind is not RequestKind.RECTIFICATION:
        abort(404)
    return subject_request


@bp.get("/requests/<int:request_id>/rectify/<system_key>")
@staff_required
def rectify_page(request_id: int, system_key: str):
    subject_request = _request(request_id)
    system = _system(system_key)
    executor = erasure.executor_for(system)
    if executor is None:
        found = rectify.Fields(system, "misconfigured", f"not configured (set {system.url_env})")
    else:
        found = rectify.fields_of(executor, identity_of(subject_request))
    return render_template(
        "staff/rectify.html",
        subject_request=subject_request,
        system=system,
        found=found,
        state=state_of(subject_request),
        active=subject_request.status in ACTIVE,
    )


@bp.post("/requests/<int:request_id>/rectify/<system_key>")
@staff_required
def rectify_row(request_id: int, system_key: str):
    system = _system(system_key)
    subject_request = lock_request(request_id)
    if subject_request is None or subject_request.kind is not RequestKind.RECTIFICATION:
        abort(404)
    page = url_for("staff.rectify_page", request_id=request_id, system_key=system.key)
    if request.form.get("state") != state_of(subject_request) or (
        subject_request.status not in ACTIVE
    ):
        db.session.rollback()
        flash(_("Someone else changed this request just now. Nothing was changed."), "error")
        return redirect(page)
    changes = {
        name[len("new-") :]: value.strip()
        for name, value in request.form.items()
        if name.startswith("new-")
    }
    if any(has_control_characters(v) or len(v) > rectify.MAX_VALUE for v in changes.values()):
        db.session.rollback()
        flash(
            _("A value is too long or holds characters that are not text. Nothing was changed."),
            "error",
        )
        return redirect(page)
    from portal.answering.identity.record import require_decision

    executor = erasure.executor_for(system)
    try:
        # GDPR Art. 12(6): nobody's data are changed on a stranger's word.
        require_decision(subject_request)
        if executor is None:
            raise Misconfigured(system.url_env or system.key)
        written = rectify.correct(
            executor,
            identity_of(subject_request),
            request.form.get("table", ""),
            request.form.get("key", ""),
            request.form.get("seen", ""),
            {name: value or None for name, value in changes.items()},
        )
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(page)
    except Stale:
        db.session.rollback()
        flash(
            _("The row changed after this page was opened: nothing was written. Here it is now."),
            "error",
        )
        return redirect(page)
    except rectify.NotTheirs:
        db.session.rollback()
        abort(404)
    except (Unreachable, Misconfigured) as exc:
        db.session.rollback()
        flash(
            _("The system could not be used: %(problem)s. Nothing was changed.", problem=str(exc)),
            "error",
        )
        return redirect(page)
    if not written:
        db.session.rollback()
        flash(_("Nothing was different: nothing was written."), "success")
        return redirect(page)
    erasure.record_correction(
        subject_request,
        current_user._get_current_object(),
        system,
        request.form["table"],
        request.form["key"],
        written,
    )
    db.session.commit()
    flash(_("The correction was written and is on the record."), "success")
    return redirect(page)
