"""The request lifecycle: which status changes are allowed."""

from __future__ import annotations

import pytest

from portal.models import RequestStatus as S
from portal.subject_requests.lifecycle import FINAL, InvalidTransition, can, check_transition


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.UNCONFIRMED, S.OPEN),
        (S.UNCONFIRMED, S.LAPSED),
        (S.UNCONFIRMED, S.WITHDRAWN),
        (S.OPEN, S.WAITING),
        (S.WAITING, S.OPEN),
        (S.OPEN, S.CLOSED),
        (S.WAITING, S.CLOSED),
        (S.OPEN, S.WITHDRAWN),
    ],
)
def test_allowed_changes(current, wanted):
    check_transition(current, wanted)
    assert can(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.UNCONFIRMED, S.CLOSED),  # nobody works an unconfirmed request
        (S.UNCONFIRMED, S.WAITING),
        (S.OPEN, S.LAPSED),  # only unconfirmed requests lapse
        (S.OPEN, S.OPEN),
        (S.CLOSED, S.OPEN),  # an answered request is not reopened silently
        (S.WITHDRAWN, S.OPEN),
        (S.LAPSED, S.OPEN),  # a lapsed request cannot be confirmed late
    ],
)
def test_forbidden_changes(current, wanted):
    with pytest.raises(InvalidTransition):
        check_transition(current, wanted)


def test_final_statuses_lead_nowhere():
    for status in FINAL:
        assert not any(can(status, other) for other in S)
