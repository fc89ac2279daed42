"""How many requests are in some statuses, from the counts database triggers keep in the same
transaction as every change (``request_status_count``, migration 0016): exact, and read in one
index lookup per status however many requests there are (issue 14)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import RequestStatus, RequestStatusCount


def status_total(statuses: Iterable[RequestStatus]) -> Select:
    """The statement that reads the count, for a page that runs it inside one of its own."""
    return select(func.coalesce(func.sum(RequestStatusCount.n), 0)).where(
        RequestStatusCount.status.in_([status.value for status in statuses])
    )


def status_count(statuses: Iterable[RequestStatus]) -> int:
    return db.session.scalar(status_total(statuses))
