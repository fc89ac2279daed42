"""Two staff members acting on one ticket at the same moment: one action wins, the other is told
that the request changed, and nothing of the loser's is recorded or sent (GDPR Art. 5(1)(d)).

Each staff member has their own client, so each request runs in its own thread with its own
database connection, as two browsers against two workers would.
"""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.models import (
    AuditEvent,
    OutboxMessage,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
)
from tests.conftest import csrf_token, sign_in
from tests.integration.conftest import STAFF_PASSWORD

STATE = re.compile(r'name="state" value="([^"]+)"')
ROUNDS = 6


@pytest.fixture
def two_staff(app: Flask, contact, colleague):
    """Two signed-in staff clients: the contact person and a colleague."""
    clients = []
    for user in (contact, colleague):
        client = app.test_client()
        response = sign_in(client, user.email, STAFF_PASSWORD)
        assert response.status_code == 302
        clients.append(client)
    return clients


def page_form(client, request_id: int) -> dict:
    """What the ticket page gives a browser to send back: its CSRF token and the state shown."""
    html = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "state": STATE.search(html).group(1)}


def at_once(posts):
    """Send the posts from their own threads, released together; return the status codes."""
    barrier = threading.Barrier(len(posts))
    codes = [None] * len(posts)

    def run(i, client, url, data):
        barrier.wait()
        codes[i] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return codes


def count(db, model, **where):
    db.session.expire_all()
    query = sa.select(sa.func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


def resolve_data(outcome="refused"):
    return {"outcome": outcome, "reasons": f"Perustelut: {outcome}."}


EXTEND = {"months": "2", "reason": "Pyyntöjä on paljon."}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("resolve", resolve_data("refused")), ("resolve", resolve_data("partially_completed"))),
        (("extend", EXTEND), ("resolve", resolve_data("refused"))),
        (("assign", "colleague"), ("assign", "third")),
    ],
    ids=["resolve-resolve", "extend-resolve", "assign-assign"],
)
def test_two_staff_acting_at_once_one_wins_and_nothing_of_the_other_is_sent(
    app, db, two_staff, colleague, make_user, make_request, first, second
):
    # Neither is the contact person, to whom confirming the request assigned it.
    third = make_user(email="toni@wprod.fi", name="Toni Kolmas", role=Role.STAFF)
    staff_ids = {"colleague": colleague.id, "third": third.id}
    for _ in range(ROUNDS):
        request_id = make_request(kind=RequestKind.ACCESS)
        posts = []
        for client, (action, data) in zip(two_staff, (first, second), strict=True):
            if action == "assign":
                data = {"assignee": str(staff_ids[data])}
            form = page_form(client, request_id)
            posts.append((client, f"/staff/requests/{request_id}/{action}", {**form, **data}))
        codes = at_once(posts)

        assert sorted(codes) == [302, 409], codes
        changes = (
            count(db, AuditEvent, request_id=request_id, action="request.resolved")
            + count(db, AuditEvent, request_id=request_id, action="request.extended")
            + count(db, AuditEvent, request_id=request_id, action="request.assigned")
        )
        # The confirmation assigned the request to the contact person: one event before these.
        assert changes == 1 + 1
        letters = count(db, OutboxMessage, template="request_resolved") + count(
            db, OutboxMessage, template="request_extended"
        )
        assert letters == (0 if first[0] == "assign" else 1)
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()


def test_an_action_from_a_page_that_is_out_of_date_is_refused_and_nothing_is_sent(
    app, db, two_staff, make_request
):
    ville, anna = two_staff
    request_id = make_request(kind=RequestKind.ACCESS)
    stale = page_form(ville, request_id)
    # Anna extends first; Ville's page still shows the old due date.
    response = anna.post(
        f"/staff/requests/{request_id}/extend", data={**page_form(anna, request_id), **EXTEND}
    )
    assert response.status_code == 302

    response = ville.post(f"/staff/requests/{request_id}/resolve", data={**stale, **resolve_data()})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert (
        "Joku muu muutti tätä pyyntöä juuri" in page or "Someone else changed this request" in page
    )
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN
    assert subject_request.period_months == 2
    assert count(db, OutboxMessage, template="request_resolved") == 0
    # The page shown with the refusal carries the current state, so trying again works.
    again = ville.post(
        f"/staff/requests/{request_id}/resolve",
        data={
            **resolve_data(),
            "state": STATE.search(page).group(1),
            "csrf_token": stale["csrf_token"],
        },
    )
    assert again.status_code == 302
    assert count(db, OutboxMessage, template="request_resolved") == 1


def test_a_double_click_on_resolve_sends_one_answer(app, db, two_staff, make_request):
    ville, _anna = two_staff
    request_id = make_request(kind=RequestKind.ACCESS)
    form = {**page_form(ville, request_id), **resolve_data()}
    url = f"/staff/requests/{request_id}/resolve"

    codes = at_once([(ville, url, form), (ville, url, form)])

    assert sorted(codes) == [302, 409]
    assert count(db, AuditEvent, request_id=request_id, action="request.resolved") == 1
    assert count(db, OutboxMessage, template="request_resolved") == 1
