"""The person, found and checked (issue 11, item 3; GDPR Art. 12(6), 15(4)): a request is looked
up in the demo WProd register when it is confirmed; the ticket's Identity panel says match,
mismatch or not found; a mismatch can be put to the address on file, whose owner answers "yes, I
asked" or "this was not me"; and no copy is released without a recorded identity decision.

The impostor of the issue: someone who knows Aino Virtanen's name and customer number registers
with their own address and asks for "her" data.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Outcome, RequestStatus, SubjectRequest
from portal.register.demo import build_register
from tests.conftest import csrf_token, link_in, path_of, sign_in, submit, text_of
from tests.integration.pages import PASSWORD, ask_through_pages, signed_in_contact_person

AINO = "aino.virtanen@example.com"
ATTACKER = "huijari@example.net"


@pytest.fixture(scope="session")
def register_files(tmp_path_factory):
    """The demo register (a small one) on SQLite files, built once for the whole run."""
    folder = tmp_path_factory.mktemp("register")
    panel = f"sqlite:///{folder / 'panel.sqlite'}"
    billing = f"sqlite:///{folder / 'billing.sqlite'}"
    build_register(panel, billing, today=date(2026, 11, 30), customers=30)
    return panel, billing


@pytest.fixture
def app_settings(app_settings, register_files):
    panel, billing = register_files
    return {
        **app_settings,
        "WPROD_PANEL_DATABASE_URL": panel,
        "WPROD_BILLING_DATABASE_URL": billing,
    }


@pytest.fixture
def staff(app, make_user):
    return signed_in_contact_person(app, make_user)


def ask(app, make_user, mailbox, deliver, email, kind="access", **identifiers) -> int:
    return ask_through_pages(
        app, make_user, mailbox, deliver, email, kind, "Haluan kopion tiedoistani.", **identifiers
    )


def events(db, request_id, action):
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id, AuditEvent.action == action)
        .order_by(AuditEvent.id)
    ).all()


def identity_panel(staff, request_id) -> str:
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    return page[page.index('id="identity"') :].split("</section>")[0]


def generate_and_release(staff, request_id, db):
    ticket = f"/staff/requests/{request_id}"
    assert submit(staff, f"{ticket}/access-package", page=ticket).status_code == 302
    from portal.models import AccessPackage

    db.session.expire_all()
    package = db.session.scalars(
        select(AccessPackage).where(AccessPackage.request_id == request_id)
    ).all()[-1]
    return submit(staff, f"{ticket}/access-package/{package.id}/release", page=ticket)


def test_the_customer_asking_from_the_registers_address_is_matched_and_recorded(
    app, make_user, mailbox, deliver, staff, db
):
    request_id = ask(app, make_user, mailbox, deliver, AINO, customer_number="10001")

    [checked] = events(db, request_id, "identity.checked")
    assert checked.details["outcome"] == "match"
    assert checked.details["systems"]["panel"]["state"] == "found"
    # Counts and keys on the record, never the values found.
    assert AINO not in str(checked.details) and "Virtanen" not in str(checked.details)
    [decided] = events(db, request_id, "identity.decided")
    assert decided.details["how"] == "matched" and decided.actor_id is None
    panel = identity_panel(staff, request_id)
    assert "rekisterin omasta yhteysosoitteesta" in panel
    assert "Mahdollinen huijaus" not in panel


def test_the_impostor_gets_a_warning_and_no_copy_until_the_owner_answers_not_me(
    app, make_user, mailbox, deliver, staff, db
):
    request_id = ask(app, make_user, mailbox, deliver, ATTACKER, customer_number="10001")

    [checked] = events(db, request_id, "identity.checked")
    assert checked.details["outcome"] == "mismatch"
    # Both the panel and the billing partner's copy hold customer 10001 under Aino's address.
    assert {m["system"] for m in checked.details["mismatches"]} == {"panel", "billing"}
    assert {tuple(m["matched_by"]) for m in checked.details["mismatches"]} == {("customer_number",)}
    assert events(db, request_id, "identity.decided") == []
    panel = identity_panel(staff, request_id)
    assert "Mahdollinen huijaus" in panel
    assert "Kysy rekisterissä olevasta osoitteesta" in panel

    # No copy leaves without a decision: refused, nothing released, nothing sent.
    refused = generate_and_release(staff, request_id, db)
    assert refused.status_code == 409
    assert "Kirjaa ensin, miten pyytäjän henkilöllisyys varmistettiin" in refused.get_data(
        as_text=True
    )
    assert events(db, request_id, "access_package.released") == []
    # One action puts the question to the address the register holds.
    mailbox.messages.clear()
    sent = submit(
        staff,
        f"/staff/requests/{request_id}/identity/verify/0",
        {"state": _state(staff, request_id)},
        page=f"/staff/requests/{request_id}",
    )
    assert sent.status_code == 302
    deliver()
    [question] = mailbox.to(AINO)
    assert "Teitkö tietosuojapyynnön WProd Oy:lle?" in question["Subject"]
    assert ATTACKER not in text_of(question)  # the asker's address is theirs, not hers
    link = path_of(link_in(question, "/identity/"))

    # Opening the link (a mail scanner does) answers nothing.
    owner = app.test_client()
    assert "Teitkö tämän pyynnön?" in owner.get(link).get_data(as_text=True)
    assert events(db, request_id, "identity.verified") == []

    answered = submit(owner, link, {"not_me": "1"})
    assert answered.status_code == 200
    assert "Hylkäsimme nimissäsi tehdyn pyynnön" in answered.get_data(as_text=True)
    subject_request = db.session.get(SubjectRequest, request_id)
    db.session.refresh(subject_request)
    assert subject_request.status is RequestStatus.CLOSED
    assert subject_request.outcome is Outcome.REFUSED
    deliver()
    [refusal] = [m for m in mailbox.to(ATTACKER) if "Vastaus pyyntöösi" in m["Subject"]]
    assert "12 artiklan 6 kohta" in text_of(refusal)
    assert "Mitään ei luovutettu eikä muutettu" in text_of(refusal)
    [told] = [m for m in mailbox.to(AINO) if "Hylkäsimme" in m["Subject"]]
    assert subject_request.reference in text_of(told)
    assert events(db, request_id, "access_package.released") == []

    # The link works once: a second answer changes nothing.
    again = submit(owner, link, {"it_was_me": "1"})
    assert again.status_code == 410
    assert len(events(db, request_id, "identity.verified")) == 1
    assert events(db, request_id, "identity.decided") == []


def test_the_owner_who_did_ask_from_another_address_confirms_it(
    app, make_user, mailbox, deliver, staff, db
):
    request_id = ask(
        app, make_user, mailbox, deliver, "aino.uusi@example.org", customer_number="10001"
    )
    submit(
        staff,
        f"/staff/requests/{request_id}/identity/verify/0",
        {"state": _state(staff, request_id)},
        page=f"/staff/requests/{request_id}",
    )
    deliver()
    link = path_of(link_in(mailbox.to(AINO)[-1], "/identity/"))
    owner = app.test_client()
    assert submit(owner, link, {"it_was_me": "1"}).status_code == 200

    [decided] = events(db, request_id, "identity.decided")
    assert decided.details["how"] == "address_on_file"
    assert "rekisterissä olevan osoitteen omistaja vahvisti" in identity_panel(staff, request_id)
    released = generate_and_release(staff, request_id, db)
    assert released.status_code == 302
    assert len(events(db, request_id, "access_package.released")) == 1


def test_a_forged_or_altered_link_changes_nothing(app, make_user, mailbox, deliver, staff, db):
    request_id = ask(app, make_user, mailbox, deliver, ATTACKER, customer_number="10001")
    submit(
        staff,
        f"/staff/requests/{request_id}/identity/verify/0",
        {"state": _state(staff, request_id)},
        page=f"/staff/requests/{request_id}",
    )
    deliver()
    link = path_of(link_in(mailbox.to(AINO)[-1], "/identity/"))
    client = app.test_client()
    assert client.get(link[:-3] + "xyz").status_code == 400
    assert client.get("/identity/" + "A" * 5000).status_code == 400
    assert events(db, request_id, "identity.verified") == []


def test_staff_confirming_another_way_must_say_how(app, make_user, mailbox, deliver, staff, db):
    request_id = ask(app, make_user, mailbox, deliver, "ei.rekisterissa@example.org")
    [checked] = events(db, request_id, "identity.checked")
    assert checked.details["outcome"] == "not_found"
    ticket = f"/staff/requests/{request_id}"

    empty = submit(
        staff,
        f"{ticket}/identity/decide",
        {"how": "other", "details": " ", "state": _state(staff, request_id)},
        page=ticket,
    )
    assert empty.status_code == 400
    assert "Kerro, miten varmistit henkilöllisyyden" in empty.get_data(as_text=True)
    assert events(db, request_id, "identity.decided") == []

    done = submit(
        staff,
        f"{ticket}/identity/decide",
        {
            "how": "other",
            "details": "Soitin rekisterin puhelinnumeroon.",
            "state": _state(staff, request_id),
        },
        page=ticket,
    )
    assert done.status_code == 302
    [decided] = events(db, request_id, "identity.decided")
    assert (decided.details["how"], decided.body) == ("other", "Soitin rekisterin puhelinnumeroon.")


def test_a_register_that_is_down_leaves_the_request_going_and_can_be_searched_again(
    app, make_user, mailbox, deliver, staff, db, register_files
):
    from tests.conftest import free_port

    app.config["WPROD_PANEL_DATABASE_URL"] = (
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2"
    )
    request_id = ask(app, make_user, mailbox, deliver, AINO, customer_number="10001")
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.OPEN
    [checked] = events(db, request_id, "identity.checked")
    assert checked.details["systems"]["panel"]["state"] == "unreachable"
    assert "ei saatu yhteyttä" in identity_panel(staff, request_id)

    app.config["WPROD_PANEL_DATABASE_URL"] = register_files[0]
    again = submit(
        staff,
        f"/staff/requests/{request_id}/identity/check",
        {"state": _state(staff, request_id)},
        page=f"/staff/requests/{request_id}",
    )
    assert again.status_code == 302
    assert events(db, request_id, "identity.checked")[-1].details["outcome"] == "match"
    assert events(db, request_id, "identity.decided")[-1].details["how"] == "matched"


def test_a_requester_cannot_use_the_staff_identity_actions(app, make_user, mailbox, deliver, db):
    request_id = ask(app, make_user, mailbox, deliver, ATTACKER, customer_number="10001")
    client = app.test_client()
    sign_in(client, ATTACKER, PASSWORD)
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    for action in ("identity/check", "identity/verify/0", "identity/decide"):
        response = client.post(
            f"/staff/requests/{request_id}/{action}",
            data={"csrf_token": csrf_token(page), "how": "other", "details": "minä"},
        )
        assert response.status_code in (403, 404)
    assert len(events(db, request_id, "identity.checked")) == 1
    assert events(db, request_id, "identity.decided") == []
    assert events(db, request_id, "identity.verification_sent") == []


def _state(staff, request_id) -> str:
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    return page.split('name="state" value="')[1].split('"')[0]
