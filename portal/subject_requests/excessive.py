"""Manifestly unfounded or excessive requests (GDPR Art. 12(5)): a reasonable fee, or a refusal.

Either measure rests on a ground kept as data -- repetitive, manifestly unfounded, or excessive --
with the person's earlier requests that show it, because the controller bears the burden of
demonstrating that character (Art. 12(5), last sentence); every letter about it says so.

The clock while a fee is due. Art. 12(5) lets the controller charge a reasonable fee for such a
request; EDPB Guidelines 01/2022 (section 6.3) add that the person must be told of the fee
beforehand, without undue delay, so that they can withdraw the request rather than pay, and that the
controller may wait for the payment before acting. So asking for a fee makes the request wait the
way a question to confirm identity does: the clock stands still from the day the fee is asked for
to the day it arrives (staff record the payment; those days are added to the period), and the
person may withdraw meanwhile. If it is never paid, staff may still refuse the request on the same
ground, within the time left.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import or_, select

from portal import audit
from portal.deadlines import start_of_day
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import (
    ExcessiveDecision,
    ExcessiveGround,
    ExcessiveMeasure,
    Outcome,
    PauseReason,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    User,
    utcnow,
)
from portal.subject_requests import actions
from portal.subject_requests.clock import controller_today, local_day
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.lifecycle import check_transition
from portal.subject_requests.timeline import notify, requester_url

GROUND_NAMES = {
    "repetitive": _l("repetitive: it repeats earlier requests"),
    "manifestly_unfounded": _l("manifestly unfounded"),
    "excessive": _l("excessive"),
}

# A bound against typing mistakes, not a measure of what is reasonable: that depends on the
# administrative costs of answering (Art. 12(5)(a)) and is the contact person's judgement.
FEE_MAX_CENTS = 1000_00


def earlier_requests(request: SubjectRequest) -> list[SubjectRequest]:
    """The same person's requests that reached the controller before this one: the only
    evidence a repetitive or excessive character can rest on."""
    return db.session.scalars(
        select(SubjectRequest)
        .where(
            SubjectRequest.requester_id == request.requester_id,
            SubjectRequest.id != request.id,
            or_(
                SubjectRequest.received_at < request.received_at,
                (SubjectRequest.received_at == request.received_at)
                & (SubjectRequest.id < request.id),
            ),
        )
        .order_by(SubjectRequest.received_at.desc(), SubjectRequest.id.desc())
    ).all()


def decisions_of(request: SubjectRequest) -> list[ExcessiveDecision]:
    return db.session.scalars(
        select(ExcessiveDecision)
        .where(ExcessiveDecision.request_id == request.id)
        .order_by(ExcessiveDecision.decided_at, ExcessiveDecision.id)
    ).all()


def _ground_and_evidence(
    request: SubjectRequest, ground: str, evidence_ids: list[int]
) -> tuple[ExcessiveGround, list[SubjectRequest]]:
    try:
        ground = ExcessiveGround(ground)
    except ValueError:
        raise RequestError(_l("Choose the ground.")) from None
    earlier = {r.id: r for r in earlier_requests(request)}
    if any(i not in earlier for i in evidence_ids):
        raise RequestError(_l("Choose the evidence from the person's earlier requests."))
    evidence = sorted({earlier[i] for i in evidence_ids}, key=lambda r: (r.received_at, r.id))
    if ground is ExcessiveGround.REPETITIVE and not evidence:
        raise RequestError(
            _l(
                "A repetitive request is shown by the earlier requests it repeats: choose at "
                "least one. Nothing was sent."
            )
        )
    return ground, evidence


def _letter_context(request: SubjectRequest, decision: ExcessiveDecision) -> dict:
    return {
        "ground": decision.ground.value,
        "evidence": [
            (r.reference, KINDS[r.kind].title, local_day(r.received_at)) for r in decision.evidence
        ],
        "authority": current_app.extensions["notice"].supervisory_authority,
        "request_url": requester_url(request),
    }


def charge_fee(
    request: SubjectRequest,
    staff: User,
    ground: str,
    evidence_ids: list[int],
    fee_cents: int,
    reasons: str,
    payment_instructions: str,
) -> ExcessiveDecision:
    """Ask for a reasonable fee before acting on the request; it waits, clock stopped, until
    the fee is paid or the person withdraws it."""
    if request.status is RequestStatus.WAITING:
        raise RequestError(
            _l(
                "The request is already waiting for the requester. A fee can be asked for while "
                "the request is being handled. Nothing was sent."
            )
        )
    check_transition(request.status, RequestStatus.WAITING)
    if any(d.measure is ExcessiveMeasure.FEE for d in decisions_of(request)):
        raise RequestError(_l("A fee was already asked for on this request. Nothing was sent."))
    ground, evidence = _ground_and_evidence(request, ground, evidence_ids)
    if not 0 < fee_cents <= FEE_MAX_CENTS:
        raise RequestError(_l("Give a fee of more than 0 and at most 1,000 euros."))
    reasons = actions._required_text(reasons, _l("Give the reasons: the requester is told why."))
    payment_instructions = actions._required_text(
        payment_instructions, _l("Say how the fee can be paid.")
    )
    decision = ExcessiveDecision(
        request_id=request.id,
        measure=ExcessiveMeasure.FEE,
        ground=ground,
        reasons=reasons,
        fee_cents=fee_cents,
        payment_instructions=payment_instructions,
        decided_by_id=staff.id,
        evidence=evidence,
    )
    db.session.add(decision)
    request.status = RequestStatus.WAITING
    db.session.add(RequestPause(request=request, asked_at=utcnow(), reason=PauseReason.FEE))
    audit.record(
        "request.excessive",
        actor=staff,
        request=request,
        public=True,
        body=reasons,
        measure=ExcessiveMeasure.FEE,
        ground=ground,
        evidence=[r.reference for r in evidence],
        fee_cents=fee_cents,
        payment=payment_instructions,
        status=[RequestStatus.OPEN, RequestStatus.WAITING],
    )
    notify(
        request,
        "request_fee",
        to=request.requester,
        subject=_l("A fee for your request %(reference)s", reference=request.reference),
        reasons=reasons,
        fee=Decimal(fee_cents) / 100,
        payment=payment_instructions,
        **_letter_context(request, decision),
    )
    return decision


def record_payment(request: SubjectRequest, staff: User, paid_on: date) -> None:
    """The fee arrived: the clock runs again from that day, with the days it waited added."""
    pause = request.open_pause
    if request.status is not RequestStatus.WAITING or not request.waits_for_fee:
        raise RequestError(_l("The request is not waiting for a fee. Nothing changed."))
    decision = next(
        d
        for d in reversed(decisions_of(request))
        if d.measure is ExcessiveMeasure.FEE and d.paid_on is None
    )
    today = controller_today()
    asked_on = local_day(pause.asked_at)
    if paid_on > today:
        raise RequestError(_l("The day the fee arrived cannot be in the future."))
    if paid_on < asked_on:
        raise RequestError(
            _l(
                "The fee cannot have arrived before it was asked for (%(date)s).",
                date=f"{asked_on.day}.{asked_on.month}.{asked_on.year}",
            )
        )
    decision.paid_on = paid_on
    decision.payment_recorded_by_id = staff.id
    audit.record(
        "request.fee_paid",
        actor=staff,
        request=request,
        public=True,
        paid_on=paid_on,
        fee_cents=decision.fee_cents,
    )
    # The clock runs again from the day the fee arrived, not from the day it was recorded.
    resumed_at = (
        utcnow()
        if paid_on == today
        else max(
            start_of_day(paid_on, current_app.config["BABEL_DEFAULT_TIMEZONE"]), pause.asked_at
        )
    )
    actions.run_clock_again(request, staff, at=resumed_at)
    notify(
        request,
        "request_fee_paid",
        to=request.requester,
        subject=_l("Your fee arrived: %(reference)s", reference=request.reference),
        fee=Decimal(decision.fee_cents) / 100,
        paid_on=paid_on,
        request_url=requester_url(request),
    )


def refuse(
    request: SubjectRequest, staff: User, ground: str, evidence_ids: list[int], reasons: str
) -> ExcessiveDecision:
    """Refuse to act on the request (Art. 12(5)(b)); the letter gives the ground, the evidence,
    the burden of proof and the remedies (Art. 12(4))."""
    check_transition(request.status, RequestStatus.CLOSED)
    ground, evidence = _ground_and_evidence(request, ground, evidence_ids)
    reasons = actions._required_text(
        reasons, _l("Give the reasons: the requester must be told why (GDPR Art. 12(4)).")
    )
    decision = ExcessiveDecision(
        request_id=request.id,
        measure=ExcessiveMeasure.REFUSAL,
        ground=ground,
        reasons=reasons,
        decided_by_id=staff.id,
        evidence=evidence,
    )
    db.session.add(decision)
    audit.record(
        "request.excessive",
        actor=staff,
        request=request,
        public=True,
        measure=ExcessiveMeasure.REFUSAL,
        ground=ground,
        evidence=[r.reference for r in evidence],
    )
    context = _letter_context(request, decision)
    del context["authority"], context["request_url"]  # actions.resolve gives both
    actions.resolve(
        request,
        staff,
        Outcome.REFUSED,
        reasons,
        template="request_refused_excessive",
        **context,
    )
    return decision
