"""The ticket's parts for the legal rules around the answer: what a question is for and whether
it stops the clock."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.models import RequestStatus, SubjectRequest
from portal.subject_requests.actions import ASK_LATE_AFTER_DAYS, asked_late
from portal.subject_requests.clock import controller_today, days_since_receipt

# A letter chosen for a question also says what the question is for.
LETTER_PURPOSES = {"ask.identity": "identity", "ask.scope": "clarification"}


def context(subject_request: SubjectRequest, forms: dict) -> dict:
    """What the ticket template needs beyond the basic actions."""
    today = controller_today()
    return {
        "days_since_receipt": days_since_receipt(subject_request, today),
        "ask_late": asked_late(subject_request, today),
        "ask_late_after_days": ASK_LATE_AFTER_DAYS,
    }


# Done messages that depend on what the action did.
RESULT_MESSAGES = {
    "ask": lambda r: (
        _("The question was sent and the clock is paused.")
        if r.status is RequestStatus.WAITING
        else _("The question was sent; the clock keeps running.")
    ),
}
