"""The suppression list for the newsletter tool (GDPR Art. 21(3)).

The list holds keyed hashes, not addresses, so it is used by checking: staff paste or upload the
newsletter tool's mailing list, and get back the addresses that must be removed from it. The
hashes themselves can be exported for the record.
"""

from __future__ import annotations

import codecs
import re

from flask import render_template
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal import audit
from portal.answering import rights
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import SuppressionEntry
from portal.web.accounts.guard import fresh_second_factor_required
from portal.web.csv_safe import csv_response
from portal.web.forms import PortalForm
from portal.web.staff.views import bp, staff_required

# A mailing list of 100,000 addresses fits in either; the work below is linear in the size.
TEXT_MAX = 2_000_000
FILE_MAX_BYTES = 20 * 1024 * 1024

# The list is cut into words at whitespace and at the punctuation that surrounds addresses in a
# CSV or a "Name <address>" line; a word with an "@" inside is an address. One pass over the text:
# a pattern that looked for "x@y" directly took quadratic time on a long run without an "@".
WORD = re.compile(r"[^\s,;<>\"'\x00]+")


class CheckForm(PortalForm):
    addresses = TextAreaField(
        _l("Addresses of the mailing list, one per line"),
        id="suppression-addresses",
        validators=[
            Optional(),
            Length(
                max=TEXT_MAX,
                message=_l(
                    "Paste at most 2,000,000 characters at a time, or upload the list as a file."
                ),
            ),
        ],
    )
    upload = FileField(_l("…or the mailing list as a CSV or text file"), id="suppression-file")


def addresses_in(text: str) -> list[str]:
    """The addresses in a mailing list, lower-cased, each once, in their order."""
    words = (match.group() for match in WORD.finditer(text))
    return list(dict.fromkeys(w.lower() for w in words if "@" in w[1:-1]))


def _decode(data: bytes) -> str:
    # Spreadsheets save "Unicode text" as UTF-16 with a byte-order mark; everything else is read
    # as UTF-8.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _uploaded_text(form: CheckForm) -> str | None:
    """The uploaded list as text; None (with the reason next to the field) when too large."""
    upload = form.upload.data
    if not (upload and upload.filename):
        return ""
    data = upload.read(FILE_MAX_BYTES + 1)
    if len(data) > FILE_MAX_BYTES:
        form.upload.errors.append(_("The file is too large: upload at most 20 MB at a time."))
        return None
    return _decode(data)


@bp.route("/suppression", methods=["GET", "POST"])
@staff_required
def suppression():
    form = CheckForm()
    count = db.session.scalar(select(func.count(SuppressionEntry.id)))
    if form.validate_on_submit() and (uploaded := _uploaded_text(form)) is not None:
        addresses = addresses_in((form.addresses.data or "") + "\n" + uploaded)
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
    return render_template("staff/suppression.html", form=form, count=count), (
        400 if form.errors else 200
    )


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
