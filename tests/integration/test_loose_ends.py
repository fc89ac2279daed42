"""Loose ends (issue 10, item 9): the staff email about a request staff registered, the staff
email about a new message, a request that reaches the portal before the contact person's staff
account exists, and a person whose request came by letter and who registers later.

Every check goes through the pages and reads the delivered email.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from portal.models import AuditEvent, Role, SubjectRequest, User
from tests.conftest import csrf_token, link_in, path_of, sign_in, submit
from tests.conftest import text_of as raw_text_of
from tests.integration.conftest import STAFF_PASSWORD
from tests.integration.test_intake import IDENTITY_CHECK, helsinki_today
from tests.integration.test_intake import register as register_by_letter

PASSWORD = "kettu juoksee metsässä"
ADMIN_PASSWORD = "admin admin admin"


def send_request(client, kind="access", description="Kaikki tietoni, kiitos."):
    page = client.get(f"/requests/new/{kind}").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    return client.post(
        f"/requests/new/{kind}",
        data={"csrf_token": csrf_token(page), "submission_key": key, "description": description},
    )


def text_of(message) -> str:
    return raw_text_of(message).replace("\r\n", "\n")


def signed_in(app, email, password):
    client = app.test_client()
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def events(db, action):
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def confirmed_portal_request(app, make_user, mailbox, deliver, db) -> SubjectRequest:
    """Maija submits an access request on the portal and confirms it from her mailbox."""
    make_user(locale="en")
    maija = signed_in(app, "maija@example.fi", PASSWORD)
    assert send_request(maija).status_code == 302
    deliver()
    [confirmation] = mailbox.to("maija@example.fi")
    assert submit(maija, path_of(link_in(confirmation, "/requests/confirm/"))).status_code == 302
    db.session.expire_all()
    return db.session.scalars(select(SubjectRequest)).one()


# The staff email about a registered request ----------------------------------------------------


@pytest.fixture
def ville(make_user, login):
    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    login("ville@wprod.fi", STAFF_PASSWORD)


def test_the_staff_email_about_a_letter_says_who_registered_it_and_when_it_arrived(
    client, ville, db, mailbox, deliver
):
    received_on = helsinki_today() - timedelta(days=3)
    response = register_by_letter(client, received_on=received_on.isoformat(), email="")
    assert response.status_code == 302
    letter = db.session.scalars(select(SubjectRequest)).one()

    deliver()
    [to_staff] = [m for m in mailbox.to("ville@wprod.fi") if letter.reference in m["Subject"]]
    body = text_of(to_staff)
    day = format_date(received_on, locale="en")
    assert f"Ville Kärpijoki registered a new request that arrived by letter on {day}." in body, (
        body
    )
    assert "confirmed" not in body
    assert "Kalle Kirjoittaja (no email address: answer by post)" in body
    assert f"Identity check: {IDENTITY_CHECK}" in body
    assert "None" not in body
    # From the portal to its own contact person: no signature in his own name.
    assert "Best regards" not in body
    assert body.count("Ville Kärpijoki") == 2  # the greeting and who registered it


def test_a_portal_request_is_still_announced_as_confirmed(
    app, ville, make_user, mailbox, deliver, db
):
    subject_request = confirmed_portal_request(app, make_user, mailbox, deliver, db)
    deliver()
    [to_staff] = mailbox.to("ville@wprod.fi")
    body = text_of(to_staff)
    assert subject_request.reference in to_staff["Subject"]
    assert "A new request has been confirmed." in body
    assert "Maija Meikäläinen <maija@example.fi>" in body
    assert "assigned to no one" not in body


# The staff email about a new message -----------------------------------------------------------


def test_the_assignee_gets_the_message_itself_from_the_portal_not_from_himself(
    app, ville, make_user, make_request, mailbox, deliver, db
):
    maija_user = make_user(locale="en")
    request_id = make_request(maija_user)
    deliver()
    mailbox.messages.clear()
    maija = signed_in(app, "maija@example.fi", PASSWORD)
    message = "Unohdin mainita: myös vanha osoitteeni\nKotikatu 1 pitää poistaa."
    response = submit(
        maija,
        f"/requests/{request_id}/reply",
        {"body": message, "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "liite.pdf")]},
        page=f"/requests/{request_id}",
    )
    assert response.status_code == 302

    deliver()
    [update] = mailbox.to("ville@wprod.fi")
    body = text_of(update)
    assert "New message on" in update["Subject"]
    assert "The requester sent a message:" in body
    assert message in body
    assert "liite.pdf" in body
    assert "Hello Ville Kärpijoki," in body
    assert "Best regards" not in body and body.count("Ville Kärpijoki") == 1
    assert "privacy request portal of WProd Oy" in body
    html = update.get_body(preferencelist=("html",)).get_content()
    assert "Kotikatu 1 pitää poistaa." in html and "Best regards" not in html


def test_the_requester_still_gets_mail_signed_by_the_contact_person(
    app, ville, make_user, make_request, mailbox, deliver
):
    make_request(make_user(locale="en"))
    deliver()
    [received] = [m for m in mailbox.to("maija@example.fi") if "We received" in m["Subject"]]
    assert "Best regards,\nVille Kärpijoki\nWProd Oy" in text_of(received)


# A request before the contact person's account --------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user(
        email="admin@wprod.fi",
        name="Anna Ylläpitäjä",
        role=Role.ADMIN,
        password=ADMIN_PASSWORD,
        locale="en",
    )


def test_a_request_before_the_contact_persons_account_waits_warns_admins_and_is_routed_later(
    app, admin, make_user, mailbox, deliver, db, runner
):
    subject_request = confirmed_portal_request(app, make_user, mailbox, deliver, db)
    assert subject_request.assignee_id is None
    [waiting] = events(db, "request.not_assigned")
    assert waiting.details["contact_person"] == "ville@wprod.fi"
    assert waiting.details["admins_told"] == ["admin@wprod.fi"]

    deliver()
    # The contact person's address still gets the request, and is told why it is unassigned
    # (in Finnish: there is no account to hold another language).
    [to_contact] = mailbox.to("ville@wprod.fi")
    contact_text = text_of(to_contact)
    assert subject_request.reference in to_contact["Subject"]
    assert "joten pyynnöllä ei vielä ole käsittelijää" in contact_text
    assert "Ylläpitäjille on kerrottu." in contact_text
    # The admin is emailed what to do.
    [to_admin] = [m for m in mailbox.to("admin@wprod.fi") if "assigned to no one" in m["Subject"]]
    admin_text = text_of(to_admin)
    assert subject_request.reference in to_admin["Subject"]
    assert 'flask staff create ville@wprod.fi "Ville Kärpijoki"' in admin_text
    assert f"/staff/requests/{subject_request.id}" in admin_text

    # Every page an admin opens carries the warning; staff and requesters see none of it.
    anna = signed_in(app, "admin@wprod.fi", ADMIN_PASSWORD)
    for url in ("/staff/", "/admin/outbox", "/account"):
        page = anna.get(url).get_data(as_text=True)
        assert 'id="waiting-for-contact"' in page, url
        assert "1 open request is assigned to no one." in page
    maija = signed_in(app, "maija@example.fi", PASSWORD)
    assert "waiting-for-contact" not in maija.get("/requests/").get_data(as_text=True)

    # The account appears: the request is assigned to it at once, and the banner is gone.
    result = runner.invoke(args=["staff", "create", "ville@wprod.fi", "Ville Kärpijoki"])
    assert result.exit_code == 0, result.output
    assert f"Assigned to ville@wprod.fi: {subject_request.reference}." in result.output
    db.session.expire_all()
    ville = db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
    assert db.session.get(SubjectRequest, subject_request.id).assignee_id == ville.id
    [assigned] = events(db, "request.assigned")
    assert assigned.details == {
        "assignee": [None, "ville@wprod.fi"],
        "reason": "contact-person-account-created",
    }
    assert "waiting-for-contact" not in anna.get("/staff/").get_data(as_text=True)
    ticket = anna.get(f"/staff/requests/{subject_request.id}").get_data(as_text=True)
    assert "assigned to no one for now; the administrators were told" in ticket


def test_the_daily_job_routes_waiting_requests_to_an_account_made_another_way(
    app, make_user, mailbox, deliver, db, runner
):
    subject_request = confirmed_portal_request(app, make_user, mailbox, deliver, db)
    # Without the account, the daily job leaves it alone.
    assert "assigned" not in runner.invoke(args=["requests", "remind"]).output
    assert db.session.get(SubjectRequest, subject_request.id).assignee_id is None
    ville = make_user(email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF)

    result = runner.invoke(args=["requests", "remind"])
    assert result.exit_code == 0, result.output
    assert "assigned 1 waiting request(s) to the contact person" in result.output
    db.session.expire_all()
    assert db.session.get(SubjectRequest, subject_request.id).assignee_id == ville.id


# A person whose request came by letter registers ----------------------------------------------

REGISTRATION = {
    "name": "Kalle K.",
    "email": "Kalle@Example.fi",
    "password": "hyökkääjän salasana 123",
    "password_confirm": "hyökkääjän salasana 123",
    "acknowledge": "y",
}


def test_registering_with_the_address_of_a_letter_claims_the_account_through_the_email(
    app, ville, client, db, mailbox, deliver
):
    assert register_by_letter(client, email="kalle@example.fi").status_code == 302
    letter = db.session.scalars(select(SubjectRequest)).one()
    kalle = letter.requester
    assert kalle.password_hash is None and not kalle.is_confirmed
    deliver()
    mailbox.messages.clear()

    # The page is the same as for an address nobody has.
    visitor = app.test_client()
    claimed = submit(visitor, "/register", REGISTRATION)
    fresh = submit(visitor, "/register", {**REGISTRATION, "email": "uusi@example.fi"})
    assert claimed.status_code == fresh.status_code == 302
    assert claimed.headers["Location"] == fresh.headers["Location"]
    assert visitor.get(claimed.headers["Location"]).get_data(as_text=True) == visitor.get(
        fresh.headers["Location"]
    ).get_data(as_text=True)
    # No second account; the password typed on the form opens nothing.
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.email == "kalle@example.fi")).one().id == (
        kalle.id
    )
    assert db.session.get(User, kalle.id).password_hash is None
    assert (
        sign_in(app.test_client(), "kalle@example.fi", REGISTRATION["password"]).status_code == 200
    )

    deliver()
    [claim] = mailbox.to("kalle@example.fi")
    # In the language the form was filled in (Finnish, the default).
    assert claim["Subject"] == "Viimeistele tilisi luominen"
    assert "Olemme jo kirjanneet sinulta pyynnön" in text_of(claim)
    link = path_of(link_in(claim, "/register/claim/"))
    page = visitor.get(link).get_data(as_text=True)
    assert "kalle@example.fi" in page
    # The notice must be acknowledged here, by whoever opened the link.
    new_password = "oma uusi salasana tähän"
    refused = submit(visitor, link, {"password": new_password, "password_confirm": new_password})
    assert refused.status_code == 200 and 'id="acknowledge-error"' in refused.get_data(as_text=True)
    done = submit(
        visitor,
        link,
        {"password": new_password, "password_confirm": new_password, "acknowledge": "y"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"].endswith("/login")
    db.session.expire_all()
    kalle = db.session.get(User, kalle.id)
    assert kalle.is_confirmed and kalle.notice_acknowledged_at is not None
    assert kalle.name == "Kalle Kirjoittaja"  # as staff recorded it
    [event] = events(db, "account.claimed")
    assert event.actor_id == kalle.id

    # Kalle signs in and finds the request staff registered from his letter.
    signed = signed_in(app, "kalle@example.fi", new_password)
    assert letter.reference in signed.get("/requests/").get_data(as_text=True)
    assert signed.get(f"/requests/{letter.id}").status_code == 200
    # The link worked once.
    assert app.test_client().get(link).status_code == 410


def test_a_new_claim_link_is_sent_like_a_new_confirmation_link(
    app, ville, client, db, mailbox, deliver
):
    register_by_letter(client, email="kalle@example.fi")
    deliver()
    mailbox.messages.clear()
    visitor = app.test_client()
    response = submit(visitor, "/confirm/new", {"email": "kalle@example.fi"})
    assert response.status_code == 302
    deliver()
    [claim] = mailbox.to("kalle@example.fi")
    assert "/register/claim/" in text_of(claim)


def test_an_invited_staff_address_is_not_claimed_by_registering(
    app, client, db, mailbox, deliver, runner
):
    runner.invoke(args=["staff", "create", "uusi@wprod.fi", "Uusi Työntekijä"])
    deliver()
    mailbox.messages.clear()
    assert (
        submit(client, "/register", {**REGISTRATION, "email": "uusi@wprod.fi"}).status_code == 302
    )
    deliver()
    [told] = mailbox.to("uusi@wprod.fi")
    assert "/register/claim/" not in text_of(told)
    assert (
        db.session.scalar(select(User).where(User.email == "uusi@wprod.fi")).password_hash is None
    )
