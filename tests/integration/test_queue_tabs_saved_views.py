"""The queue's tabs with their counts and each staff member's saved views (issue 13, item 5), and
the closed view's SQL count independent of the page size (issue 14, item 3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import RequestStatus, Role, SavedView, SubjectRequest
from tests.conftest import csrf_token, sign_in
from tests.integration.conftest import STAFF_PASSWORD
from tests.integration.pages import sql_statements

TAB = re.compile(
    r'<li(?: class="saved-tab")?><a href="([^"]+)"( aria-current="page")?>([^<]+?)'
    r'(?: <span class="tab-count">(\d+)</span>)?</a></li>'
)


def tabs(client, url: str = "/staff/") -> dict[str, tuple[str, int | None, bool]]:
    """Each tab's label: its link, its count and whether it is the current one."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index('class="tabs queue-tabs"')
    nav = html[start : html.index("</nav>", start)]
    return {
        label.strip(): (href.replace("&amp;", "&"), int(count) if count else None, bool(current))
        for href, current, label, count in TAB.findall(nav)
    }


@pytest.fixture
def contact(make_user):
    return make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )


@pytest.fixture
def colleague(make_user):
    return make_user(
        email="anna@wprod.fi",
        name="Anna Kollega",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )


def set_fields(app, request_id: int, **values) -> None:
    from portal.extensions import db as portal_db

    with app.app_context():
        subject_request = portal_db.session.get(SubjectRequest, request_id)
        for name, value in values.items():
            setattr(subject_request, name, value)
        portal_db.session.commit()


def test_tabs_count_each_list_and_link_to_it(app, staff_client, make_request, contact, colleague):
    from portal.subject_requests.clock import controller_today

    with app.app_context():
        today = controller_today()
    overdue, due_today, mine, nobodys, closed = (make_request() for _ in range(5))
    make_request(confirmed=False)
    set_fields(app, overdue, due_on=today - timedelta(days=3), assignee_id=colleague.id)
    set_fields(app, due_today, due_on=today, assignee_id=colleague.id)
    set_fields(app, mine, due_on=today + timedelta(days=9), assignee_id=contact.id)
    set_fields(app, nobodys, due_on=today + timedelta(days=9), assignee_id=None)
    set_fields(app, closed, status=RequestStatus.CLOSED)
    shown = tabs(staff_client)
    counts = {label: count for label, (_, count, _) in shown.items()}
    assert counts == {
        "Open": 4,
        "Mine": 1,
        "Unassigned": 1,
        "Overdue": 1,
        "Due today": 1,
        "Waiting for the requester": 0,
        "Unconfirmed": 1,
        "Closed": 1,
    }
    assert shown["Open"] == ("/staff/", 4, True)
    assert shown["Overdue"][0] == "/staff/?due=overdue"
    # Each tab's link shows that tab as the current one, and its count is its list's length.
    for label, (href, count, _) in shown.items():
        again = tabs(staff_client, href)
        assert [name for name, (_, _, current) in again.items() if current] == [label]
        page = staff_client.get(href).get_data(as_text=True)
        assert f"{count} request" in page
    # Filters no tab has: no tab is the current one.
    assert not any(current for _, _, current in tabs(staff_client, "/staff/?kind=access").values())


def test_tab_counts_are_one_statement(app, staff_client, make_request):
    from portal.extensions import db as portal_db
    from portal.models import User

    for _ in range(3):
        make_request()
    from portal.web.staff.tabs import tab_counts

    with app.app_context():
        staff = portal_db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        with sql_statements(app) as statements:
            counts = tab_counts(staff)
    assert len(statements) == 1 and counts["open"] == 3


def test_closed_view_query_count_does_not_grow_with_page_size(app, staff_client, make_request):

    for _ in range(30):
        set_fields(app, make_request(), status=RequestStatus.CLOSED)

    def queries_for(page_size: int) -> int:
        app.config["STAFF_QUEUE_PAGE_SIZE"] = page_size
        with sql_statements(app) as statements:
            assert staff_client.get("/staff/closed").status_code == 200
        return len(statements)

    assert queries_for(3) == queries_for(30)


# Saved views ---------------------------------------------------------------------------------


def save(client, name: str, page: str = "/staff/?kind=access&sort=-received"):
    html = client.get(page).get_data(as_text=True)
    form = html[html.index('class="save-view"') :]
    view_name = re.search(r'name="view_name" value="([^"]*)"', form).group(1)
    args = re.search(r'name="args" value="([^"]*)"', form).group(1).replace("&amp;", "&")
    return client.post(
        "/staff/views",
        data={"csrf_token": csrf_token(html), "name": name, "view_name": view_name, "args": args},
    )


def views_of(db, staff_id: int) -> list[tuple[str, str, dict]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(SavedView).where(SavedView.staff_id == staff_id).order_by(SavedView.id)
    )
    return [(v.name, v.view_name, v.args) for v in rows]


def test_save_a_view_shows_it_as_a_tab_and_delete_it(staff_client, make_request, db, contact):
    response = save(staff_client, "  Access,   newest first ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/?kind=access&sort=-received"
    assert views_of(db, contact.id) == [
        ("Access, newest first", "queue", {"kind": "access", "sort": "-received"})
    ]
    shown = tabs(staff_client, "/staff/?kind=access&sort=-received")
    assert shown["Access, newest first"] == ("/staff/?kind=access&sort=-received", None, True)
    assert not shown["Open"][2]
    # A view of the closed list is that list's.
    assert save(staff_client, "Closed by type", "/staff/closed?sort=kind").status_code == 302
    assert tabs(staff_client)["Closed by type"][0] == "/staff/closed?sort=kind"

    view_id = db.session.scalar(sa.select(SavedView.id).where(SavedView.name == "Closed by type"))
    html = staff_client.get("/staff/").get_data(as_text=True)
    response = staff_client.post(
        f"/staff/views/{view_id}/delete", data={"csrf_token": csrf_token(html)}
    )
    assert response.status_code == 302
    assert [name for name, _, _ in views_of(db, contact.id)] == ["Access, newest first"]
    assert "Closed by type" not in tabs(staff_client)


def test_saved_view_names_are_checked(staff_client, db, contact):
    assert save(staff_client, "Erasures").status_code == 302
    for name, message in (
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("x" * 61, "Use at most 60 characters."),
        ("Tab\there", "control characters"),
        ("Bad\x00name", "control characters"),
        ("erasures", "You already have a view named erasures."),
    ):
        response = save(staff_client, name)
        assert response.status_code == 302
        page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
        assert message in page, name
    assert [name for name, _, _ in views_of(db, contact.id)] == ["Erasures"]


def test_saved_view_keeps_only_the_queues_own_arguments(staff_client, db, contact):
    html = staff_client.get("/staff/").get_data(as_text=True)
    for view_name, args in (
        ("nonsense", "kind=access&evil=1&sort=-due"),
        ("closed", "q=" + "a" * 5000),
        ("queue", "%zz&&=&q=%00x&status=open"),
    ):
        response = staff_client.post(
            "/staff/views",
            data={
                "csrf_token": csrf_token(html),
                "name": f"v-{view_name}",
                "view_name": view_name,
                "args": args,
            },
        )
        assert response.status_code == 302
    assert views_of(db, contact.id) == [
        ("v-nonsense", "queue", {"kind": "access", "sort": "-due"}),
        ("v-closed", "closed", {}),
        ("v-queue", "queue", {"status": "open"}),
    ]
    assert staff_client.get("/staff/").status_code == 200


def test_saved_views_need_csrf_and_are_their_owners_alone(
    app, client, staff_client, db, contact, colleague
):
    html = staff_client.get("/staff/").get_data(as_text=True)
    no_token = staff_client.post(
        "/staff/views", data={"name": "No token", "view_name": "queue", "args": ""}
    )
    assert no_token.status_code in (302, 400)
    assert views_of(db, contact.id) == []
    assert save(staff_client, "Ville's").status_code == 302
    (view_id,) = db.session.scalars(sa.select(SavedView.id)).all()
    # Without the token the view stays.
    staff_client.post(f"/staff/views/{view_id}/delete", data={})
    assert len(views_of(db, contact.id)) == 1
    staff_client.get("/logout")

    other = app.test_client()
    sign_in(other, "anna@wprod.fi", STAFF_PASSWORD)
    assert "Ville's" not in tabs(other)
    html = other.get("/staff/").get_data(as_text=True)
    token = csrf_token(html)
    assert other.post(f"/staff/views/{view_id}/delete", data={"csrf_token": token}).status_code == (
        404
    )
    for absurd in ("0", "-1", "99999999999999999999", "1e3", "%00"):
        response = other.post(f"/staff/views/{absurd}/delete", data={"csrf_token": token})
        assert response.status_code == 404, absurd
    assert len(views_of(db, contact.id)) == 1
    # The same name is free for another staff member.
    assert save(other, "Ville's").status_code == 302
    assert len(views_of(db, colleague.id)) == 1


def test_requesters_cannot_save_views(client, make_user, db):
    make_user()
    sign_in(client, "maija@example.fi", "kettu juoksee metsässä")
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "name": "x", "view_name": "queue", "args": ""}
    assert client.post("/staff/views", data=data).status_code in (403, 404)
    assert client.post("/staff/views/1/delete", data=data).status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 0


# Pages read from the list indexes --------------------------------------------------------------

REFERENCES = re.compile(r'<td class="ref"[^>]*><a [^>]*>([^<]+)</a>')


@pytest.mark.parametrize(
    ("url", "statuses", "sort"),
    [
        ("/staff/?x=1", (RequestStatus.OPEN, RequestStatus.WAITING), "due"),
        ("/staff/?sort=-due", (RequestStatus.OPEN, RequestStatus.WAITING), "-due"),
        ("/staff/?sort=received&assignee=none", (RequestStatus.OPEN, RequestStatus.WAITING), "r"),
        ("/staff/closed?x=1", (RequestStatus.CLOSED, RequestStatus.WITHDRAWN), "-received"),
    ],
)
def test_pages_merge_both_statuses_in_order(
    app, staff_client, make_request, db, url, statuses, sort
):
    """Each page of a list of two statuses comes from one index range per status, merged: the
    pages hold every request once, in the order of the whole list, ties broken by id."""
    from portal.subject_requests.clock import controller_today

    app.config["STAFF_QUEUE_PAGE_SIZE"] = 3
    with app.app_context():
        today = controller_today()
    made = []
    for n in range(14):
        request_id = make_request(received_days_ago=n % 4)
        # Equal due dates across both statuses and page boundaries.
        set_fields(
            app,
            request_id,
            status=statuses[n % 3 == 0],
            due_on=today + timedelta(days=n % 5),
            assignee_id=None,
        )
        made.append(request_id)
    rows = db.session.execute(
        sa.select(
            SubjectRequest.reference,
            SubjectRequest.due_on,
            SubjectRequest.received_at,
            SubjectRequest.id,
        ).where(SubjectRequest.id.in_(made))
    ).all()
    if sort == "due":
        expected = sorted(rows, key=lambda r: (r.due_on, r.id))
    elif sort == "-due":
        expected = sorted(rows, key=lambda r: (r.due_on, r.id), reverse=True)
    elif sort == "r":
        expected = sorted(rows, key=lambda r: (r.received_at, r.id))
    else:
        expected = sorted(rows, key=lambda r: (r.received_at, r.id), reverse=True)
    seen = []
    for number in range(1, 7):
        html = staff_client.get(f"{url}&page={number}").get_data(as_text=True)
        seen += REFERENCES.findall(html)
        if number == 1:
            assert "14 requests" in html
    assert seen == [r.reference for r in expected]
