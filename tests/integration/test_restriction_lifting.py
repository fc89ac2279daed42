"""Art. 18(3) for real (issue 10, item 5): lifting a restriction is two steps. The notice to the
person is queued first and delivered by the outbox; the restriction ends only once it was
delivered (the daily job, or "finish lifting" on the ticket), or after RESTRICTION_LIFT_AFTER_DAYS
when it cannot be (no address, delivery failed). Both steps are on the record."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import (
    AuditEvent,
    LiftEnd,
    OutboxMessage,
    OutboxStatus,
    RequestKind,
    RestrictionLift,
    User,
    utcnow,
)
from tests.conftest import text_of
from tests.integration.conftest import all_recipients_told, ticket

REASON = "Tietojen oikeellisuus on tarkistettu."


def _restricted(staff_client, make_request, make_user, db, email="rajoitus@example.fi"):
    person = make_user(email=email, name="Rajoitettu Henkilö")
    request_id = make_request(person, kind=RequestKind.RESTRICTION)
    done = ticket(
        staff_client, request_id, "resolve", {"outcome": "completed", **all_recipients_told()}
    )
    assert done.status_code == 302
    assert db.session.get(User, person.id).restricted_at is not None
    return person, request_id


def _lift(db, person) -> RestrictionLift:
    db.session.expire_all()
    return db.session.scalar(
        select(RestrictionLift)
        .where(RestrictionLift.user_id == person.id)
        .order_by(RestrictionLift.id.desc())
    )


def _restricted_now(db, person) -> bool:
    db.session.expire_all()
    return db.session.get(User, person.id).restricted_at is not None


def _actions(db, request_id) -> list[str]:
    return db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
    ).all()


def test_the_restriction_ends_only_after_the_person_was_told(
    staff_client, make_request, make_user, db, mailbox, deliver, runner
):
    person, request_id = _restricted(staff_client, make_request, make_user, db)
    deliver()  # the answer to the restriction request
    started = ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    assert started.status_code == 302
    page = staff_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Ilmoitus henkilölle on lähtevien viestien jonossa." in page
    assert (
        "Rajoituksen poistaminen odottaa" in page and "ilmoitusta ei ole vielä toimitettu" in page
    )
    assert 'id="finish-lift"' not in page and 'id="lift-restriction"' not in page
    assert _restricted_now(db, person)
    lift = _lift(db, person)
    assert lift.ended_at is None and lift.notice_id is not None

    # Not yet delivered: neither the daily job nor staff can end it.
    result = runner.invoke(args=["requests", "lift-restrictions"])
    assert result.exit_code == 0 and "restrictions lifted 0" in result.output
    early = ticket(staff_client, request_id, "finish-lift", {})
    assert early.status_code == 409
    assert "Rajoitus ei voi vielä päättyä" in early.get_data(as_text=True)
    assert _restricted_now(db, person)
    # Nor can a second lifting start meanwhile.
    again = ticket(staff_client, request_id, "lift-restriction", {"reason": "Toinen syy."})
    assert again.status_code in (400, 409)
    assert db.session.scalars(select(RestrictionLift)).all() == [lift]

    deliver()
    notice = text_of(mailbox.to("rajoitus@example.fi")[-1])
    assert REASON in notice
    assert "Rajoitus on voimassa, kunnes tämä viesti on toimitettu sinulle." in notice
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "ilmoitus lähetetty" in page and 'id="finish-lift"' in page

    finished = ticket(staff_client, request_id, "finish-lift", {})
    assert finished.status_code == 302
    assert not _restricted_now(db, person)
    lift = _lift(db, person)
    assert lift.ended_how is LiftEnd.NOTICE_DELIVERED and lift.ended_by_id is not None
    message = db.session.get(OutboxMessage, lift.notice_id)
    assert message.status is OutboxStatus.SENT and message.sent_at <= lift.ended_at
    actions = _actions(db, request_id)
    assert actions.index("restriction.lift_started") < actions.index("restriction.lifted")
    lifted = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == request_id, AuditEvent.action == "restriction.lifted"
        )
    )
    assert lifted.public and lifted.details["how"] == "notice_delivered"
    assert lifted.details["notice_sent_at"]
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Rajoitus poistettiin, kun ilmoitus oli toimitettu." in page
    assert "Rajoituksen poistaminen odottaa" not in page


def test_the_daily_job_ends_it_once_the_notice_was_delivered(
    staff_client, make_request, make_user, db, deliver, runner
):
    person, request_id = _restricted(staff_client, make_request, make_user, db)
    ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    deliver()
    result = runner.invoke(args=["requests", "lift-restrictions"])
    assert result.exit_code == 0, result.output
    assert "restriction lifted (notice_delivered)" in result.output
    assert not _restricted_now(db, person)
    lift = _lift(db, person)
    assert lift.ended_how is LiftEnd.NOTICE_DELIVERED and lift.ended_by_id is None
    assert "restrictions lifted 0" in runner.invoke(args=["requests", "lift-restrictions"]).output
    assert _actions(db, request_id).count("restriction.lifted") == 1


def test_without_an_address_it_ends_after_the_configured_days(
    app, staff_client, make_request, make_user, db, runner
):
    app.config["RESTRICTION_LIFT_AFTER_DAYS"] = 2
    person, request_id = _restricted(staff_client, make_request, make_user, db)
    db.session.get(User, person.id).email = None  # a person who wrote by letter
    db.session.commit()
    ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "ei sähköpostiosoitetta: lähetä ilmoitus postitse" in page
    assert "rajoitus päättyy 2 päivää poistamisen aloittamisen jälkeen" in page
    lift = _lift(db, person)
    assert lift.notice_id is None
    assert "email.not_sent" in _actions(db, request_id)

    assert "restrictions lifted 0" in runner.invoke(args=["requests", "lift-restrictions"]).output
    assert _restricted_now(db, person)
    lift.started_at = utcnow() - timedelta(days=2, minutes=1)
    db.session.commit()
    result = runner.invoke(args=["requests", "lift-restrictions"])
    assert "restriction lifted (no_address)" in result.output
    assert not _restricted_now(db, person)
    assert _lift(db, person).ended_how is LiftEnd.NO_ADDRESS
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "henkilöllä ei ole sähköpostiosoitetta" in page


def test_a_failed_notice_ends_it_after_the_days_and_one_being_retried_is_waited_for(
    staff_client, make_request, make_user, db, runner
):
    person, request_id = _restricted(staff_client, make_request, make_user, db)
    ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    lift = _lift(db, person)
    lift.started_at = utcnow() - timedelta(days=3, minutes=1)
    db.session.commit()
    # Still being retried by the outbox: wait for it, whatever the days.
    assert "restrictions lifted 0" in runner.invoke(args=["requests", "lift-restrictions"]).output
    assert _restricted_now(db, person)
    # The outbox gave up on it.
    db.session.get(OutboxMessage, lift.notice_id).status = OutboxStatus.FAILED
    db.session.commit()
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "ilmoitusta ei saatu toimitettua" in page
    result = runner.invoke(args=["requests", "lift-restrictions"])
    assert "restriction lifted (delivery_failed)" in result.output
    assert not _restricted_now(db, person)


def test_a_new_restriction_cancels_a_lifting_still_waiting(
    staff_client, make_request, make_user, db, deliver, runner
):
    person, request_id = _restricted(staff_client, make_request, make_user, db)
    ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    second = make_request(db.session.get(User, person.id), kind=RequestKind.RESTRICTION)
    ticket(staff_client, second, "resolve", {"outcome": "completed", **all_recipients_told()})
    assert _lift(db, person).ended_how is LiftEnd.CANCELLED
    deliver()
    assert "restrictions lifted 0" in runner.invoke(args=["requests", "lift-restrictions"]).output
    assert _restricted_now(db, person)
    assert "restriction.lift_cancelled" in _actions(db, request_id)
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Rajoituksen poistaminen peruttiin" in page and 'id="lift-restriction"' in page


def test_finishing_twice_ends_it_once(app, staff_client, make_request, make_user, db, deliver):
    """The daily job and a staff member may both see the lifting pending; it ends once."""
    from portal.answering import rights
    from portal.extensions import db as portal_db

    person, request_id = _restricted(staff_client, make_request, make_user, db)
    ticket(staff_client, request_id, "lift-restriction", {"reason": REASON})
    deliver()
    with app.app_context():
        stale = portal_db.session.get(RestrictionLift, _lift(db, person).id)
        # Read, as a finisher does before deciding.
        assert stale.notice is not None and stale.user and stale.request
        portal_db.session.expunge(stale)
        portal_db.session.commit()
        with app.app_context():  # the other finisher, in its own transaction
            lift = portal_db.session.get(RestrictionLift, stale.id)
            assert rights.finish_lifting(lift) is LiftEnd.NOTICE_DELIVERED
            portal_db.session.commit()
        stale = portal_db.session.merge(stale, load=False)
        assert rights.finish_lifting(stale) is None
        portal_db.session.commit()
    assert _actions(db, request_id).count("restriction.lifted") == 1
    assert not _restricted_now(db, person)
