"""Registering, confirming the address from the delivered email, and signing in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.models import AuditEvent, OutboxMessage, User, utcnow
from tests.conftest import link_in, path_of, submit, text_of

GOOD = {
    "name": "Maija Meikäläinen",
    "email": "Maija@Example.fi",
    "password": "kettu juoksee metsässä",
    "password_confirm": "kettu juoksee metsässä",
    "acknowledge": "y",
}


def register(client, **changes):
    return submit(client, "/register", {**GOOD, **changes})


def test_register_confirm_and_sign_in(client, db, mailbox, deliver):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/check-your-email")

    deliver()
    [message] = mailbox.to("maija@example.fi")
    assert message["Subject"] == "Vahvista sähköpostiosoitteesi"
    link = link_in(message, "/confirm/")

    # A GET (as a mail scanner would make) changes nothing; the button does.
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "maija@example.fi" in page.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "maija@example.fi"))
    assert user.email_confirmed_at is None

    confirmed = submit(client, path_of(link))
    assert confirmed.status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    assert user.notice_version == "2018-05-25"

    credentials = {"email": "maija@example.fi", "password": GOOD["password"]}
    signed_in = submit(client, "/login", credentials)
    assert signed_in.status_code == 302
    assert "Maija Meikäläinen" in client.get("/account").get_data(as_text=True)

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["account.registered", "account.email_confirmed", "account.login"]


def test_confirmation_link_works_once(client, db, mailbox, deliver):
    register(client)
    deliver()
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/confirm/"))
    assert submit(client, link).status_code == 302

    again = client.get(link)
    assert again.status_code == 410
    assert "Linkki on jo käytetty" in again.get_data(as_text=True)


def test_tampered_link_gets_its_own_page(client, mailbox, deliver):
    register(client)
    deliver()
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/confirm/"))
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    page = client.get(tampered)
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert "Linkki ei toimi" in body
    # It offers a new link by address.
    assert 'name="email"' in body


def test_expired_link_offers_a_new_one(app, client, db, mailbox, deliver):
    app.config["CONFIRM_EMAIL_MAX_AGE"] = -1
    register(client)
    deliver()
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/confirm/"))
    page = client.get(link)
    assert page.status_code == 410
    assert "Linkki on vanhentunut" in page.get_data(as_text=True)
    # Posting the confirmation with the stale link changes nothing.
    submit(client, link, page="/register")
    user = db.session.scalar(select(User))
    assert user.email_confirmed_at is None

    renewed = submit(client, link + "/renew", page="/register")
    assert renewed.status_code == 302
    deliver()
    messages = mailbox.to("maija@example.fi")
    assert len(messages) == 2
    app.config["CONFIRM_EMAIL_MAX_AGE"] = 3600
    fresh = path_of(link_in(messages[1], "/confirm/"))
    assert submit(client, fresh).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_registering_an_existing_address_looks_the_same(client, db, mailbox, deliver, make_user):
    make_user(email="maija@example.fi")
    first = register(client)
    second = register(client, email="uusi@example.fi")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert client.get(first.headers["Location"]).get_data(as_text=True) == client.get(
        second.headers["Location"]
    ).get_data(as_text=True)
    # The owner of the existing account is told by email instead; no second account exists.
    deliver()
    [warning] = mailbox.to("maija@example.fi")
    assert "/login" in text_of(warning)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_weak_password_says_how_to_fix_it(client, db):
    short = register(client, password="lyhyt", password_confirm="lyhyt")
    assert short.status_code == 200
    assert "Käytä vähintään 10 merkkiä" in short.get_data(as_text=True)

    common = register(client, password="password123", password_confirm="password123")
    assert "yksi yleisimmin käytetyistä" in common.get_data(as_text=True)

    mismatch = register(client, password_confirm="toinen salasana tässä")
    assert "Salasanat eivät täsmää" in mismatch.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_malformed_email_and_missing_acknowledgement(client, db):
    page = register(client, email="maija(at)example", acknowledge="")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "nimi@example.fi" in body
    assert "tietosuojaseloste" in body.lower()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_missing_csrf_token_is_a_400_page(client, db):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "lomake" in body.lower()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_unconfirmed_account_sees_a_banner_and_can_ask_again(
    client, db, mailbox, deliver, login, make_user
):
    make_user(confirmed=False)
    login()
    assert "Vahvista sähköpostiosoitteesi" in client.get("/").get_data(as_text=True)
    submit(client, "/confirm/new", {"email": "maija@example.fi"})
    deliver()
    [message] = mailbox.to("maija@example.fi")
    assert "/confirm/" in text_of(message)


def test_asking_for_confirmation_for_an_unknown_address_reveals_nothing(
    client, mailbox, deliver, make_user
):
    make_user(confirmed=False)
    known = submit(client, "/confirm/new", {"email": "maija@example.fi"})
    unknown = submit(client, "/confirm/new", {"email": "ei-ole@example.fi"})
    assert known.headers["Location"] == unknown.headers["Location"]
    deliver()
    assert mailbox.to("ei-ole@example.fi") == []


def test_link_for_one_purpose_does_not_work_for_another(app, client, make_user):
    from portal.tokens import Purpose, make_token

    user = make_user(confirmed=False)
    with app.app_context():
        token = make_token(Purpose.CONFIRM_EMAIL, uid=user.id, email=user.email)
    assert client.get(f"/reset/{token}").status_code == 400


def test_oversized_body_gets_a_clear_page_and_saves_nothing(app, client, db):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post("/register", data={**GOOD, "name": "x" * 5000})
    assert response.status_code == 413
    assert "liian suuri" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_records_time_in_utc(client, db):
    before = utcnow()
    register(client)
    user = db.session.scalar(select(User))
    assert user.created_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= user.created_at <= utcnow()
