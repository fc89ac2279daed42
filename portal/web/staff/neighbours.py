"""The requests before and after one ticket in its queue's default order, so that staff can walk
the queue from the ticket page. A keyset query for each neighbour: two indexed single-row
lookups, however long the queue (the queue itself is never loaded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from portal.extensions import db
from portal.models import SubjectRequest
from portal.web.staff.lists import DEFAULT_SORT, SORTS, VIEWS

# Each view's order when nobody chose a sort, as the queue's: open requests by due date, the
# others newest first.
DEFAULT_ORDER = {
    view_name: (SORTS[sort.removeprefix("-")], sort.startswith("-"))
    for view_name, sort in DEFAULT_SORT.items()
}


@dataclass(frozen=True)
class Neighbour:
    id: int
    reference: str | None


@dataclass(frozen=True)
class Neighbours:
    view_name: str
    previous: Neighbour | None
    next: Neighbour | None


def neighbours(subject_request: SubjectRequest) -> Neighbours:
    """The previous and next request of the queue view ``subject_request`` is listed in (open
    ones by due date, unconfirmed and closed ones newest first), unfiltered, in that view's
    default order; the id breaks ties as the queue's own ordering does."""
    view_name = next(
        (name for name, statuses in VIEWS.items() if subject_request.status in statuses), "queue"
    )
    column, descending = DEFAULT_ORDER[view_name]
    value = getattr(subject_request, column.key)
    in_view = SubjectRequest.status.in_(VIEWS[view_name])
    ident = SubjectRequest.id
    before = or_(column < value, and_(column == value, ident < subject_request.id))
    after = or_(column > value, and_(column == value, ident > subject_request.id))
    if descending:
        before, after = after, before

    def first(condition, *order) -> Neighbour | None:
        row = db.session.execute(
            select(SubjectRequest.id, SubjectRequest.reference)
            .where(in_view, condition)
            .order_by(*order)
            .limit(1)
        ).first()
        return Neighbour(*row) if row else None

    ascending_order = (column.asc(), ident.asc())
    descending_order = (column.desc(), ident.desc())
    forward, backward = (
        (descending_order, ascending_order) if descending else (ascending_order, descending_order)
    )
    return Neighbours(
        view_name,
        previous=first(before, *backward),
        next=first(after, *forward),
    )
