"""The yearly accountability report: what the controller shows for a calendar year (GDPR Art.
5(2), 24) -- the figures of ``portal.reports.figures`` for the year, the outcomes, the refusals
by ground, the manifestly unfounded or excessive requests (Art. 12(5)) and each answer that came
late.

Grounds of refusal. Only an Art. 12(5) refusal records its ground as data (ExcessiveDecision:
repetitive, manifestly unfounded, excessive). Any other refusal (e.g. an erasure refused under
Art. 17(3), an objection outweighed by compelling legitimate grounds under Art. 21(1)) gives its
ground in the free-text reasons sent to the requester, so the report counts those by request
type and says the ground is in the letter -- it does not guess one.

Late answers. The portal records no reason for answering late: the report lists each late answer
with its dates and says that no reason is recorded, instead of inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from portal.deadlines import local_date
from portal.extensions import db
from portal.models import (
    Channel,
    ExcessiveDecision,
    ExcessiveMeasure,
    Outcome,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from portal.reports.calendar import Window, calendar_year
from portal.reports.figures import (
    Figures,
    answered_in,
    controller_timezone,
    figures_for,
    local_dates,
    on_time_expression,
)

# A year's late answers are listed one by one; past this many the report says how many more.
LATE_LIST_LIMIT = 500


@dataclass(frozen=True)
class LateAnswer:
    reference: str
    kind: RequestKind
    received_at: datetime
    due_on: date
    closed_on: date
    period_months: int
    outcome: Outcome | None

    @property
    def days_late(self) -> int:
        return (self.closed_on - self.due_on).days


@dataclass
class YearlyReport:
    year: int
    figures: Figures
    by_channel: dict[Channel, int]
    outcomes: dict[RequestKind, dict[Outcome, int]]
    ended_unanswered: dict[RequestStatus, int]
    # Art. 12(5) refusals per ground; refusals on another ground per request type.
    refusals_by_ground: dict[str, int]
    other_refusals: dict[RequestKind, int]
    excessive: dict[tuple[ExcessiveMeasure, str], int]
    fees_paid: int
    late: list[LateAnswer]

    @property
    def window(self) -> Window:
        return self.figures.window

    @property
    def withdrawn(self) -> int:
        return self.ended_unanswered[RequestStatus.WITHDRAWN]

    @property
    def lapsed(self) -> int:
        return self.ended_unanswered[RequestStatus.LAPSED]

    @property
    def refusals(self) -> int:
        return sum(self.refusals_by_ground.values()) + sum(self.other_refusals.values())

    @property
    def late_not_listed(self) -> int:
        return self.figures.late - len(self.late)


def first_year() -> int | None:
    """The year of the earliest request, for the year chooser."""
    earliest = db.session.scalar(select(func.min(SubjectRequest.received_at)))
    if earliest is None:
        return None
    return local_date(earliest, controller_timezone()).year


def yearly_report(year: int) -> YearlyReport:
    """The year's figures in two passes over its requests (``figures_for`` with ``detail``:
    the requests ended in it, the requests received in it), then the Art. 12(5) decisions, which
    are few, and the late answers, one page of them."""
    window = calendar_year(year, controller_timezone())
    figures = figures_for(window, detail=True)
    r = SubjectRequest

    # Art. 12(5) refusals by ground, from the decisions (few) to their requests, answered as
    # refused in the year; every other refusal of the year is on another ground.
    refusal_decision = (
        select(ExcessiveDecision.request_id, func.max(ExcessiveDecision.ground).label("ground"))
        .where(ExcessiveDecision.measure == ExcessiveMeasure.REFUSAL)
        .group_by(ExcessiveDecision.request_id)
        .subquery()
    )
    refusals_by_ground: dict[str, int] = {}
    other_refusals = {kind: figures.outcomes[kind][Outcome.REFUSED] for kind in RequestKind}
    for kind, ground, n in db.session.execute(
        select(r.kind, refusal_decision.c.ground, func.count())
        .select_from(refusal_decision)
        .join(r, r.id == refusal_decision.c.request_id)
        .where(answered_in(window), r.outcome == Outcome.REFUSED)
        .group_by(r.kind, refusal_decision.c.ground)
    ):
        key = getattr(ground, "value", ground)
        refusals_by_ground[key] = refusals_by_ground.get(key, 0) + n
        other_refusals[RequestKind(kind)] -= n

    decided = and_(
        ExcessiveDecision.decided_at >= window.start_at,
        ExcessiveDecision.decided_at < window.end_at,
    )
    excessive = {}
    for measure, ground, n in db.session.execute(
        select(ExcessiveDecision.measure, ExcessiveDecision.ground, func.count())
        .where(decided)
        .group_by(ExcessiveDecision.measure, ExcessiveDecision.ground)
    ):
        excessive[(measure, ground.value)] = n
    fees_paid = db.session.scalar(
        select(func.count()).where(
            decided,
            ExcessiveDecision.measure == ExcessiveMeasure.FEE,
            ExcessiveDecision.paid_on.is_not(None),
        )
    )

    return YearlyReport(
        year=year,
        figures=figures,
        by_channel=figures.by_channel,
        outcomes=figures.outcomes,
        ended_unanswered=figures.ended_unanswered,
        refusals_by_ground=refusals_by_ground,
        other_refusals=other_refusals,
        excessive=excessive,
        fees_paid=fees_paid,
        late=_late_answers(figures),
    )


def _late_answers(figures: Figures) -> list[LateAnswer]:
    """The late answers, read only in the months the figures say have some: telling a late
    answer from one on time takes a local date per answer, and a year of them is a pass over
    tens of thousands of rows (issue 14). The figures count the same answers by the same rule
    (``on_time_expression``), so no late answer is left out."""
    window = figures.window
    boundaries = window.boundaries
    late_months = [
        (boundaries[i], boundaries[i + 1])
        for i, (_on_time, late) in enumerate(figures.answered_by_month)
        if late
    ]
    if not late_months:
        return []
    r = SubjectRequest
    local = local_dates(window)
    closed_on = local.date_of(r.closed_at).label("closed_on")
    rows = db.session.execute(
        select(r.reference, r.kind, r.received_at, r.due_on, closed_on, r.period_months, r.outcome)
        .where(
            answered_in(window),
            or_(*(and_(r.closed_at >= start, r.closed_at < end) for start, end in late_months)),
            ~on_time_expression(local),
        )
        .order_by(r.closed_at, r.id)
        .limit(LATE_LIST_LIMIT)
    )
    return [
        LateAnswer(
            reference=reference,
            kind=kind,
            received_at=received_at,
            due_on=due_on,
            # SQLite gives the date() as text.
            closed_on=closed if isinstance(closed, date) else date.fromisoformat(closed),
            period_months=period_months,
            outcome=outcome,
        )
        for reference, kind, received_at, due_on, closed, period_months, outcome in rows
    ]
