"""What using a right does to the person's data: marketing stops at confirmation and stays stopped
after an erasure; an erasure keeps what the notice says and the letter says so; a restriction
holds until the person is told; recipients are accounted for (GDPR Art. 17–19, 21)."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.models import (
    AuditEvent,
    RecipientNotice,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
    SuppressionEntry,
    User,
)
from tests.conftest import html_of, submit, text_of
from tests.integration.conftest import TODAY_ISO, all_recipients_told, ticket


def subscriber(make_user, db, email="uutiset@example.fi"):
    user = make_user(email=email, name="Uutis Tilaaja")
    db.session.get(User, user.id).newsletter = True
    db.session.commit()
    return user


def test_marketing_objection_acts_at_confirmation_and_outlives_an_erasure(
    staff_client, make_request, make_user, db, mailbox, deliver
):
    from portal.answering import rights

    person = subscriber(make_user, db)
    request_id = make_request(person, kind=RequestKind.MARKETING_OBJECTION)
    # Confirmation alone stopped the newsletter and listed the address, as a hash.
    user = db.session.get(User, person.id)
    db.session.refresh(user)
    assert user.newsletter is False
    [entry] = db.session.scalars(select(SuppressionEntry)).all()
    assert "uutiset" not in entry.address_hash and len(entry.address_hash) == 64
    stopped = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "marketing.stopped"))
    assert stopped.public and stopped.request_id == request_id

    # The ticket only asks staff to confirm the external systems.
    refused = ticket(staff_client, request_id, "resolve", {"outcome": "completed"})
    assert refused.status_code == 409
    assert "uutiskirjetyökalu" in refused.get_data(as_text=True)
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN
    done = ticket(
        staff_client, request_id, "resolve", {"outcome": "completed", "external_done": "y"}
    )
    assert done.status_code == 302

    # The newsletter tool's list, checked against the suppression list.
    page = "/staff/suppression"
    checked = submit(
        staff_client,
        page,
        {
            "addresses": "",
            "upload": (io.BytesIO(b"email\nUUTISET@example.fi\nmuu@example.fi\n"), "lista.csv"),
        },
    )
    assert checked.status_code == 200
    assert checked.mimetype == "text/csv"
    assert checked.get_data(as_text=True).splitlines() == [
        "email,action",
        "uutiset@example.fi,remove",
    ]

    # The person's account is erased later: the objection still holds.
    erasure = make_request(person, kind=RequestKind.ERASURE)
    ticket(staff_client, erasure, "resolve", {"outcome": "completed", **all_recipients_told()})
    db.session.refresh(user)
    assert user.email is None
    with staff_client.application.app_context():
        assert rights.matching(["uutiset@example.fi"]) == ["uutiset@example.fi"]


def test_erasure_keeps_what_the_notice_says_and_the_letter_says_so(
    app, staff_client, make_request, make_user, db, mailbox, deliver
):
    person = make_user(email="poisto@example.fi", name="Poisto Pyytäjä")
    earlier = make_request(person, kind=RequestKind.ACCESS)
    request_id = make_request(person, kind=RequestKind.ERASURE)
    response = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "reasons": "Tietonne on poistettu.", **all_recipients_told()},
    )
    assert response.status_code == 302

    user = db.session.get(User, person.id)
    db.session.refresh(user)
    assert (user.name, user.email, user.password_hash) == ("–", None, None)
    assert user.anonymised_at is not None
    # The request records stay (notice: privacy requests, 3 years after closure).
    assert {r.id for r in db.session.scalars(select(SubjectRequest))} == {earlier, request_id}
    notices = db.session.scalars(
        select(RecipientNotice).where(RecipientNotice.request_id == request_id)
    ).all()
    assert {n.recipient_key for n in notices} == {
        "hosting_provider",
        "billing_software",
        "authorities",
    }

    deliver()
    letter = text_of(mailbox.to("poisto@example.fi")[-1])
    notice = app.extensions["notice"]
    kept = [c for c in notice.data_categories if c.retention.kept_after_erasure]
    erased = [c for c in notice.data_categories if not c.retention.kept_after_erasure]
    for category in kept:
        assert category.name["fi"] in letter
        assert category.retention.legal_ground["fi"] in letter
    for category in erased:
        assert category.name["fi"] not in letter
    assert "Tietonne on poistettu." in letter
    # No link to the request's page, which the person, without an account now, cannot open.
    assert f"/requests/{request_id}" not in letter
    assert f"/requests/{request_id}" not in html_of(mailbox.to("poisto@example.fi")[-1])

    # The person can no longer sign in.
    other = app.test_client()
    response = submit(
        other, "/login", {"email": "poisto@example.fi", "password": "kettu juoksee metsässä"}
    )
    assert response.status_code != 302


def test_erasure_needs_every_recipient_accounted_for(staff_client, make_request, db):
    request_id = make_request(kind=RequestKind.ERASURE)
    requester_id = db.session.get(SubjectRequest, request_id).requester_id
    partly = {
        "outcome": "completed",
        "recipient-hosting_provider-date": TODAY_ISO,
        "recipient-billing_software-reason": "Kumppani on lopettanut toimintansa.",
    }
    response = ticket(staff_client, request_id, "resolve", partly)
    assert response.status_code == 409
    assert "Viranomaiset" in response.get_data(as_text=True)
    assert db.session.scalar(select(RecipientNotice)) is None
    user = db.session.get(User, requester_id)
    assert user.email is not None and user.anonymised_at is None

    future = ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", **all_recipients_told("2999-01-01")},
    )
    assert future.status_code == 409
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN


def test_the_missing_recipients_are_named_in_the_staff_members_language(
    staff_client, make_request, db
):
    request_id = make_request(kind=RequestKind.ERASURE)
    submit(staff_client, "/language", {"lang": "en"}, page="/staff/")
    response = ticket(staff_client, request_id, "resolve", {"outcome": "completed"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Authorities" in page and "Viranomaiset" not in page


def test_a_staff_account_is_not_erased(staff_client, make_request, make_user, db):
    colleague = make_user(email="kalle@wprod.fi", name="Kalle Kollega", role=Role.STAFF)
    request_id = make_request(colleague, kind=RequestKind.ERASURE)
    response = ticket(
        staff_client, request_id, "resolve", {"outcome": "completed", **all_recipients_told()}
    )
    assert response.status_code == 409
    assert "henkilökunnan tili" in response.get_data(as_text=True)
    user = db.session.get(User, colleague.id)
    db.session.refresh(user)
    assert user.email == "kalle@wprod.fi" and user.anonymised_at is None


def test_restriction_holds_until_the_person_is_told(
    app, staff_client, make_request, make_user, db, mailbox, deliver, runner
):
    from portal.answering import rights

    person = subscriber(make_user, db, email="rajoitus@example.fi")
    request_id = make_request(person, kind=RequestKind.RESTRICTION)
    ticket(
        staff_client,
        request_id,
        "resolve",
        {"outcome": "completed", "tell_recipients": "y", **all_recipients_told()},
    )
    user = db.session.get(User, person.id)
    db.session.refresh(user)
    assert user.restricted_at is not None
    with app.app_context():
        from portal.extensions import db as portal_db

        assert not rights.receives_marketing(portal_db.session.get(User, person.id))
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Käsittelyä rajoitettu" in page
    deliver()
    answer = text_of(mailbox.to("rajoitus@example.fi")[-1])
    # Asked for, the recipients are named with the date each was told (Art. 19).
    assert "Laskutusohjelman" in answer and "15.1.2026" in answer

    refused = ticket(staff_client, request_id, "lift-restriction", {"reason": ""})
    assert refused.status_code == 400
    db.session.refresh(user)
    assert user.restricted_at is not None

    started = ticket(
        staff_client,
        request_id,
        "lift-restriction",
        {"reason": "Tietojen oikeellisuus on tarkistettu."},
    )
    assert started.status_code == 302
    db.session.refresh(user)
    assert user.restricted_at is not None  # not before the person was told
    deliver()
    notice = text_of(mailbox.to("rajoitus@example.fi")[-1])
    assert "Tietojen oikeellisuus on tarkistettu." in notice
    # The notice was delivered: the daily job ends the restriction
    # (tests/integration/test_restriction_lifting.py has the rest).
    assert runner.invoke(args=["requests", "lift-restrictions"]).exit_code == 0
    db.session.refresh(user)
    assert user.restricted_at is None
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
    ).all()
    [told] = [e for e in events if e.details.get("template") == "restriction_lifted"]
    [lifted] = [e for e in events if e.action == "restriction.lifted"]
    # The person was told (the email queued) before the restriction was lifted.
    assert told.id < lifted.id


def test_requesters_cannot_use_the_suppression_list(client, make_user, login):
    make_user()
    login()
    assert client.get("/staff/suppression").status_code == 403
    assert client.get("/staff/suppression.csv").status_code == 403
