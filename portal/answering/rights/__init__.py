"""What the portal itself does when a right is used, beyond answering the ticket.

``marketing``: objection to direct marketing and withdrawal of consent act at confirmation, with
the suppression list. ``completion``: closing a request with its outcome and its effects on the
person's data (erasure, restriction, Art. 19 recipients). ``restriction``: lifting a restriction
in two steps, the person told first (Art. 18(3)).

May import ``portal.subject_requests``, ``portal.answering.retention``, the models and the
infrastructure modules; never the web or the CLI.
"""

from __future__ import annotations

from portal.answering.rights.completion import (
    ART_19_KINDS,
    Completion,
    erasure_summary,
    needs_recipients,
    resolve,
)
from portal.answering.rights.marketing import (
    MARKETING_KINDS,
    address_hash,
    apply_on_confirmation,
    is_suppressed,
    matching,
    receives_marketing,
    suppress,
)
from portal.answering.rights.restriction import (
    finish_due_lifts,
    finish_lifting,
    how_it_may_end,
    pending_lift,
    start_lifting,
)

__all__ = [
    "ART_19_KINDS",
    "MARKETING_KINDS",
    "Completion",
    "address_hash",
    "apply_on_confirmation",
    "erasure_summary",
    "finish_due_lifts",
    "finish_lifting",
    "how_it_may_end",
    "is_suppressed",
    "matching",
    "needs_recipients",
    "pending_lift",
    "receives_marketing",
    "resolve",
    "start_lifting",
    "suppress",
]
