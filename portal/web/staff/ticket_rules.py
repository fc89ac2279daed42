"""The ticket's parts for the legal rules around the answer: what a question is for and whether
it stops the clock, a fee or a refusal for a manifestly unfounded or excessive request (GDPR
Art. 12(5)), and a restriction lifted in two steps (Art. 18(3))."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import request
from flask_login import current_user

from portal.answering import letters, rights
from portal.answering.rights.restriction import ends_on, wait_days
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import RequestStatus, SubjectRequest
from portal.subject_requests import excessive
from portal.subject_requests.actions import ASK_LATE_AFTER_DAYS, asked_late
from portal.subject_requests.clock import controller_today, days_since_receipt
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE, can
from portal.web.staff.forms import ExcessiveForm, FeePaidForm

# A letter chosen for a question also says what the question is for.
LETTER_PURPOSES = {"ask.identity": "identity", "ask.scope": "clarification"}


def context(subject_request: SubjectRequest, forms: dict, compose: str) -> dict:
    """What the ticket template needs beyond the basic actions; a part the page does not show
    is not looked up (issue 14)."""
    today = controller_today()
    # Only a restricted person's lifting is shown (the banner of GDPR Art. 18).
    restricted = subject_request.requester.restricted_at is not None
    lift = rights.pending_lift(subject_request.requester) if restricted else None
    return {
        "days_since_receipt": days_since_receipt(subject_request, today),
        "ask_late": asked_late(subject_request, today),
        "ask_late_after_days": ASK_LATE_AFTER_DAYS,
        "excessive_form": (forms.get("excessive") or ExcessiveForm())
        if compose == "excessive"
        else None,
        "excessive_evidence": (
            excessive.earlier_requests(subject_request) if compose == "excessive" else []
        ),
        "excessive_decisions": excessive.decisions_of(subject_request),
        "excessive_grounds": excessive.GROUND_NAMES,
        "fee_paid_form": (forms.get("fee-paid") or FeePaidForm())
        if compose == "fee-paid"
        else None,
        "euros": lambda cents: Decimal(cents) / 100,
        "restriction_lift": lift,
        "lift_may_end": lift is not None and rights.how_it_may_end(lift) is not None,
        "lift_after_days": wait_days(),
        "lift_ends_at": ends_on(lift) if lift is not None else None,
    }


@dataclass(frozen=True)
class ComposerAction:
    key: str
    label: str
    # The key that opens it when the page's script runs (progressive enhancement only).
    shortcut: str


# The ticket's composer: one action open at a time, chosen by a link (?compose=key), so it
# works without JavaScript; each key is also the action's URL (staff.act) and its form's id.
_COMPOSER = (
    ("reply", _l("Reply"), "r"),
    ("note", _l("Internal note"), "n"),
    ("ask", _l("Ask for information"), "a"),
    ("resume", _l("Resume"), "u"),
    ("fee-paid", _l("Record the payment"), "p"),
    ("extend", _l("Extend the deadline"), "e"),
    ("assign", _l("Assign"), "s"),
    ("resolve", _l("Close the request"), "c"),
    ("excessive", _l("Unfounded or excessive"), "x"),
)


def composer_actions(subject_request: SubjectRequest) -> list[ComposerAction]:
    """The actions the request's state allows, in the composer's order."""
    status = subject_request.status
    active = status in ACTIVE
    allowed = {
        "reply": active,
        "note": True,
        "ask": can(status, RequestStatus.WAITING),
        "resume": status is RequestStatus.WAITING and not subject_request.waits_for_fee,
        "fee-paid": active and subject_request.waits_for_fee,
        "extend": active,
        "assign": active,
        "resolve": active,
        "excessive": active,
    }
    return [
        ComposerAction(key, str(label), shortcut)
        for key, label, shortcut in _COMPOSER
        if allowed[key]
    ]


def chosen_action(actions: list[ComposerAction], failed: str | None) -> str:
    """The action open in the composer: the one whose submission came back (its text and errors
    in view), else the one a link chose, else a letter's, else the request's next step."""
    keys = [a.key for a in actions]
    letter = letters.BY_KEY.get(request.args.get("letter", ""))
    for wanted in (failed, request.args.get("compose"), letter and letter.action):
        if wanted in keys:
            return wanted
    if "fee-paid" in keys:
        return "fee-paid"
    return "reply" if "reply" in keys else "note"


def decide_excessive(subject_request: SubjectRequest, form: ExcessiveForm) -> None:
    staff = current_user._get_current_object()
    if form.measure.data == "fee":
        excessive.charge_fee(
            subject_request,
            staff,
            form.ground.data,
            form.evidence.data,
            form.fee_cents,
            form.reasons.data,
            form.payment.data,
        )
    else:
        excessive.refuse(
            subject_request, staff, form.ground.data, form.evidence.data, form.reasons.data
        )


def record_payment(subject_request: SubjectRequest, form: FeePaidForm) -> None:
    excessive.record_payment(subject_request, current_user._get_current_object(), form.paid_on.data)


def finish_lift(subject_request: SubjectRequest, form) -> None:
    lift = rights.pending_lift(subject_request.requester)
    if lift is None or rights.finish_lifting(lift, current_user._get_current_object()) is None:
        raise RequestError(
            _(
                "The restriction cannot end yet: the person has not been told. It ends once the "
                "notice has been delivered, or after the waiting days when it cannot be."
            )
        )


# Done messages that depend on what the action did.
RESULT_MESSAGES = {
    "ask": lambda r: (
        _("The question was sent and the clock is paused.")
        if r.status is RequestStatus.WAITING
        else _("The question was sent; the clock keeps running.")
    ),
    "excessive": lambda r: (
        _("The requester was told of the fee; the request waits until it is paid.")
        if r.status is RequestStatus.WAITING
        else _("The request is refused and the requester has been sent the reasons.")
    ),
    "fee-paid": lambda r: _("The payment is recorded and the clock runs again."),
}
