"""A staff action acts only on the ticket as the staff member saw it.

Every form of the ticket carries fingerprints of what the page showed (``state``: the request's;
a panel may add its own, e.g. its tasks' or its erasure plans'). The action locks the request row
until its commit, so that of two colleagues (or two clicks) the second waits, and then compares:
a page out of date gets the current ticket with a message, and nothing is done or sent.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, request

from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import SubjectRequest
from portal.subject_requests.locking import lock_request, state_of

STALE = _l(
    "Someone else changed this request just now; here is its current state. "
    "Nothing was done and nothing was sent."
)


def out_of_date() -> None:
    """Undo the action's session and say why."""
    db.session.rollback()
    flash(str(STALE), "error")


def locked_as_seen(
    request_id: int, **fingerprints: Callable[[SubjectRequest], str]
) -> SubjectRequest | None:
    """The request, locked, when every fingerprint the form sent matches the request now;
    None (rolled back, the message flashed) when the page was out of date. 404 for no request."""
    subject_request = lock_request(request_id)
    if subject_request is None:
        abort(404)
    current = {"state": state_of, **fingerprints}
    if any(request.form.get(name) != of(subject_request) for name, of in current.items()):
        out_of_date()
        return None
    return subject_request
