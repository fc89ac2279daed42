"""The ticket's Identity panel: what the register says about who is asking, the decision staff
record, and the verification link to the address on file (GDPR Art. 12(6)).

The routes join the staff blueprint; ``templates/staff/ticket_identity.html`` asks
``ticket_identity`` for what it shows.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.answering import identity
from portal.answering.identity import verification
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import SubjectRequest
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm
from portal.web.staff.seen import locked_as_seen
from portal.web.staff.views import _render_ticket, bp, staff_required

OUTCOME_TEXTS = {
    "match": _l(
        "The request was confirmed from the address the register holds for the records found."
    ),
    "mismatch": _l(
        "Possible impostor: an identifier given on this request belongs to a customer whose "
        "address in the register is another one. Send no data before the identity is confirmed."
    ),
    "not_found": _l("The register holds nothing for this address or these identifiers."),
    "incomplete": _l(
        "Not every system could be searched (see below). Check again, or confirm the identity "
        "another way."
    ),
    "not_connected": _l(
        "No register database is connected on this server: confirm the identity another way."
    ),
}
HOW_TEXTS = {
    "matched": _l("Confirmed: the request came from the register's own contact address."),
    "address_on_file": _l("Confirmed by the owner of the address on file, through the link."),
    "other": _l("Confirmed by staff another way:"),
}


class DecideForm(PortalForm):
    # A match with the register's address is recorded by the check itself, and the owner of the
    # address on file answers through their link: what staff record here is the other way.
    details = TextAreaField(
        _l("How did you confirm who is asking?"),
        validators=[Length(max=2000)],
    )


@bp.app_template_global()
def ticket_identity(subject_request: SubjectRequest, events=None) -> dict:
    # The ticket page has every event loaded already (oldest first): the latest of each action
    # is taken from them rather than asked for again (issue 14).
    if events is None:
        check = identity.latest_check(subject_request)
        decision = identity.decision_of(subject_request)
    else:
        check = next((e for e in reversed(events) if e.action == "identity.checked"), None)
        decision = next((e for e in reversed(events) if e.action == "identity.decided"), None)
    details = check.details if check is not None else {}
    return {
        "check": check,
        "outcome": details.get("outcome"),
        "outcome_text": OUTCOME_TEXTS.get(details.get("outcome", ""), ""),
        "systems": details.get("systems", {}),
        "mismatches": details.get("mismatches", []),
        "decision": decision,
        "how_text": HOW_TEXTS.get(decision.details.get("how", "")) if decision else None,
        "active": subject_request.status in ACTIVE,
        "form": DecideForm(),
    }


def _locked(request_id: int) -> SubjectRequest | None:
    return locked_as_seen(request_id)


def _back(request_id: int):
    return redirect(url_for("staff.ticket", request_id=request_id, _anchor="identity"))


@bp.post("/requests/<int:request_id>/identity/check")
@staff_required
def check_identity(request_id: int):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _render_ticket(lock_request(request_id)), 409
    if not PortalForm().validate_on_submit():
        abort(400)
    identity.check(subject_request, current_user._get_current_object())
    db.session.commit()
    flash(_("The register was searched again."), "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/identity/decide")
@staff_required
def decide_identity(request_id: int):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _render_ticket(lock_request(request_id)), 409
    form = DecideForm()
    try:
        if not form.validate_on_submit():
            raise RequestError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        identity.decide(
            subject_request, current_user._get_current_object(), "other", form.details.data
        )
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_ticket(lock_request(request_id)), 400
    db.session.commit()
    flash(_("The identity decision is on the record."), "success")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/identity/verify/<int:index>")
@staff_required
def send_verification(request_id: int, index: int):
    subject_request = _locked(request_id)
    if subject_request is None:
        return _render_ticket(lock_request(request_id)), 409
    if not PortalForm().validate_on_submit():
        abort(400)
    try:
        address = verification.send(subject_request, current_user._get_current_object(), index)
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(request_id)
    db.session.commit()
    flash(
        _("A verification link was sent to %(email)s, the address on file.", email=address),
        "success",
    )
    return _back(request_id)


IDENTIFIER_NAMES = {
    "email": _l("email address"),
    "customer_number": _l("customer number"),
    "username": _l("username"),
    "business_id": _l("business ID"),
}


@bp.app_template_filter("identifier_name")
def identifier_name(kind: str) -> str:
    return str(IDENTIFIER_NAMES.get(kind, kind))
