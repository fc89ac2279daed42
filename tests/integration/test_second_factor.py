"""The second factor of staff and admins: a TOTP app enrolled at the first sign-in, asked after
the password, asked again before sensitive actions; recovery codes; resets by an administrator."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select, update

from portal.models import (
    AuditEvent,
    RecoveryCode,
    RequestKind,
    RequestStatus,
    Role,
    SignInSession,
    SubjectRequest,
    User,
)
from tests.conftest import csrf_token, link_in, path_of, sign_in, submit, totp_code
from tests.integration.conftest import STAFF_PASSWORD, all_recipients_told, ticket

CREDENTIALS = {"email": "ville@wprod.fi", "password": STAFF_PASSWORD}


def user_row(db, email="ville@wprod.fi") -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    db.session.refresh(user)
    return user


def events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def enter_code(client, code: str):
    return submit(client, "/login/code", {"code": code})


def test_staff_sign_in_asks_for_the_code_after_the_password(app, client, db, contact):
    after_password = submit(client, "/login", CREDENTIALS)
    assert after_password.headers["Location"] == "/login/code"
    # The password alone opens nothing.
    assert client.get("/staff/").status_code == 302
    assert events(db, "account.login") == []
    page = client.get("/login/code").get_data(as_text=True)
    assert "Kirjoita koodisi" in page and 'autocomplete="one-time-code"' in page

    done = enter_code(client, totp_code(app, "ville@wprod.fi"))
    assert done.headers["Location"] == "/staff/dashboard"
    assert client.get("/staff/").status_code == 200
    [login] = events(db, "account.login")
    assert login.details["second_factor"] is True


def test_the_code_page_is_nothing_without_the_password(client, contact):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_requesters_sign_in_with_the_password_alone(client, make_user):
    make_user()
    response = submit(
        client, "/login", {"email": "maija@example.fi", "password": "kettu juoksee metsässä"}
    )
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_a_wrong_code_is_refused_and_recorded(app, client, db, contact):
    submit(client, "/login", CREDENTIALS)
    wrong = enter_code(client, "000000" if totp_code(app, contact.email) != "000000" else "111111")
    assert wrong.status_code == 200
    assert "Koodi on väärin." in wrong.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    [failed] = events(db, "account.second_factor_failed")
    assert failed.subject_user_id == contact.id and failed.details["result"] == "wrong"


def test_a_code_cannot_be_used_twice(app, client, db, contact):
    code = totp_code(app, "ville@wprod.fi")
    submit(client, "/login", CREDENTIALS)
    assert enter_code(client, code).status_code == 302

    # Someone who watched the code being typed tries it at once, with the password.
    onlooker = app.test_client()
    submit(onlooker, "/login", CREDENTIALS)
    replayed = enter_code(onlooker, code)
    assert replayed.status_code == 200
    assert "Tämä koodi on jo käytetty." in replayed.get_data(as_text=True)
    assert onlooker.get("/staff/").status_code == 302
    [failed] = events(db, "account.second_factor_failed")
    assert failed.details["result"] == "replayed"


def test_an_older_code_fails_once_a_newer_one_was_used(app, client, db, contact):
    secret = user_row(db).totp_secret
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    submit(client, "/login", CREDENTIALS)
    assert enter_code(client, totp.generate_otp(now + 1)).status_code == 302
    other = app.test_client()
    submit(other, "/login", CREDENTIALS)
    assert enter_code(other, totp.generate_otp(now)).status_code == 200
    assert other.get("/staff/").status_code == 302


def test_five_wrong_codes_stop_code_entry_for_the_account(app, client, db, contact):
    submit(client, "/login", CREDENTIALS)
    right = totp_code(app, "ville@wprod.fi")
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(5):
        enter_code(client, wrong)
    # From another address the right code does not help either, for now.
    elsewhere = app.test_client()
    submit(elsewhere, "/login", CREDENTIALS)
    locked = enter_code(elsewhere, right)
    assert "Liian monta väärää koodia." in locked.get_data(as_text=True)
    assert elsewhere.get("/staff/").status_code == 302


def test_first_sign_in_enrols_with_a_qr_code_and_recovery_codes_work_once(
    app, client, db, make_user
):
    make_user(email="ville@wprod.fi", role=Role.STAFF, password=STAFF_PASSWORD, totp=False)
    assert submit(client, "/login", CREDENTIALS).headers["Location"] == "/login/second-factor/new"
    assert client.get("/staff/").status_code == 302  # no staff page before enrolment

    page = client.get("/login/second-factor/new")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml[^"]+"', html)
    secret = user_row(db).totp_secret
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # Loading the page again shows the same key (the app may already hold it).
    client.get("/login/second-factor/new")
    assert user_row(db).totp_secret == secret

    wrong = submit(client, "/login/second-factor/new", {"code": "12345x"})
    assert "Koodi on väärin." in wrong.get_data(as_text=True)
    shown = submit(client, "/login/second-factor/new", {"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", shown.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/staff/").status_code == 200
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert [e.action for e in events(db, "account.second_factor_enrolled")]

    # A recovery code signs in once, instead of the app's code...
    submit(client, "/logout", page="/account")
    submit(client, "/login", CREDENTIALS)
    used = enter_code(client, codes[3].upper())
    assert used.status_code == 302
    assert "jäljellä on 9" in client.get("/staff/").get_data(as_text=True)
    assert events(db, "account.recovery_code_used")[0].details["left"] == 9

    # ...and never again.
    submit(client, "/logout", page="/account")
    submit(client, "/login", CREDENTIALS)
    again = enter_code(client, codes[3])
    assert again.status_code == 200 and client.get("/staff/").status_code == 302


def test_an_invitation_goes_from_the_password_to_enrolment_before_any_staff_page(
    app, runner, client, db, mailbox, deliver
):
    runner.invoke(args=["staff", "create", "kalle@wprod.fi", "Kalle Käsittelijä"])
    deliver()
    link = path_of(link_in(mailbox.to("kalle@wprod.fi")[0], "/invitation/"))
    password = "uusi salasana kesämökille"
    done = submit(client, link, {"password": password, "password_confirm": password})
    assert done.headers["Location"] == "/login/second-factor/new"
    assert client.get("/staff/").status_code == 302
    client.get("/login/second-factor/new")
    secret = user_row(db, "kalle@wprod.fi").totp_secret
    shown = submit(client, "/login/second-factor/new", {"code": pyotp.TOTP(secret).now()})
    assert "Varakoodisi" in shown.get_data(as_text=True)
    assert client.get("/staff/").status_code == 200
    deliver()
    assert "toinen tunnistustekijä" in mailbox.to("kalle@wprod.fi")[-1]["Subject"].lower()


def make_stale(db, user_id: int, minutes: int = 16) -> None:
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
        .values(second_factor_at=datetime.now(UTC) - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_completing_an_erasure_asks_for_the_code_again_after_15_minutes(
    app, staff_client, contact, make_request, db
):
    request_id = make_request(kind=RequestKind.ERASURE)
    make_stale(db, contact.id, minutes=14)
    assert ticket(staff_client, request_id, "note", {"body": "Tarkistettu."}).status_code == 302

    make_stale(db, contact.id, minutes=16)
    data = {"outcome": "completed", "reasons": "Tietosi on poistettu.", **all_recipients_told()}
    asked = ticket(staff_client, request_id, "resolve", data)
    assert asked.status_code == 401
    html = asked.get_data(as_text=True)
    assert "Vahvista, että se olet sinä" in html
    assert 'value="Tietosi on poistettu."' in html  # what was written is carried along
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN

    # The prompt sends the same form again, with the code.
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    fields["second_factor_code"] = totp_code(app, "ville@wprod.fi", later=True)
    done = staff_client.post(f"/staff/requests/{request_id}/resolve", data=fields)
    assert done.status_code == 302
    subject_request = db.session.get(SubjectRequest, request_id)
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.CLOSED


def test_refusing_an_erasure_does_not_ask_again(staff_client, contact, make_request, db):
    request_id = make_request(kind=RequestKind.ERASURE)
    make_stale(db, contact.id)
    refused = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "refused", "reasons": "Tunnistaminen ei onnistunut."},
    )
    assert refused.status_code == 302


def test_a_wrong_code_on_the_prompt_changes_nothing(staff_client, contact, make_request, db):
    request_id = make_request(kind=RequestKind.ERASURE)
    make_stale(db, contact.id)
    data = {"outcome": "completed", "reasons": "Poistettu.", **all_recipients_told()}
    html = ticket(staff_client, request_id, "resolve", data).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    fields["second_factor_code"] = "000000"
    again = staff_client.post(f"/staff/requests/{request_id}/resolve", data=fields)
    assert again.status_code == 401
    assert "Koodi on väärin." in again.get_data(as_text=True)
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN


def test_exporting_the_suppression_list_asks_again_and_comes_back(app, staff_client, contact, db):
    assert staff_client.get("/staff/suppression.csv").status_code == 200  # just signed in
    make_stale(db, contact.id)
    asked = staff_client.get("/staff/suppression.csv")
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith("/account/second-factor?next=")
    page = staff_client.get(asked.headers["Location"]).get_data(as_text=True)
    back = staff_client.post(
        asked.headers["Location"],
        data={"csrf_token": csrf_token(page), "code": totp_code(app, "ville@wprod.fi", later=True)},
    )
    assert back.headers["Location"] == "/staff/suppression.csv"
    assert staff_client.get("/staff/suppression.csv").status_code == 200


def test_releasing_an_access_package_asks_again(app, staff_client, contact, make_request, db):
    from portal.models import AccessPackage

    request_id = make_request(kind=RequestKind.ACCESS)
    page = f"/staff/requests/{request_id}"
    assert submit(staff_client, f"{page}/access-package", page=page).status_code == 302
    package = db.session.scalars(select(AccessPackage)).one()
    make_stale(db, contact.id)
    asked = submit(staff_client, f"{page}/access-package/{package.id}/release", page=page)
    assert asked.status_code == 401
    db.session.refresh(package)
    assert package.released_at is None


def test_an_admin_resets_a_lost_second_factor_on_the_record(
    app, runner, staff_client, db, mailbox, deliver
):
    result = runner.invoke(args=["staff", "reset-2fa", "ville@wprod.fi"])
    assert result.exit_code == 0, result.output
    deliver()
    [told] = mailbox.to("ville@wprod.fi")
    assert "nollattiin" in told["Subject"]  # the person hears of it, in case it was not them
    user = user_row(db)
    assert (user.totp_secret, user.totp_enrolled_at) == (None, None)
    [reset] = events(db, "account.second_factor_reset")
    assert reset.subject_user_id == user.id
    assert events(db, "account.sessions_ended")[-1].details["reason"] == "second_factor_reset"
    # Signed out, and the next sign-in enrols a new app.
    assert staff_client.get("/staff/").status_code == 302
    again = app.test_client()
    assert submit(again, "/login", CREDENTIALS).headers["Location"] == "/login/second-factor/new"

    unknown = runner.invoke(args=["staff", "reset-2fa", "ei@example.fi"])
    assert unknown.exit_code != 0


def test_new_recovery_codes_replace_the_old_ones(app, staff_client, contact, db):
    page = staff_client.get("/account").get_data(as_text=True)
    assert "Toinen tunnistustekijä" in page
    first = submit(staff_client, "/account/recovery-codes", page="/account")
    second = submit(staff_client, "/account/recovery-codes", page="/account")
    old, new = (
        re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", r.get_data(as_text=True))
        for r in (first, second)
    )
    assert len(old) == len(new) == 10 and not set(old) & set(new)
    assert len(db.session.scalars(select(RecoveryCode)).all()) == 10
    assert len(events(db, "account.recovery_codes_created")) == 2

    # An old code no longer signs in.
    other = app.test_client()
    submit(other, "/login", CREDENTIALS)
    assert enter_code(other, old[0]).status_code == 200
    assert enter_code(other, new[0]).status_code == 302


def test_the_demo_enrols_its_staff_and_prints_their_codes(app, runner, client, db, tmp_path):
    app.instance_path = str(tmp_path)
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "otpauth://totp/" in seeded.output
    password = (tmp_path / "demo-login.txt").read_text(encoding="utf-8").split()[0]
    # Seeding again keeps the key an app may already hold.
    secret = user_row(db).totp_secret
    runner.invoke(args=["demo", "seed"])
    assert user_row(db).totp_secret == secret

    shown = runner.invoke(args=["demo", "code"])
    code = re.search(r"ville@wprod\.fi: (\d{6})", shown.output).group(1)
    submit(client, "/login", {"email": "ville@wprod.fi", "password": password})
    assert enter_code(client, code).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_an_admin_resets_a_second_factor_from_the_staff_page(
    app, staff_client, contact, make_user, db
):
    make_user(email="admin@wprod.fi", name="Aino Admin", role=Role.ADMIN, password=STAFF_PASSWORD)
    admin = app.test_client()
    sign_in(admin, "admin@wprod.fi", STAFF_PASSWORD)
    assert staff_client.get("/admin/staff").status_code == 403  # staff, not an admin
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "Ville Kärpijoki" in page and "Aino Admin" in page

    admin_id = user_row(db, "admin@wprod.fi").id
    make_stale(db, admin_id)
    url = f"/admin/staff/{contact.id}/reset-second-factor"
    asked = submit(admin, url, page="/admin/staff")
    assert asked.status_code == 401  # the admin's own code first
    assert user_row(db).has_second_factor

    html = asked.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    fields["second_factor_code"] = totp_code(app, "admin@wprod.fi", later=True)
    assert admin.post(url, data=fields).status_code == 302
    assert not user_row(db).has_second_factor
    [reset] = events(db, "account.second_factor_reset")
    assert (reset.actor_id, reset.subject_user_id) == (admin_id, contact.id)
    assert staff_client.get("/staff/").status_code == 302


def test_a_pending_sign_in_ends_when_the_password_changes_or_time_passes(client, db, contact):
    submit(client, "/login", CREDENTIALS)
    assert client.get("/login/code").status_code == 200
    # The password is reset meanwhile (its nonce changes): the password typed before is void.
    db.session.execute(update(User).where(User.id == contact.id).values(session_nonce="new"))
    db.session.commit()
    assert client.get("/login/code").headers["Location"] == "/login"

    submit(client, "/login", CREDENTIALS)
    with client.session_transaction() as cookie_session:
        ago = datetime.now(UTC) - timedelta(minutes=11)
        cookie_session["pending_sign_in"] = {
            **cookie_session["pending_sign_in"],
            "since": ago.isoformat(),
        }
    assert client.get("/login/code").headers["Location"] == "/login"
