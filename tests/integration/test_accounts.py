"""Signing in and out, passwords, the profile, staff invitations."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditEvent, Role, User
from tests.conftest import link_in, path_of, submit, text_of

PASSWORD = "kettu juoksee metsässä"
NEW_PASSWORD = "uusi salasana kesämökille"


def test_wrong_password_and_unknown_address_get_one_message(client, make_user):
    make_user()
    wrong = submit(client, "/login", {"email": "maija@example.fi", "password": "väärä salasana"})
    unknown = submit(client, "/login", {"email": "ei@example.fi", "password": "väärä salasana"})
    assert wrong.status_code == unknown.status_code == 200
    message = "Sähköpostiosoite tai salasana on väärin."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_failed_sign_in_is_recorded_for_the_account(client, db, make_user):
    user = make_user()
    submit(client, "/login", {"email": "maija@example.fi", "password": "väärä salasana"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.login_failed"))
    assert event.subject_user_id == user.id


def test_sign_in_redirects_only_within_the_site(client, make_user):
    make_user()
    html = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    from tests.conftest import csrf_token

    response = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": csrf_token(html), "email": "maija@example.fi", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_sign_out_needs_a_post(client, make_user, login):
    make_user()
    login()
    assert client.get("/logout").status_code == 405
    submit(client, "/logout", page="/account")
    assert client.get("/account").status_code == 302


def test_forgotten_password_by_single_use_link(client, db, mailbox, deliver, make_user):
    make_user()
    known = submit(client, "/forgot-password", {"email": "maija@example.fi"})
    unknown = submit(client, "/forgot-password", {"email": "tuntematon@example.fi"})
    assert known.headers["Location"] == unknown.headers["Location"]  # no enumeration
    deliver()
    assert mailbox.to("tuntematon@example.fi") == []
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/reset/"))

    page = client.get(link)
    assert page.status_code == 200
    done = submit(client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302

    # The link is dead now, and the new password works while the old one does not.
    assert client.get(link).status_code == 410
    assert (
        submit(client, "/login", {"email": "maija@example.fi", "password": PASSWORD}).status_code
        == 200
    )
    assert (
        submit(
            client, "/login", {"email": "maija@example.fi", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    deliver()
    assert any("salasana" in m["Subject"].lower() for m in mailbox.to("maija@example.fi")[1:])


def test_reset_link_dies_once_the_password_changes_otherwise(
    client, mailbox, deliver, make_user, login
):
    make_user()
    submit(client, "/forgot-password", {"email": "maija@example.fi"})
    deliver()
    link = path_of(link_in(mailbox.to("maija@example.fi")[0], "/reset/"))
    login()
    submit(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert client.get(link).status_code == 410


def test_change_password_signs_out_other_sessions(app, client, make_user, login):
    make_user()
    login()
    other = app.test_client()
    submit(other, "/login", {"email": "maija@example.fi", "password": PASSWORD})
    assert other.get("/account").status_code == 200

    wrong = submit(
        client,
        "/account/password",
        {
            "current_password": "ei tämä",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert "Nykyinen salasana on väärin." in wrong.get_data(as_text=True)

    changed = submit(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert client.get("/account").status_code == 200  # this session goes on
    assert other.get("/account").status_code == 302  # the other one is signed out


def test_profile_shows_and_edits_what_the_portal_holds(
    client, db, mailbox, deliver, make_user, login
):
    user = make_user()
    login()
    page = client.get("/account").get_data(as_text=True)
    for fact in ("Maija Meikäläinen", "maija@example.fi", "Suomi", "Pyytäjä"):
        assert fact in page

    submit(
        client, "/account", {"name": "Maija Virtanen", "email": "maija@example.fi", "locale": "en"}
    )
    saved = db.session.get(User, user.id)
    assert saved.name == "Maija Virtanen"
    assert saved.locale == "en"
    page = client.get("/account").get_data(as_text=True)
    assert "Your details are saved." in page
    assert '<html lang="en">' in page


def test_changing_the_address_waits_for_confirmation(
    client, db, mailbox, deliver, make_user, login
):
    user = make_user()
    login()
    submit(client, "/account", {"name": "Maija", "email": "uusi@example.fi", "locale": "fi"})
    saved = db.session.get(User, user.id)
    assert saved.email == "maija@example.fi"
    assert saved.pending_email == "uusi@example.fi"
    deliver()
    link = path_of(link_in(mailbox.to("uusi@example.fi")[0], "/confirm/"))
    submit(client, link)
    db.session.refresh(saved)
    assert saved.email == "uusi@example.fi"
    assert saved.pending_email is None


def test_changing_to_an_address_in_use_reveals_nothing(
    client, db, mailbox, deliver, make_user, login
):
    make_user()
    make_user(email="toinen@example.fi", name="Toinen")
    login()
    response = submit(
        client, "/account", {"name": "Maija", "email": "toinen@example.fi", "locale": "fi"}
    )
    assert response.status_code == 302
    deliver()
    [notice] = mailbox.to("toinen@example.fi")
    assert "/confirm/" not in text_of(notice)


def test_staff_invitation_by_command(runner, client, db, mailbox, deliver):
    result = runner.invoke(args=["staff", "create", "Kalle@WProd.fi", "Kalle Käsittelijä"])
    assert result.exit_code == 0, result.output
    staff = db.session.scalar(select(User).where(User.email == "kalle@wprod.fi"))
    assert staff.role is Role.STAFF
    assert staff.password_hash is None

    deliver()
    [invitation] = mailbox.to("kalle@wprod.fi")
    link = path_of(link_in(invitation, "/invitation/"))
    weak = submit(client, link, {"password": "kalle", "password_confirm": "kalle"})
    assert weak.status_code == 200
    done = submit(client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(link).status_code == 410
    assert (
        submit(client, "/login", {"email": "kalle@wprod.fi", "password": NEW_PASSWORD}).status_code
        == 302
    )

    again = runner.invoke(args=["staff", "create", "kalle@wprod.fi", "Kalle"])
    assert again.exit_code != 0
    assert "already in use" in again.output or "käytössä" in again.output


def test_expired_invitation_can_be_renewed(app, runner, client, mailbox, deliver):
    runner.invoke(args=["staff", "create", "kalle@wprod.fi", "Kalle", "--admin"])
    deliver()
    link = path_of(link_in(mailbox.to("kalle@wprod.fi")[0], "/invitation/"))
    app.config["INVITATION_MAX_AGE"] = -1
    assert client.get(link).status_code == 410
    submit(client, link + "/renew", page="/login")
    app.config["INVITATION_MAX_AGE"] = 3600
    deliver()
    fresh = path_of(link_in(mailbox.to("kalle@wprod.fi")[1], "/invitation/"))
    assert client.get(fresh).status_code == 200


def test_demo_seed_makes_the_contact_person_staff(app, runner, db, tmp_path):
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    contact = db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
    assert contact.name == "Ville Kärpijoki"
    assert contact.role is Role.STAFF
    assert contact.is_confirmed
    password = (tmp_path / "demo-login.txt").read_text().strip()
    assert password in result.output
