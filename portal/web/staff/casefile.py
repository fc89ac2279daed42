"""The case file download: one request's complete record as a ZIP, for the supervisory authority
(GDPR Art. 58(1)(a)) or the controller's own proof (Art. 5(2)). Staff only; each download is on
the request's audit trail, so the file itself names who took it and when."""

from __future__ import annotations

from flask import abort, send_file
from flask_login import current_user

from portal import audit, casefile
from portal.extensions import db
from portal.inbox.fetcher import raw_path
from portal.models import SubjectRequest
from portal.web.staff.views import bp, staff_required


@bp.route("/requests/<int:request_id>/case-file")
@staff_required
def case_file(request_id: int):
    request = db.session.get(SubjectRequest, request_id)
    if request is None:
        abort(404)
    # Recorded and committed before the file is made: the download is in the file's own trail,
    # and an attempt that fails half-way still shows who tried.
    audit.record("request.case_file", actor=current_user, request=request)
    name, staff_id = casefile.download_name(request), current_user.id
    db.session.commit()
    _case, archive = casefile.build(request_id, staff_id, raw_path_of=raw_path)
    response = send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    # Everything about a person's request: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
