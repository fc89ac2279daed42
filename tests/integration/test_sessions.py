"""Sessions that end: signing out ends the session on the server, "remember me" is short and
only for requesters, staff are signed out when idle, and the profile lists the sign-ins with
"sign out everywhere". Every change is on the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select, update

from portal.models import AuditEvent, Role, SignInSession
from tests.conftest import sign_in, submit
from tests.integration.conftest import STAFF_PASSWORD

PASSWORD = "kettu juoksee metsässä"


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    """What someone who copied the browser's cookies would hold."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value, domain=cookie.domain)


def set_cookie_header(response, name: str) -> str | None:
    return next(
        (h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")), None
    )


def actions(db, user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user_id)
            .order_by(AuditEvent.id)
        )
    )


def backdate(db, user_id: int, **moments: timedelta) -> None:
    """Move the clock: the user's live sign-ins happened that long ago."""
    now = datetime.now(UTC)
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
        .values(**{column: now - ago for column, ago in moments.items()})
    )
    db.session.commit()


def test_a_copied_session_cookie_opens_nothing_after_sign_out(app, client, db, make_user, login):
    user = make_user()
    login()
    thief = app.test_client()
    copy_cookies(client, thief)
    assert thief.get("/account").status_code == 200  # the copy works while the session lives

    submit(client, "/logout", page="/account")

    assert client.get("/account").status_code == 302
    refused = thief.get("/account")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    ended = db.session.scalar(select(SignInSession).where(SignInSession.user_id == user.id))
    assert ended.ended_reason == "signed_out"
    assert actions(db, user.id)[-1] == "account.session_ended"


def test_a_copied_staff_cookie_opens_no_staff_page_after_sign_out(app, staff_client, contact):
    thief = app.test_client()
    copy_cookies(staff_client, thief)
    assert thief.get("/staff/").status_code == 200

    submit(staff_client, "/logout", page="/staff/")

    for url in ("/staff/", "/staff/suppression", "/account"):
        response = thief.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_remember_me_lasts_at_most_14_days_and_ends_with_sign_out(app, client, make_user):
    make_user()
    response = submit(
        client, "/login", {"email": "maija@example.fi", "password": PASSWORD, "remember": "y"}
    )
    header = set_cookie_header(response, "remember_token")
    assert header is not None and "HttpOnly" in header
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) <= timedelta(days=14, minutes=1)
    assert expires - datetime.now(UTC) > timedelta(days=13)

    # The remember cookie alone (the browser was closed) signs the person in again...
    remembered = app.test_client()
    copy_cookies(client, remembered, names=("remember_token",))
    assert remembered.get("/account").status_code == 200

    # ...until they sign out: then no copy of it works, whatever its own expiry says.
    copy = app.test_client()
    copy_cookies(client, copy, names=("remember_token",))
    submit(client, "/logout", page="/account")
    assert copy.get("/account").status_code == 302


def test_remember_me_ends_on_the_server_after_14_days(app, client, db, make_user):
    user = make_user()
    submit(client, "/login", {"email": "maija@example.fi", "password": PASSWORD, "remember": "y"})
    backdate(db, user.id, expires_at=timedelta(seconds=1))
    copy = app.test_client()
    copy_cookies(client, copy, names=("remember_token",))
    assert copy.get("/account").status_code == 302


def test_staff_are_never_remembered(client, db, contact):
    response = sign_in(client, "ville@wprod.fi", STAFF_PASSWORD, remember="y")
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is None
    assert client.get("/staff/").status_code == 200
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == contact.id))
    assert record.remember is False
    assert record.expires_at - record.created_at <= timedelta(hours=12)


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("fi", "Sinut kirjattiin ulos, koska olit poissa yli 30 minuuttia."),
        ("en", "You were signed out because you were away for more than 30 minutes."),
    ],
)
def test_staff_are_signed_out_after_30_idle_minutes_in_their_language(
    client, db, make_user, locale, message
):
    staff = make_user(
        email="ville@wprod.fi", role=Role.STAFF, password=STAFF_PASSWORD, locale=locale
    )
    sign_in(client, "ville@wprod.fi", STAFF_PASSWORD)
    backdate(db, staff.id, last_seen_at=timedelta(minutes=29))
    assert client.get("/staff/").status_code == 200  # 29 minutes away: still in

    backdate(db, staff.id, last_seen_at=timedelta(minutes=31))
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == staff.id))
    assert record.ended_reason == "idle"
    assert "account.session_ended" in actions(db, staff.id)


def test_the_idle_timeout_is_a_setting_and_spares_requesters(make_app, make_user, db):
    app = make_app(STAFF_IDLE_MINUTES=5)
    requester = make_user()
    staff = make_user(email="ville@wprod.fi", role=Role.STAFF, password=STAFF_PASSWORD)
    person, worker = app.test_client(), app.test_client()
    sign_in(person, "maija@example.fi", PASSWORD)
    sign_in(worker, "ville@wprod.fi", STAFF_PASSWORD)
    backdate(db, requester.id, last_seen_at=timedelta(hours=3))
    backdate(db, staff.id, last_seen_at=timedelta(minutes=6))
    assert person.get("/account").status_code == 200
    assert worker.get("/staff/").status_code == 302


def test_activity_keeps_a_staff_session_alive(client, db, contact):
    sign_in(client, "ville@wprod.fi", STAFF_PASSWORD)
    backdate(db, contact.id, last_seen_at=timedelta(minutes=20))
    assert client.get("/staff/").status_code == 200  # seen now
    record = db.session.scalar(select(SignInSession).where(SignInSession.user_id == contact.id))
    assert datetime.now(UTC) - record.last_seen_at < timedelta(minutes=1)


def test_the_profile_lists_the_sign_ins_with_this_one_marked(app, client, make_user, login):
    make_user()
    login()
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    )
    sign_in(phone, "maija@example.fi", PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert "Missä olet kirjautuneena" in page
    assert page.count('action="/account/sessions/') == 3  # two sessions, and "everywhere"
    assert "Chrome, Android" in page
    assert page.count("tämä laite") == 1


def test_sign_out_everywhere_ends_every_session(app, client, db, make_user, login):
    user = make_user()
    login()
    other = app.test_client()
    sign_in(other, "maija@example.fi", PASSWORD)
    assert other.get("/account").status_code == 200

    response = submit(client, "/account/sessions/end-all", page="/account")
    assert response.status_code == 302

    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    live = db.session.scalars(
        select(SignInSession).where(
            SignInSession.user_id == user.id, SignInSession.ended_at.is_(None)
        )
    ).all()
    assert live == []
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.sessions_ended")
    )
    assert event.actor_id == user.id and len(event.details["sessions"]) == 2


def test_one_other_session_can_be_signed_out(app, client, db, make_user, login):
    user = make_user()
    other = app.test_client()
    sign_in(other, "maija@example.fi", PASSWORD)
    login()
    first = db.session.scalar(
        select(SignInSession).where(SignInSession.user_id == user.id).order_by(SignInSession.id)
    )
    response = submit(client, f"/account/sessions/{first.id}/end", page="/account")
    assert response.status_code == 302
    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 200
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.session_ended")
    ).one()
    assert event.details["reason"] == "revoked" and event.actor_id == user.id


def test_nobody_signs_out_someone_elses_session(app, client, db, make_user, login):
    make_user()
    stranger = make_user(email="toinen@example.fi")
    other = app.test_client()
    sign_in(other, "toinen@example.fi", PASSWORD)
    theirs = db.session.scalar(select(SignInSession).where(SignInSession.user_id == stranger.id))
    login()
    assert submit(client, f"/account/sessions/{theirs.id}/end", page="/account").status_code == 404
    assert other.get("/account").status_code == 200


def test_a_password_reset_ends_every_session(app, client, db, mailbox, deliver, make_user, login):
    from tests.conftest import link_in, path_of

    make_user()
    login()
    submit(app.test_client(), "/forgot-password", {"email": "maija@example.fi"})
    deliver()
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/reset/"))
    new = "uusi salasana kesämökille"
    submit(app.test_client(), link, {"password": new, "password_confirm": new})
    assert client.get("/account").status_code == 302


def test_ended_sign_ins_are_deleted_a_month_later(app, client, db, make_user, login):
    user = make_user()
    login()
    submit(client, "/logout", page="/account")
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.user_id == user.id)
        .values(ended_at=datetime.now(UTC) - timedelta(days=31))
    )
    db.session.commit()
    login()
    rows = db.session.scalars(select(SignInSession).where(SignInSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None
    # The audit trail still tells of the sign-in that was deleted.
    assert actions(db, user.id).count("account.login") == 2


def test_staff_sign_in_again_and_again_within_a_minute(app, contact):
    """The test helpers sign staff in as often as a test needs, codes being single-use."""
    for _ in range(5):
        client = app.test_client()
        assert sign_in(client, "ville@wprod.fi", STAFF_PASSWORD).status_code == 302
        assert client.get("/staff/").status_code == 200
