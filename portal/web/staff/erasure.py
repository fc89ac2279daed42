"""The ticket's Erasure panel: the plan for each connected system, approving it, the evidence of
what the portal saw when it looked again, and a written waiver for a system that needs nothing
(GDPR Art. 17, 5(2)).

The routes join the staff blueprint; ``templates/staff/ticket_erasure.html`` asks
``ticket_erasure`` for what it shows. Every form sends the request's state and the panel's own
fingerprint: a plan made or carried out since the page was drawn makes the click a conflict,
never a second erasure.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from wtforms import TextAreaField

from portal.answering.rights.completion import SYSTEM_KINDS
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import RequestKind, SubjectRequest
from portal.register.erasure import ticket as erasure
from portal.register.findings import Identity
from portal.subject_requests.clock import controller_today
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm
from portal.web.staff.forms import _text_length
from portal.web.staff.seen import locked_as_seen, out_of_date
from portal.web.staff.views import _render_ticket, bp, staff_required

STATE_TEXTS = {
    "done": _l("Done: the portal looked again and found only what the plan keeps."),
    "no_data": _l("Holds no data about this person."),
    "waived": _l("Nothing to do here, as staff wrote:"),
    "planned": _l("Planned; waiting for your approval."),
    "failed": _l("Could not be carried out: the system could not be reached or used."),
    "problems": _l("Carried out, but looking again found rows the plan does not keep."),
    "task_pending": _l("Waiting for the owner's answer to the task."),
    "task_cannot": _l("The owner answered that it cannot be done."),
    "not_planned": _l("No plan yet."),
}


class WaiveForm(PortalForm):
    # Kept as the audit event's text, with the same limit as a note.
    reason = TextAreaField(_l("Why nothing needs to be done here"), validators=[_text_length()])


def identity_of(subject_request: SubjectRequest) -> Identity:
    """Who is erased: the confirmed address and the identifiers the requester gave, the same the
    identity check looked up."""
    return Identity(
        email=subject_request.requester.email or "",
        customer_number=subject_request.customer_number,
        username=subject_request.username,
        business_id=subject_request.business_id,
    )


@bp.app_template_global()
def ticket_erasure(subject_request: SubjectRequest) -> dict:
    if subject_request.kind not in SYSTEM_KINDS:
        return {"shown": False}
    statuses = erasure.statuses(subject_request)
    return {
        "shown": True,
        "is_erasure": subject_request.kind is RequestKind.ERASURE,
        "is_rectification": subject_request.kind is RequestKind.RECTIFICATION,
        "flag_kind": (kind := erasure.flag_kind(subject_request)),
        "flags": {
            system.key: [
                f"{table.name}.{table.flag(kind).column} = {str(table.flag(kind).value).lower()}"
                for table in system.schema.tables
                if table.flag(kind)
            ]
            for system in (erasure.flag_systems(kind) if kind else [])
        },
        "statuses": statuses,
        "texts": STATE_TEXTS,
        "erasure_state": erasure.erasure_state(subject_request),
        "active": subject_request.status in ACTIVE,
        "can_approve": any(erasure.approvable(s) for s in statuses),
        "kept": erasure.kept_on_request(subject_request),
        "rows": {s.system.key: plan_rows(s.plan) for s in statuses if s.plan is not None},
    }


def plan_rows(plan) -> list[dict]:
    """A plan as the panel's table: per table, what goes, what changes, and what is kept in
    groups of the same category and day ("3 kept until 31.12.2032")."""
    rows = []
    for table in plan.tables:
        groups: dict[tuple, int] = {}
        for hold in table.keep:
            groups[(hold.until, hold.category)] = groups.get((hold.until, hold.category), 0) + 1
        rows.append(
            {
                "table": table.table,
                "found": table.found,
                "deleted": len(table.delete),
                "expired": table.expired,
                "updated": len(table.update),
                "changed": [*table.blank, *table.mask],
                "kept_columns": table.kept_columns,
                "kept": [
                    {"count": count, "until": until, "category": category}
                    for (until, category), count in sorted(groups.items())
                ],
            }
        )
    return rows


def _locked(request_id: int) -> SubjectRequest | None:
    subject_request = locked_as_seen(request_id, erasure_state=erasure.erasure_state)
    if subject_request is not None and (
        subject_request.kind not in SYSTEM_KINDS or subject_request.status not in ACTIVE
    ):
        out_of_date()
        return None
    return subject_request


def _conflict(request_id: int):
    return _render_ticket(lock_request(request_id)), 409


def _back(request_id: int):
    return redirect(url_for("staff.ticket", request_id=request_id, _anchor="erasure"))


@bp.post("/requests/<int:request_id>/erasure/plan")
@staff_required
def plan_erasure(request_id: int):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _conflict(request_id)
    if subject_request.kind is not RequestKind.ERASURE:
        abort(404)
    erasure.make_plans(
        subject_request,
        current_user._get_current_object(),
        identity_of(subject_request),
        controller_today(),
    )
    db.session.commit()
    flash(_("The systems were searched and the plan made. Nothing was changed yet."), "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/erasure/carry-out")
@staff_required
def carry_out_erasure(request_id: int):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _conflict(request_id)
    if subject_request.kind is not RequestKind.ERASURE:
        abort(404)
    from portal.answering.identity.record import require_decision
    from portal.subject_requests.errors import RequestError

    staff = current_user._get_current_object()
    try:
        # GDPR Art. 12(6): nobody's data are erased on a stranger's word.
        require_decision(subject_request)
        results = erasure.carry_out(
            subject_request, staff, identity_of(subject_request), controller_today()
        )
    except (RequestError, erasure.ErasureError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(request_id)
    db.session.commit()
    if "stale" in results.values():
        flash(
            _(
                "The data changed after the plan was made: nothing was done in %(systems)s. "
                "Check the new plan and approve it again.",
                systems=_names(results, "stale"),
            ),
            "error",
        )
    if "failed" in results.values():
        flash(
            _(
                "%(systems)s could not be reached: nothing was done there. Try again later.",
                systems=_names(results, "failed"),
            ),
            "error",
        )
    if "problems" in results.values():
        flash(
            _(
                "Looking again found rows the plan does not keep in %(systems)s: see the panel.",
                systems=_names(results, "problems"),
            ),
            "error",
        )
    if "done" in results.values():
        flash(
            _(
                "Carried out and checked in %(systems)s.",
                systems=_names(results, "done"),
            ),
            "success",
        )
    return _back(request_id)


def _names(results: dict[str, str], outcome: str) -> str:
    from portal.web.staff.systems import system_name

    return ", ".join(system_name(key) for key, value in results.items() if value == outcome)


@bp.post("/requests/<int:request_id>/erasure/waive/<system_key>")
@staff_required
def waive_system(request_id: int, system_key: str):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _conflict(request_id)
    form = WaiveForm()
    try:
        if not form.validate_on_submit():
            raise erasure.ErasureError(
                " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        erasure.waive(
            subject_request, current_user._get_current_object(), system_key, form.reason.data
        )
    except erasure.ErasureError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_ticket(lock_request(request_id)), 400
    db.session.commit()
    flash(_("The reason is on the record."), "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/erasure/flag/<system_key>")
@staff_required
def set_flag(request_id: int, system_key: str):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _conflict(request_id)
    kind = erasure.flag_kind(subject_request)
    system = next((s for s in erasure.flag_systems(kind) if s.key == system_key), None)
    if kind is None or system is None:
        abort(404)
    outcome = erasure.set_flags_in(
        subject_request,
        current_user._get_current_object(),
        identity_of(subject_request),
        system,
        kind,
    )
    db.session.commit()
    if outcome == "done":
        flash(_("Set in %(system)s and checked.", system=system_name(system.key)), "success")
    elif outcome == "stale":
        flash(
            _(
                "The data in %(system)s changed meanwhile: nothing was set. Try again.",
                system=system_name(system.key),
            ),
            "error",
        )
    else:
        flash(
            _(
                "%(systems)s could not be reached: nothing was done there. Try again later.",
                systems=system_name(system.key),
            ),
            "error",
        )
    return _back(request_id)


def system_name(key: str) -> str:
    from portal.web.staff.systems import system_name as name

    return name(key)
