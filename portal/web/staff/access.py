"""Staff answer an access request (GDPR Art. 15): generate the package, preview it, release it.

The routes join the staff blueprint; the ticket page shows them through
``templates/staff/ticket_access.html``.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.answering import access_package
from portal.extensions import db
from portal.models import AccessPackage
from portal.subject_requests.errors import RequestError
from portal.web.accounts.guard import fresh_second_factor_required
from portal.web.staff.views import _render_ticket, _ticket_or_404, bp, staff_required

# The report is shown as it is in the ZIP. It may carry anything people wrote, so it runs with
# nothing allowed but its own inline CSS: no script, no requests, no forms, not framed.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)


def _package_or_404(request_id: int, package_id: int) -> AccessPackage:
    package = db.session.get(AccessPackage, package_id)
    if package is None or package.request_id != request_id:
        abort(404)
    return package


def _refused(subject_request, exc: RequestError):
    db.session.rollback()
    flash(str(exc), "error")
    return _render_ticket(subject_request), 409


def _act(subject_request, action, done: str):
    """Run one action on the request's copy; commit and say so, or show why nothing changed."""
    try:
        action(current_user._get_current_object())
    except RequestError as exc:
        return _refused(subject_request, exc)
    db.session.commit()
    flash(done, "success")
    return redirect(
        url_for("staff.ticket", request_id=subject_request.id, _anchor="access-package")
    )


@bp.post("/requests/<int:request_id>/access-package")
@staff_required
def generate_access_package(request_id: int):
    subject_request = _ticket_or_404(request_id)
    return _act(
        subject_request,
        lambda staff: access_package.build(subject_request, staff),
        _("The copy of the data was generated. Preview it, then release it to the requester."),
    )


@bp.route("/requests/<int:request_id>/access-package/<int:package_id>/preview")
@staff_required
def preview_access_package(request_id: int, package_id: int):
    report = access_package.report_of(_package_or_404(request_id, package_id))
    if report is None:
        abort(404)
    response = make_response(report)
    response.content_type = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/requests/<int:request_id>/access-package/<int:package_id>/download")
@staff_required
@fresh_second_factor_required
def download_access_package(request_id: int, package_id: int):
    package = _package_or_404(request_id, package_id)
    access_package.record_download(package, current_user._get_current_object(), by_staff=True)
    db.session.commit()
    return access_package.send(package)


@bp.post("/requests/<int:request_id>/access-package/<int:package_id>/release")
@staff_required
@fresh_second_factor_required
def release_access_package(request_id: int, package_id: int):
    package = _package_or_404(request_id, package_id)
    return _act(
        package.request,
        lambda staff: access_package.release(package, staff),
        _("The copy was released and the requester was told that it is ready on their page."),
    )
