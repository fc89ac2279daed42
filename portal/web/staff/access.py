"""Staff answer an access request (GDPR Art. 15): generate the package, preview it, release it.

The routes join the staff blueprint; the ticket page shows them through
``templates/staff/ticket_access.html``.
"""

from __future__ import annotations

import re

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import escape

from portal.answering import access_package
from portal.answering.access_package.others import highlighter
from portal.answering.access_package.review import REASON_MAX, TERM_MAX
from portal.extensions import db
from portal.i18n import gettext as _
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
    package = _package_or_404(request_id, package_id)
    report = access_package.report_of(package)
    if report is None:
        abort(404)
    if package.released_at is None:
        # Staff see, above the report, whom it names and what was decided (GDPR Art. 15(4)).
        report = _with_others_marked(report.decode("utf-8"), access_package.review_of(package))
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


# Other people in the copy (GDPR Art. 15(4)) ----------------------------------------------------

MAX_ITEMS = 1000
# What a form field may hold: text, with line breaks and tabs in a reason.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _field(name: str, limit: int) -> str:
    value = request.form.get(name, "")
    if _NOT_TEXT.search(value):
        raise RequestError(
            _("Remove the invisible control characters from the text. Nothing changed.")
        )
    if len(value) > limit:
        raise RequestError(_("The text is too long (at most %(max)s characters).", max=limit))
    return value


def _choices() -> list[tuple[str, str, str]]:
    choices = []
    indexes = sorted(int(name[5:]) for name in request.form if re.fullmatch(r"term-\d{1,4}", name))
    for index in indexes[:MAX_ITEMS]:
        choices.append(
            (
                _field(f"term-{index}", TERM_MAX * 2),
                _field(f"decision-{index}", 20),
                _field(f"reason-{index}", REASON_MAX),
            )
        )
    return choices


def _file_choices() -> dict[int, tuple[str, str]]:
    choices = {}
    for name in request.form:
        match = re.fullmatch(r"file-(\d{1,9})", name)
        if match:
            choices[int(match.group(1))] = (
                _field(name, 20),
                _field(f"file-reason-{match.group(1)}", REASON_MAX),
            )
    return choices


@bp.post("/requests/<int:request_id>/access-package/<int:package_id>/others")
@staff_required
def review_others(request_id: int, package_id: int):
    package = _package_or_404(request_id, package_id)
    subject_request = package.request
    staff = current_user._get_current_object()
    try:
        before = package.id
        current = access_package.record_review(
            package,
            staff,
            _choices(),
            added=(_field("added-term", TERM_MAX * 2), _field("added-reason", REASON_MAX)),
            on_files=_file_choices(),
        )
    except RequestError as exc:
        return _refused(subject_request, exc)
    db.session.commit()
    if current.id != before:
        flash(
            _(
                "Your decisions are recorded, and the copy was generated again without what you "
                "removed. Preview it before you release it."
            ),
            "success",
        )
    else:
        flash(_("Your decisions are recorded."), "success")
    return redirect(url_for("staff.ticket", request_id=subject_request.id, _anchor="others"))


MARK = '<mark style="background:#ffe08a;color:#1b1f23;outline:2px solid #8a5a00">{}</mark>'
DECISION_NAMES = {
    "not_other": lambda: _("not another person"),
    "disclose": lambda: _("kept: disclosing does not adversely affect them"),
    "redact": lambda: _("to be removed: generate the copy again"),
}


def _with_others_marked(report: str, review) -> str:
    """The report with a staff-only list of the other people it names at the top, and each
    mention marked where it stands. Only the copy in the ZIP goes to the requester."""
    split = highlighter([str(escape(term)) for term in review.terms()])
    pieces, raw = [], False
    for part in re.split(r"(<[^>]*>)", report):
        if part.startswith("<"):
            tag = part[1:-1].split(" ", 1)[0].lower()
            raw = tag in ("style", "title") or (raw and tag not in ("/style", "/title"))
            pieces.append(part)
        elif raw:
            pieces.append(part)
        else:
            pieces.extend(MARK.format(text) if marked else text for text, marked in split(part))
    marked = "".join(pieces)
    panel = _others_panel(review)
    return marked.replace("<body>", f"<body>{panel}", 1)


def _others_panel(review) -> str:
    rows = []
    for item in review.items:
        state = DECISION_NAMES[item.decision.decision]() if item.decision else _("not decided yet")
        rows.append(f"<li><strong>{escape(item.mention.term)}</strong>: {escape(state)}</li>")
    for removed in review.removed:
        rows.append(
            "<li><s>{}</s>: {}</li>".format(
                escape(removed.term),
                escape(
                    ngettext(
                        "removed from this copy %(num)s time",
                        "removed from this copy %(num)s times",
                        removed.count,
                    )
                ),
            )
        )
    for unread in review.unread_files:
        state = _("checked by staff") if unread.checked else _("not checked yet")
        rows.append(
            "<li>{}: {}</li>".format(
                escape(_("File %(name)s, which the portal cannot read", name=unread.path)),
                escape(state),
            )
        )
    for left in review.left_out:
        rows.append(
            "<li><s>{}</s>: {}</li>".format(
                escape(left.filename), escape(_("left out of this copy"))
            )
        )
    listed = (
        f"<ul>{''.join(rows)}</ul>"
        if rows
        else f"<p>{escape(_('The portal found no other person named in this copy.'))}</p>"
    )
    return (
        '<aside style="border:3px solid #8a5a00;background:#fff8e1;padding:.5rem 1rem;'
        'margin:0 0 1.5rem" aria-label="{label}"><p><strong>{title}</strong></p><p>{hint}</p>'
        "{listed}</aside>"
    ).format(
        label=escape(_("For staff: other people named in this copy")),
        title=escape(_("For staff only, not part of the copy: other people it names")),
        hint=escape(
            _(
                "Each mention is marked below. Decide about each on the ticket before you "
                "release the copy (GDPR Art. 15(4))."
            )
        ),
        listed=listed,
    )
