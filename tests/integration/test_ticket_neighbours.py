"""The top of the ticket page: the previous and next request in the queue's default order (due
date first, the id breaking ties), and the history naming assignees by name, not by address."""

from __future__ import annotations

import re

import pytest

from portal.models import RequestStatus, Role, SubjectRequest, User
from tests.conftest import sign_in
from tests.integration.conftest import STAFF_PASSWORD, ticket
from tests.integration.pages import sql_statements

PREVIOUS = re.compile(r'href="/staff/requests/(\d+)" rel="prev"')
NEXT = re.compile(r'href="/staff/requests/(\d+)" rel="next"')


def neighbours_on(client, request_id: int) -> tuple[int | None, int | None]:
    html = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    previous, following = PREVIOUS.search(html), NEXT.search(html)
    return (
        int(previous.group(1)) if previous else None,
        int(following.group(1)) if following else None,
    )


def test_three_requests_link_in_due_date_order(staff_client, make_request):
    # Made newest first, so that the ids run against the due dates: the order must come from
    # the due date, not from the id.
    newest = make_request(received_days_ago=1)
    middle = make_request(received_days_ago=10)
    oldest = make_request(received_days_ago=20)

    assert neighbours_on(staff_client, oldest) == (None, middle)
    assert neighbours_on(staff_client, middle) == (oldest, newest)
    assert neighbours_on(staff_client, newest) == (middle, None)


def test_the_same_due_date_is_ordered_by_id(staff_client, make_request, db):
    first, second, third = (make_request(received_days_ago=5) for _ in range(3))
    due = {db.session.get(SubjectRequest, i).due_on for i in (first, second, third)}
    assert len(due) == 1
    assert neighbours_on(staff_client, first) == (None, second)
    assert neighbours_on(staff_client, second) == (first, third)
    assert neighbours_on(staff_client, third) == (second, None)


def test_requests_of_other_views_are_not_neighbours(staff_client, make_request, db):
    """A closed or unconfirmed request is not in the open queue: walking the queue skips it,
    and a closed ticket walks the closed view instead (newest received first)."""
    early = make_request(received_days_ago=20)
    unconfirmed = make_request(received_days_ago=15, confirmed=False)
    closed = make_request(received_days_ago=12)
    late = make_request(received_days_ago=3)
    closed_earlier = make_request(received_days_ago=25)
    for request_id in (closed, closed_earlier):
        db.session.get(SubjectRequest, request_id).status = RequestStatus.CLOSED
    db.session.commit()

    assert neighbours_on(staff_client, early) == (None, late)
    assert neighbours_on(staff_client, late) == (early, None)
    # The closed view's default order is the newest received first.
    assert neighbours_on(staff_client, closed) == (None, closed_earlier)
    assert neighbours_on(staff_client, closed_earlier) == (closed, None)
    assert neighbours_on(staff_client, unconfirmed) == (None, None)


def walk(client, start: int) -> tuple[list[int], list[int]]:
    """The ids met following "next" from ``start`` to the end, and "previous" back again."""
    forward = [start]
    while (following := neighbours_on(client, forward[-1])[1]) is not None:
        forward.append(following)
    backward = [forward[-1]]
    while (previous := neighbours_on(client, backward[-1])[0]) is not None:
        backward.append(previous)
    return forward, backward


def test_the_walk_crosses_the_statuses_of_one_view(staff_client, make_request, db):
    """Open and waiting requests share the queue, closed and withdrawn ones the closed view:
    each status is looked up along its own index range, and the nearer one is the neighbour."""
    queue = [make_request(received_days_ago=days) for days in (20, 16, 12, 8, 4)]
    closed = [make_request(received_days_ago=days) for days in (30, 28, 26, 24)]
    for request_id in queue[1:3]:
        db.session.get(SubjectRequest, request_id).status = RequestStatus.WAITING
    statuses = [RequestStatus.CLOSED, RequestStatus.WITHDRAWN] * 2
    for request_id, status in zip(closed, statuses, strict=True):
        db.session.get(SubjectRequest, request_id).status = status
    db.session.commit()

    assert walk(staff_client, queue[0]) == (queue, queue[::-1])
    # The closed view runs newest received first.
    newest_first = closed[::-1]
    assert walk(staff_client, newest_first[0]) == (newest_first, closed)


def test_neighbour_lookup_does_not_load_the_queue(staff_client, make_request, app):
    """Two single-row queries, whatever the queue's length."""
    ids = [make_request(received_days_ago=days) for days in range(1, 13)]
    with sql_statements(app) as seen:
        previous, following = neighbours_on(staff_client, ids[5])
    lookups = [s for s in seen if "subject_request.reference" in s and "LIMIT" in s.upper()]
    assert previous in ids and following in ids
    assert len(lookups) == 2


def test_history_names_the_assignee_and_keeps_an_address_no_account_has(
    staff_client, make_request, make_user, db
):
    anna = make_user(
        email="anna@wprod.fi", name="Anna Kollega", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request()
    response = ticket(staff_client, request_id, "assign", {"assignee": str(anna.id)})
    assert response.status_code == 302

    html = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Käsittelijä vaihdettiin: – → Ville Kärpijoki." in html
    assert "Käsittelijä vaihdettiin: Ville Kärpijoki → Anna Kollega." in html
    assert "→ anna@wprod.fi" not in html and "→ ville@wprod.fi" not in html

    # Anna's account is gone (its address erased): the history keeps the address it recorded.
    db.session.get(User, anna.id).email = None
    db.session.commit()
    html = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Käsittelijä vaihdettiin: Ville Kärpijoki → anna@wprod.fi." in html


@pytest.mark.parametrize("path", ["/requests/{id}", "/requests/"])
def test_the_requester_never_sees_a_staff_address(app, staff_client, make_request, make_user, path):
    anna = make_user(
        email="anna@wprod.fi", name="Anna Kollega", role=Role.STAFF, password=STAFF_PASSWORD
    )
    maija = make_user()
    request_id = make_request(maija)
    assert ticket(staff_client, request_id, "assign", {"assignee": str(anna.id)}).status_code == 302
    requester = app.test_client()
    assert sign_in(requester, "maija@example.fi", "kettu juoksee metsässä").status_code == 302
    html = requester.get(path.format(id=request_id)).get_data(as_text=True)
    assert "anna@wprod.fi" not in html
