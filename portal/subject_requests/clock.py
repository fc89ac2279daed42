"""The request's clock: today in the controller's time zone and the due date with its pauses.

The date rules themselves are pure, in ``portal.deadlines``; this module feeds them the
controller's settings and the request's own dates.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from portal.deadlines import due_date, local_date, paused_days
from portal.models import SubjectRequest, utcnow


def local_day(moment: datetime) -> date:
    return local_date(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"])


def controller_today(now: datetime | None = None) -> date:
    """Today in the controller's time zone: deadlines are counted in local days."""
    return local_day(now or utcnow())


def days_since_receipt(request: SubjectRequest, today: date) -> int:
    return (today - local_day(request.received_at)).days


def compute_due_on(request: SubjectRequest, today: date) -> date:
    """Receipt + the period (1 or up to 3 months) + the days the clock stood still."""
    pauses = [
        (local_day(p.asked_at), local_day(p.resumed_at) if p.resumed_at else None)
        for p in request.pauses
    ]
    return due_date(
        local_day(request.received_at),
        request.period_months,
        country=current_app.config["HOLIDAY_COUNTRY"],
        paused_days=paused_days(pauses, today),
    )
