"""Which status changes a request's lifecycle allows. Pure: no Flask, no database."""

from __future__ import annotations

from portal.models.request import RequestStatus as S


class InvalidTransition(Exception):
    """The lifecycle does not allow this change from the request's current status."""

    def __init__(self, current: S, wanted: S) -> None:
        self.current = current
        self.wanted = wanted
        super().__init__(f"cannot go from {current.value} to {wanted.value}")


ALLOWED: dict[S, frozenset[S]] = {
    S.UNCONFIRMED: frozenset({S.OPEN, S.LAPSED, S.WITHDRAWN}),
    S.OPEN: frozenset({S.WAITING, S.CLOSED, S.WITHDRAWN}),
    # Waiting for the requester's information: resumed when it arrives (or staff decide).
    S.WAITING: frozenset({S.OPEN, S.CLOSED, S.WITHDRAWN}),
    S.LAPSED: frozenset(),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# Statuses in which the contact person is working the request.
ACTIVE = frozenset({S.OPEN, S.WAITING})
# Statuses after which nothing more happens.
FINAL = frozenset({S.LAPSED, S.CLOSED, S.WITHDRAWN})


def check_transition(current: S, wanted: S) -> None:
    if wanted not in ALLOWED[current]:
        raise InvalidTransition(current, wanted)


def can(current: S, wanted: S) -> bool:
    return wanted in ALLOWED[current]
