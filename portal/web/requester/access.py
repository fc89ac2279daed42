"""The requester downloads the answer to their access request (GDPR Art. 15), signed in.

The route joins the requests blueprint; the request's page shows it through
``templates/requests/show_access.html``.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from portal.answering import access_package
from portal.extensions import db
from portal.web.requester.views import bp, own_request


@bp.route("/<int:request_id>/access-package")
@login_required
def download_access_package(request_id: int):
    # Another person's request is a 404, whatever its package: never another person's data.
    subject_request = own_request(request_id)
    try:
        package = access_package.for_requester(subject_request)
    except access_package.PackageExpired as expired:
        return render_template(
            "access/expired.html",
            subject_request=subject_request,
            available_until=access_package.available_until(expired.package),
        ), 410
    if package is None:
        abort(404)
    access_package.record_download(package, current_user._get_current_object(), by_staff=False)
    db.session.commit()
    return access_package.send(package)
