"""The customer number, username and business ID a requester gives, and where else they appear.

Anyone can register with their own address and type another customer's number: an access
request answered on that basis hands the customer's data to an impostor (GDPR Art. 12(6), 5(1)(f);
Bufalieri et al. 2020 found half of the controllers they tried fooled this way). Until the portal
checks the requester against the register itself, the ticket at least warns when the same
identifier was given on a request from another account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import SubjectRequest
from portal.subject_requests import search

IDENTIFIER_COLUMNS = ("customer_number", "username", "business_id")


def normalised(value: str | None) -> str:
    """What makes two spellings the same identifier: case and surrounding spaces do not count."""
    return (value or "").strip().lower()


@dataclass(frozen=True)
class SharedIdentifier:
    """Another account's request on which the same identifier was given."""

    field: str
    value: str
    request: SubjectRequest


def shared_elsewhere(request: SubjectRequest, limit: int = 20) -> list[SharedIdentifier]:
    """Requests from *other* accounts that give one of this request's identifiers."""
    given = {
        column: normalised(getattr(request, column))
        for column in IDENTIFIER_COLUMNS
        if normalised(getattr(request, column))
    }
    if not given:
        return []
    # The queue's search index finds the few requests that contain each value (issue 14: the
    # lower(trim(...)) comparison alone read every request on each ticket page); the exact
    # comparison then keeps those that give it whole.
    candidates = union(*(search.matching_ids(value) for value in set(given.values())))
    matches = db.session.scalars(
        select(SubjectRequest)
        .where(
            SubjectRequest.id.in_(candidates),
            SubjectRequest.requester_id != request.requester_id,
            or_(
                *(
                    func.lower(func.trim(getattr(SubjectRequest, column))) == value
                    for column, value in given.items()
                )
            ),
        )
        .options(selectinload(SubjectRequest.requester))
        .order_by(SubjectRequest.received_at.desc(), SubjectRequest.id.desc())
        .limit(limit)
    ).all()
    return [
        SharedIdentifier(column, getattr(other, column).strip(), other)
        for other in matches
        for column, value in given.items()
        if normalised(getattr(other, column)) == value
    ]
