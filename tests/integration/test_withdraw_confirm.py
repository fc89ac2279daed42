"""Withdrawing a request takes two steps, without JavaScript: the first button shows what it means
(it cannot be undone); only the confirmation page's own button withdraws. A late or doubled
confirmation changes nothing and says why."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, OutboxMessage, RequestStatus, SubjectRequest
from tests.conftest import csrf_token, sign_in, submit

PASSWORD = "kettu juoksee metsässä"


@pytest.fixture
def maija(make_user, login):
    user = make_user()
    login()
    return user


def withdrawals(db, request_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.request_id == request_id, AuditEvent.action == "request.withdrawn")
    )


def status_of(db, request_id: int) -> RequestStatus:
    db.session.expire_all()
    return db.session.get(SubjectRequest, request_id).status


def test_the_first_button_only_shows_the_confirmation(client, db, make_request, maija):
    request_id = make_request(maija)
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert f'action="/requests/{request_id}/withdraw"' in page
    emails_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    # What the request page's button sends: its CSRF token and nothing else.
    response = client.post(
        f"/requests/{request_id}/withdraw", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Peruminen on lopullinen" in html  # "Withdrawing cannot be undone."
    assert 'name="confirm" value="yes"' in html
    assert csrf_token(html)
    assert status_of(db, request_id) is RequestStatus.OPEN
    assert withdrawals(db, request_id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == emails_before


def test_the_confirmation_page_can_be_opened_by_its_address(client, db, make_request, maija):
    request_id = make_request(maija)
    response = client.get(f"/requests/{request_id}/withdraw")
    assert response.status_code == 200
    assert 'name="confirm" value="yes"' in response.get_data(as_text=True)
    assert status_of(db, request_id) is RequestStatus.OPEN


@pytest.mark.parametrize("confirm", ["", "no", "YES", "yes " * 2000])
def test_anything_but_the_confirm_field_withdraws_nothing(client, db, make_request, maija, confirm):
    request_id = make_request(maija)
    response = submit(
        client, f"/requests/{request_id}/withdraw", {"confirm": confirm}, page="/requests/"
    )
    assert response.status_code == 200
    assert status_of(db, request_id) is RequestStatus.OPEN
    assert withdrawals(db, request_id) == 0


def test_a_confirmation_without_the_csrf_token_is_refused(client, db, make_request, maija):
    request_id = make_request(maija)
    response = client.post(f"/requests/{request_id}/withdraw", data={"confirm": "yes"})
    assert response.status_code == 400
    assert status_of(db, request_id) is RequestStatus.OPEN


def test_the_confirmed_post_withdraws(client, db, mailbox, deliver, make_request, maija):
    request_id = make_request(maija)
    response = submit(
        client,
        f"/requests/{request_id}/withdraw",
        {"confirm": "yes"},
        page=f"/requests/{request_id}/withdraw",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{request_id}")
    assert status_of(db, request_id) is RequestStatus.WITHDRAWN
    assert withdrawals(db, request_id) == 1
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    # The progress line ends on the withdrawal, and there is nothing left to withdraw.
    assert 'aria-current="step"' in page and "Peruttu" in page
    assert f"/requests/{request_id}/withdraw" not in page


def test_a_stale_second_click_is_told_and_changes_nothing(client, db, make_request, maija):
    request_id = make_request(maija)
    # Two tabs with the confirmation page; the first one's button wins.
    stale = client.get(f"/requests/{request_id}/withdraw").get_data(as_text=True)
    first = submit(
        client,
        f"/requests/{request_id}/withdraw",
        {"confirm": "yes"},
        page=f"/requests/{request_id}/withdraw",
    )
    assert first.status_code == 302
    second = client.post(
        f"/requests/{request_id}/withdraw",
        data={"csrf_token": csrf_token(stale), "confirm": "yes"},
    )
    assert second.status_code == 302
    followed = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Tämä pyyntö on jo peruttu" in followed
    assert withdrawals(db, request_id) == 1
    # The confirmation page itself, opened again, says the same instead of asking.
    again = client.get(f"/requests/{request_id}/withdraw")
    assert again.status_code == 302
    assert "Tämä pyyntö on jo peruttu" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_an_answered_request_can_no_longer_be_withdrawn(client, db, make_request, maija):
    request_id = make_request(maija)
    stale = client.get(f"/requests/{request_id}/withdraw").get_data(as_text=True)
    # Staff answer the request while the confirmation page is open.
    subject_request = db.session.get(SubjectRequest, request_id)
    subject_request.status = RequestStatus.CLOSED
    db.session.commit()
    response = client.post(
        f"/requests/{request_id}/withdraw",
        data={"csrf_token": csrf_token(stale), "confirm": "yes"},
    )
    assert response.status_code == 302
    assert "ei voi enää perua" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert status_of(db, request_id) is RequestStatus.CLOSED
    assert withdrawals(db, request_id) == 0


def test_someone_elses_request_is_not_found(client, db, make_request, make_user, maija):
    other = make_user(email="toinen@example.fi", name="Toinen Henkilö")
    request_id = make_request(other)
    assert client.get(f"/requests/{request_id}/withdraw").status_code == 404
    page = client.get("/requests/").get_data(as_text=True)
    response = client.post(
        f"/requests/{request_id}/withdraw", data={"csrf_token": csrf_token(page), "confirm": "yes"}
    )
    assert response.status_code == 404
    assert status_of(db, request_id) is RequestStatus.OPEN


def test_two_tabs_confirming_at_the_same_moment_withdraw_once(app, db, make_request, maija):
    """The row is locked for the change: both clicks cannot both withdraw (one audit event, one
    email), and neither gets an error page."""
    request_id = make_request(maija)
    tabs = []
    for _ in range(2):
        tab = app.test_client()
        assert sign_in(tab, "maija@example.fi", PASSWORD).status_code == 302
        html = tab.get(f"/requests/{request_id}/withdraw").get_data(as_text=True)
        tabs.append((tab, csrf_token(html)))
    barrier = threading.Barrier(2)
    codes = [None, None]

    def click(i, tab, token):
        barrier.wait()
        codes[i] = tab.post(
            f"/requests/{request_id}/withdraw", data={"csrf_token": token, "confirm": "yes"}
        ).status_code

    threads = [threading.Thread(target=click, args=(i, *tab)) for i, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [302, 302]
    assert withdrawals(db, request_id) == 1
    assert status_of(db, request_id) is RequestStatus.WITHDRAWN
