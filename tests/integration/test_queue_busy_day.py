"""The queue for a busy day (issue 13, item 5): sortable columns (whitelisted), page numbers,
the "due today", "due within 7 days" and "unassigned" filters, staff wording for statuses, the
date a paused clock would run to, and bulk assignment that checks and locks each request as the
ticket's own assign action does."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, RequestKind, RequestPause, Role, SubjectRequest, utcnow
from tests.conftest import csrf_token, sign_in, submit
from tests.integration.conftest import STAFF_PASSWORD, ticket

REFERENCES = re.compile(r'<td class="ref"[^>]*><a [^>]*>([^<]+)</a>')


@pytest.fixture
def contact(make_user):
    return make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )


def shown(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return REFERENCES.findall(response.get_data(as_text=True))


def assignees(db) -> dict[int, int | None]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(SubjectRequest.id, SubjectRequest.assignee_id)).all())


def bulk_form(client, url: str = "/staff/") -> tuple[str, dict[str, str]]:
    """The CSRF token and the seen-assignee fields of the queue page, as a browser sends them."""
    html = client.get(url).get_data(as_text=True)
    seen = dict(re.findall(r'name="(seen-\d+)" value="(\d*)"', html))
    return csrf_token(html), seen


# Sorting and pages --------------------------------------------------------------------------


def test_columns_sort_both_ways_and_only_by_known_keys(staff_client, make_request, db):
    for days in (3, 20, 9, 14):
        make_request(received_days_ago=days)
    by_reference = shown(staff_client, "/staff/?sort=reference")
    assert by_reference == sorted(by_reference)
    assert shown(staff_client, "/staff/?sort=-reference") == by_reference[::-1]
    oldest_first = shown(staff_client, "/staff/?sort=received")
    assert shown(staff_client, "/staff/?sort=-received") == oldest_first[::-1]
    # The default (due date) and a made-up key give the same order: nothing else is sorted on.
    assert shown(staff_client, "/staff/?sort=requester_id%3Bdrop") == shown(staff_client, "/staff/")
    page = staff_client.get("/staff/?sort=-reference").get_data(as_text=True)
    assert 'aria-sort="descending"' in page
    # The link on the sorted column turns the order round; other columns start ascending.
    assert 'href="/staff/?sort=reference"' in page
    assert 'href="/staff/?sort=due"' in page


def test_sort_by_assignee_puts_nobody_last(staff_client, make_request, db, colleague, app):
    from portal.extensions import db as portal_db

    ids = [make_request() for _ in range(3)]
    with app.app_context():
        portal_db.session.get(SubjectRequest, ids[0]).assignee_id = None
        portal_db.session.get(SubjectRequest, ids[1]).assignee_id = colleague.id
        portal_db.session.commit()
    references = dict(
        db.session.execute(sa.select(SubjectRequest.id, SubjectRequest.reference)).all()
    )
    order = shown(staff_client, "/staff/?sort=assignee")
    # Anna before Ville, nobody last, on SQLite and PostgreSQL alike.
    assert order == [references[ids[1]], references[ids[2]], references[ids[0]]]


def test_page_numbers_keep_the_filters_and_sort(app, staff_client, make_request):
    app.config["STAFF_QUEUE_PAGE_SIZE"] = 3
    for _ in range(32):
        make_request(kind=RequestKind.ACCESS)
    html = staff_client.get("/staff/?kind=access&sort=-reference&page=6").get_data(as_text=True)
    pages = re.findall(r'href="/staff/\?page=(\d+)&amp;kind=access&amp;sort=-reference"', html)
    # The first, the neighbours of page 6, the last (ceil(32 / 3)); "…" for the rest.
    assert set(pages) == {"1", "4", "5", "6", "7", "8", "11"}
    assert re.search(r'aria-current="page"[^>]*>(<span[^>]*>[^<]*</span>)?6<', html)
    assert html.count("…") == 2
    # The pages hold every request once, in the order asked for.
    seen = []
    for number in range(1, 12):
        seen += shown(staff_client, f"/staff/?kind=access&sort=-reference&page={number}")
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 32


# Filters -------------------------------------------------------------------------------------


def test_due_today_within_a_week_and_unassigned(staff_client, make_request, db, app):
    from portal.extensions import db as portal_db
    from portal.subject_requests.clock import controller_today

    with app.app_context():
        today = controller_today()
    due_today, in_five_days, later = (make_request() for _ in range(3))
    with app.app_context():
        portal_db.session.get(SubjectRequest, due_today).due_on = today
        portal_db.session.get(SubjectRequest, in_five_days).due_on = today + timedelta(days=5)
        portal_db.session.get(SubjectRequest, in_five_days).assignee_id = None
        portal_db.session.get(SubjectRequest, later).due_on = today + timedelta(days=20)
        portal_db.session.commit()
    ref = dict(db.session.execute(sa.select(SubjectRequest.id, SubjectRequest.reference)).all())
    assert shown(staff_client, "/staff/?due=today") == [ref[due_today]]
    assert shown(staff_client, "/staff/?due=week") == [ref[due_today], ref[in_five_days]]
    assert shown(staff_client, "/staff/?assignee=none") == [ref[in_five_days]]
    assert shown(staff_client, "/staff/?due=week&assignee=none") == [ref[in_five_days]]


def test_staff_wording_and_the_date_a_paused_clock_runs_to(staff_client, make_request, db, app):
    from flask_babel import force_locale, format_date

    from portal.extensions import db as portal_db
    from portal.subject_requests.clock import compute_due_on, controller_today

    request_id = make_request(received_days_ago=10)
    ticket(staff_client, request_id, "ask", {"body": "Asiakasnumerosi?", "purpose": "identity"})
    with app.app_context():
        pause = portal_db.session.scalar(
            sa.select(RequestPause).where(RequestPause.request_id == request_id)
        )
        pause.asked_at = utcnow() - timedelta(days=6)  # waiting six days already
        portal_db.session.commit()
        subject_request = portal_db.session.get(SubjectRequest, request_id)
        stored = subject_request.due_on
        runs_to = compute_due_on(subject_request, controller_today())
    assert runs_to > stored  # the stored date stood still while the clock did too
    with app.test_request_context(), force_locale("en"):
        expected = format_date(runs_to)
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert "Waiting for the requester" in page
    assert "Waiting for information from you" not in page  # the requester's words
    assert f"runs to {expected} if answered today" in page


# Bulk assignment -----------------------------------------------------------------------------


def test_bulk_assign_assigns_each_chosen_request_on_the_record(
    staff_client, make_request, db, colleague, contact
):
    ids = [make_request() for _ in range(3)]
    token, seen = bulk_form(staff_client)
    response = staff_client.post(
        "/staff/assign",
        data={
            "csrf_token": token,
            "assignee": str(colleague.id),
            "request": [str(ids[0]), str(ids[2])],
            "back": "/staff/?sort=reference",
            **seen,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/?sort=reference"
    now = assignees(db)
    assert now[ids[0]] == now[ids[2]] == colleague.id
    assert now[ids[1]] == contact.id
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "request.assigned", AuditEvent.actor_id == contact.id
        )
    ).all()
    assert sorted(e.request_id for e in events) == [ids[0], ids[2]]
    assert all(e.details["assignee"] == ["ville@wprod.fi", "anna@wprod.fi"] for e in events)
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert "2 requests were assigned to Anna Kollega." in page


def test_bulk_assign_leaves_a_request_someone_changed_meanwhile(
    staff_client, make_request, db, colleague, make_user, app
):
    from portal.extensions import db as portal_db

    other = make_user(email="pirjo@wprod.fi", name="Pirjo Muu", role=Role.STAFF)
    ids = [make_request() for _ in range(2)]
    token, seen = bulk_form(staff_client)
    with app.app_context():  # a colleague reassigns one after the page was drawn
        portal_db.session.get(SubjectRequest, ids[0]).assignee_id = other.id
        portal_db.session.commit()
    staff_client.post(
        "/staff/assign",
        data={
            "csrf_token": token,
            "assignee": str(colleague.id),
            "request": [str(i) for i in ids],
            **seen,
        },
    )
    now = assignees(db)
    assert now[ids[0]] == other.id  # left alone
    assert now[ids[1]] == colleague.id
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert "1 request was left as it is" in page


def test_bulk_assign_refuses_without_csrf_non_staff_and_strangers(
    client, staff_client, make_request, db, make_user, login, app
):
    ids = [make_request() for _ in range(2)]
    before = assignees(db)
    token, seen = bulk_form(staff_client)
    requester = make_user(email="utelias@example.fi")
    base = {"request": [str(i) for i in ids], **seen}
    # No token: CSRFProtect refuses it before the view runs.
    assert staff_client.post("/staff/assign", data={**base, "assignee": "1"}).status_code == 400
    # A requester is no assignee: not one of the form's choices.
    staff_client.post(
        "/staff/assign", data={**base, "csrf_token": token, "assignee": str(requester.id)}
    )
    # Ids that name nothing, or beyond the column's range, change nothing and break nothing.
    response = staff_client.post(
        "/staff/assign",
        data={
            "csrf_token": token,
            "assignee": "1",
            "request": ["99999999999999999999", "abc", "-1"],
            "back": "https://evil.example/",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert assignees(db) == before
    other = app.test_client()
    sign_in(other, "utelias@example.fi", "kettu juoksee metsässä")
    assert submit(other, "/staff/assign", base, page="/").status_code == 403


def test_two_bulk_assignments_at_once_one_wins_each_request(
    app, make_request, db, contact, colleague, make_user
):
    """Both pages showed the contact person as assignee. Locks in id order: one bulk assignment
    takes each request, the other finds it changed and leaves it; none waits forever."""
    third = make_user(email="pirjo@wprod.fi", name="Pirjo Muu", role=Role.STAFF)
    ids = [make_request() for _ in range(4)]
    clients, forms = [], []
    for user in (contact, colleague):
        client = app.test_client()
        assert sign_in(client, user.email, STAFF_PASSWORD).status_code == 302
        clients.append(client)
        forms.append(bulk_form(client))
    barrier = threading.Barrier(2)
    codes = []

    def post(client, form, to, order):
        token, seen = form
        barrier.wait()
        data = {"csrf_token": token, "assignee": str(to), "request": order, **seen}
        codes.append(client.post("/staff/assign", data=data).status_code)

    threads = [
        threading.Thread(
            target=post, args=(clients[0], forms[0], colleague.id, [str(i) for i in ids])
        ),
        threading.Thread(
            target=post, args=(clients[1], forms[1], third.id, [str(i) for i in ids[::-1]])
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [302, 302]
    now = assignees(db)
    assert {now[i] for i in ids} <= {colleague.id, third.id}
    changes = db.session.scalars(
        sa.select(AuditEvent.request_id).where(
            AuditEvent.action == "request.assigned",
            AuditEvent.actor_id.in_([contact.id, colleague.id]),
        )
    ).all()
    assert sorted(changes) == sorted(ids)  # each request changed once, by one of them


def test_closed_list_names_each_outcome(staff_client, make_request):
    request_id = make_request()
    ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "refused", "reasons": "Laskut on säilytettävä kirjanpitolain nojalla."},
    )
    page = staff_client.get("/staff/closed").get_data(as_text=True)
    assert 'Answered</span> <span class="meta">Refused</span>' in page
