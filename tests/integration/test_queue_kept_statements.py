"""The lists' statements are built once a worker for each shape of filters and run with each
page's own values (issue 14): who is signed in, which assignee, which day, which page. A kept
statement that carried one page's values into another's would show one staff member another's
requests, or the same page twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.models import SubjectRequest
from tests.conftest import sign_in
from tests.integration.conftest import STAFF_PASSWORD
from tests.integration.test_queue_tabs_saved_views import set_fields

REFERENCE = re.compile(r'<td class="ref"[^>]*><a href="/staff/requests/(\d+)">')
TOTAL = re.compile(r'<p class="exports">\s*<span>(\d+) ')


def shown_ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return [int(ident) for ident in REFERENCE.findall(response.get_data(as_text=True))]


def total(client, url: str) -> int:
    return int(TOTAL.search(client.get(url).get_data(as_text=True)).group(1))


@pytest.fixture
def colleague_client(app, colleague):
    client = app.test_client()
    assert sign_in(client, "anna@wprod.fi", STAFF_PASSWORD).status_code == 302
    return client


def test_each_staff_member_sees_their_own_requests_as_mine(
    app, staff_client, colleague_client, make_request, contact, colleague
):
    ville = [make_request() for _ in range(2)]
    anna = [make_request() for _ in range(3)]
    for request_id in ville:
        set_fields(app, request_id, assignee_id=contact.id)
    for request_id in anna:
        set_fields(app, request_id, assignee_id=colleague.id)
    # In turn, twice: the second asks the statement the first one's page left behind.
    for _ in range(2):
        assert sorted(shown_ids(staff_client, "/staff/?assignee=me")) == sorted(ville)
        assert total(staff_client, "/staff/?assignee=me") == 2
        assert sorted(shown_ids(colleague_client, "/staff/?assignee=me")) == sorted(anna)
        assert total(colleague_client, "/staff/?assignee=me") == 3
    # The same shape with another assignee's id, and by another sort (the statement that is
    # not read from the due-date index).
    for sort in ("", "&sort=reference"):
        by_id = f"/staff/?assignee={colleague.id}{sort}"
        assert sorted(shown_ids(staff_client, by_id)) == sorted(anna)
        by_id = f"/staff/?assignee={contact.id}{sort}"
        assert sorted(shown_ids(staff_client, by_id)) == sorted(ville)


def test_pages_of_one_list_follow_each_other(app, staff_client, make_request):
    made = [make_request() for _ in range(7)]
    app.config["STAFF_QUEUE_PAGE_SIZE"] = 3
    for view in ("/staff/", "/staff/?sort=-received", "/staff/?sort=reference"):
        separator = "&" if "?" in view else "?"
        pages = [shown_ids(staff_client, f"{view}{separator}page={n}") for n in (1, 2, 3)]
        assert [len(page) for page in pages] == [3, 3, 1]
        assert sorted(ident for page in pages for ident in page) == sorted(made)


def test_the_day_is_the_page_s_own(app, staff_client, make_request, monkeypatch):
    from portal.extensions import db as portal_db
    from portal.subject_requests import clock
    from portal.web.staff import queue

    with app.app_context():
        today = clock.controller_today()
    first, second = make_request(), make_request()
    set_fields(app, first, due_on=today)
    set_fields(app, second, due_on=today + timedelta(days=1))
    assert shown_ids(staff_client, "/staff/?due=today") == [first]
    assert shown_ids(staff_client, "/staff/?due=overdue") == []
    # The next day, in the same worker: the list is read for that day.
    monkeypatch.setattr(queue, "controller_today", lambda: today + timedelta(days=1))
    assert shown_ids(staff_client, "/staff/?due=today") == [second]
    assert shown_ids(staff_client, "/staff/?due=overdue") == [first]
    with app.app_context():
        assert portal_db.session.get(SubjectRequest, first).due_on == today


def test_each_search_shows_its_own_matches(app, staff_client, make_user, make_request):
    lahti = [make_request(make_user(email="lahti1@example.fi", name="Leena Lahti 1"))]
    lahti.append(make_request(make_user(email="lahti9@example.fi", name="Leena Lahti 9")))
    virtanen = [make_request(make_user(email="virtanen@example.fi", name="Ville Virtanen"))]
    # In turn, twice, and with a filter beside the search: the statements are the same shape.
    for _ in range(2):
        assert sorted(shown_ids(staff_client, "/staff/?q=lahti")) == sorted(lahti)
        assert total(staff_client, "/staff/?q=lahti") == 2
        assert shown_ids(staff_client, "/staff/?q=virtanen") == virtanen
        assert total(staff_client, "/staff/?q=virtanen") == 1
        assert shown_ids(staff_client, "/staff/?q=nobody-has-this") == []
        assert shown_ids(staff_client, "/staff/?q=virtanen&kind=erasure") == virtanen
        assert shown_ids(staff_client, "/staff/?q=virtanen&kind=access") == []
