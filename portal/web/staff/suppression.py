"""The suppression list for the newsletter tool (GDPR Art. 21(3)).

The list holds keyed hashes, not addresses, so it is used by checking: staff paste or upload the
newsletter tool's mailing list, and get back the addresses that must be removed from it. The
hashes themselves can be exported for the record.
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal import audit
from portal.answering import rights
from portal.extensions import db
from portal.models import SuppressionEntry
from portal.web.accounts.guard import fresh_second_factor_required
from portal.web.csv_safe import csv_response
from portal.web.staff.views import bp, staff_required

ADDRESS = re.compile(r"[^\s,;<>\"']+@[^\s,;<>\"']+")


class CheckForm(FlaskForm):
    addresses = TextAreaField(
        _l("Addresses of the mailing list, one per line"),
        id="suppression-addresses",
        validators=[Optional(), Length(max=2_000_000)],
    )
    upload = FileField(_l("…or the mailing list as a CSV or text file"), id="suppression-file")


def _addresses(form: CheckForm) -> list[str]:
    text = form.addresses.data or ""
    if form.upload.data and form.upload.data.filename:
        text += "\n" + form.upload.data.read().decode("utf-8", errors="replace")
    return list(dict.fromkeys(a.lower() for a in ADDRESS.findall(text)))


@bp.route("/suppression", methods=["GET", "POST"])
@staff_required
def suppression():
    form = CheckForm()
    count = db.session.scalar(select(func.count(SuppressionEntry.id)))
    if form.validate_on_submit():
        addresses = _addresses(form)
        if not addresses:
            form.addresses.errors.append(_("No email addresses were found."))
        else:
            found = rights.matching(addresses)
            audit.record("suppression.checked", checked=len(addresses), matched=len(found))
            db.session.commit()
            return csv_response(
                "remove-from-newsletter.csv",
                ["email", "action"],
                ([address, "remove"] for address in found),
                {"Cache-Control": "private, no-store"},
            )
    return render_template("staff/suppression.html", form=form, count=count)


@bp.route("/suppression.csv")
@staff_required
@fresh_second_factor_required
def suppression_export():
    entries = db.session.scalars(select(SuppressionEntry).order_by(SuppressionEntry.id))
    return csv_response(
        "suppression-list.csv",
        ["address_hmac_sha256", "reason", "added"],
        ([e.address_hash, e.reason, e.created_at.date().isoformat()] for e in entries),
    )
