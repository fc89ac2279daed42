"""How staff name a request's state.

The requester's page speaks to the requester ("Waiting for information from you"); staff read
the same state from the other side of the desk, so the queue and the register say who waits for
whom.
"""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l

STAFF_STATUS_NAMES = {
    "unconfirmed": _l("Not yet confirmed by the requester"),
    "lapsed": _l("Lapsed: never confirmed"),
    "open": _l("In progress"),
    "waiting": _l("Waiting for the requester"),
    "closed": _l("Answered"),
    "withdrawn": _l("Withdrawn by the requester"),
}
# A request paused for a fee (GDPR Art. 12(5)) waits for a payment, not for information.
WAITING_FOR_FEE = _l("Waiting for the fee to be paid")

# How staff recorded that they know who is asking (GDPR Art. 12(6)); portal/answering/identity.
IDENTITY_DECISION_NAMES = {
    "matched": _l("Confirmed from the register's own address"),
    "address_on_file": _l("Confirmed by the owner of the address on file"),
    "other": _l("Confirmed by staff another way"),
}
