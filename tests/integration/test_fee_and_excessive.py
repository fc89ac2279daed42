"""Manifestly unfounded or excessive requests (issue 10, item 3; GDPR Art. 12(5)): staff charge a
reasonable fee or refuse, with the ground and the earlier requests that show it on record; the
letter says the controller bears the burden of proof; the request waits for the fee, the clock
stopped, until staff record the payment, or the person withdraws it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.deadlines import due_date, local_date
from portal.models import (
    AuditEvent,
    ExcessiveDecision,
    ExcessiveGround,
    ExcessiveMeasure,
    Outcome,
    PauseReason,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    utcnow,
)
from tests.conftest import submit, text_of
from tests.integration.conftest import ticket

PASSWORD = "kettu juoksee metsässä"
NBSP = "\u00a0"
PAYMENT = "Tilisiirto tilille FI21 1234 5600 0007 85, viite 13."
REASONS = "Olet pyytänyt samat tiedot kolme kertaa tässä kuussa, ja ne ovat ennallaan."


def _date(day) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _repeated(make_request, make_user, db):
    """A person who asked for access twice already, and a third time now."""
    person = make_user(email="toistaja@example.fi", name="Toistuva Pyytäjä")
    first = make_request(person, RequestKind.ACCESS)
    second = make_request(person, RequestKind.ACCESS)
    third = make_request(person, RequestKind.ACCESS)
    references = {i: db.session.get(SubjectRequest, i).reference for i in (first, second, third)}
    return first, second, third, references


def _fee(staff_client, request_id, evidence, **changes):
    data = {
        "measure": "fee",
        "ground": "repetitive",
        "evidence": [str(i) for i in evidence],
        "fee": "25,50",
        "payment": PAYMENT,
        "reasons": REASONS,
        **changes,
    }
    return ticket(staff_client, request_id, "excessive", data)


def _requester(app, email):
    client = app.test_client()
    response = submit(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_fee_for_a_repetitive_request_waits_for_the_payment(
    app, staff_client, make_request, make_user, db, mailbox, deliver
):
    first, second, third, references = _repeated(make_request, make_user, db)
    response = _fee(staff_client, third, [first, second])
    assert response.status_code == 302, response.get_data(as_text=True)
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pyytäjälle kerrottiin maksusta." in page
    assert "Odottaa maksua" in page and 'id="fee-paid"' in page
    assert "Jatka käsittelyä odottamatta vastausta" not in page  # no plain "resume" for a fee
    assert f"Maksua 25,50{NBSP}€ pyydetty" in page
    assert references[first] in page and references[second] in page

    subject_request = db.session.get(SubjectRequest, third)
    assert subject_request.status is RequestStatus.WAITING
    assert [p.reason for p in subject_request.pauses] == [PauseReason.FEE]
    decision = db.session.scalar(
        select(ExcessiveDecision).where(ExcessiveDecision.request_id == third)
    )
    assert decision.measure is ExcessiveMeasure.FEE
    assert decision.ground is ExcessiveGround.REPETITIVE
    assert decision.fee_cents == 2550 and decision.payment_instructions == PAYMENT
    assert sorted(r.id for r in decision.evidence) == [first, second]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == third, AuditEvent.action == "request.excessive"
        )
    )
    assert event.public and event.details["ground"] == "repetitive"
    assert event.details["evidence"] == [references[first], references[second]]

    deliver()
    letter = text_of(mailbox.to("toistaja@example.fi")[-1])
    assert f"Maksu on 25,50{NBSP}€." in letter
    assert "toistaa aiempia pyyntöjäsi" in letter
    assert references[first] in letter and references[second] in letter
    assert REASONS in letter and PAYMENT in letter
    # Art. 12(5), last sentence: the burden of proof is the controller's.
    assert "Meidän rekisterinpitäjänä on osoitettava" in letter
    assert "vastausaikamme ei kulu" in letter
    assert "voit peruuttaa pyynnön sen sivulla, eikä sinun tarvitse maksaa mitään" in letter
    assert "Tietosuojavaltuutetun toimisto" in letter

    # The person's page says what the request waits for; a message from them is not a payment.
    requester = _requester(app, "toistaja@example.fi")
    own = requester.get(f"/requests/{third}").get_data(as_text=True)
    assert "Odottaa maksua" in own and "kunnes maksu on maksettu" in own
    submit(requester, f"/requests/{third}/reply", {"body": "Miksi?"}, page=f"/requests/{third}")
    db.session.expire_all()
    assert db.session.get(SubjectRequest, third).status is RequestStatus.WAITING
    # Nor can staff simply resume it.
    ticket(staff_client, third, "resume", {})
    db.session.expire_all()
    assert db.session.get(SubjectRequest, third).status is RequestStatus.WAITING

    # The fee was asked for five days ago and arrived two days ago.
    pause = db.session.scalar(select(RequestPause).where(RequestPause.request_id == third))
    pause.asked_at = utcnow() - timedelta(days=5)
    db.session.commit()
    paid_on = local_date(utcnow()) - timedelta(days=2)
    future = ticket(
        staff_client,
        third,
        "fee-paid",
        {"paid_on": (local_date(utcnow()) + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 409
    assert "ei voi olla tulevaisuudessa" in future.get_data(as_text=True)
    paid = ticket(staff_client, third, "fee-paid", {"paid_on": paid_on.isoformat()})
    assert paid.status_code == 302
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, third)
    assert subject_request.status is RequestStatus.OPEN
    received_on = local_date(subject_request.received_at)
    assert subject_request.due_on == due_date(received_on, paused_days=3)
    assert db.session.get(ExcessiveDecision, decision.id).paid_on == paid_on
    deliver()
    receipt = text_of(mailbox.to("toistaja@example.fi")[-1])
    assert f"Maksusi 25,50{NBSP}€ pyynnöstä {references[third]} saapui {_date(paid_on)}" in receipt
    assert f"vastaamme viimeistään {_date(subject_request.due_on)}" in receipt


def test_the_requester_may_withdraw_instead_of_paying(
    app, staff_client, make_request, make_user, db
):
    first, _second, third, _references = _repeated(make_request, make_user, db)
    _fee(staff_client, third, [first])
    requester = _requester(app, "toistaja@example.fi")
    # Withdrawing asks first; the confirmation page's own button withdraws.
    submit(
        requester,
        f"/requests/{third}/withdraw",
        {"confirm": "yes"},
        page=f"/requests/{third}/withdraw",
    )
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, third)
    assert subject_request.status is RequestStatus.WITHDRAWN
    assert all(p.resumed_at is not None for p in subject_request.pauses)


def test_refusing_a_manifestly_unfounded_request_gives_the_ground_and_the_remedies(
    staff_client, make_request, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ERASURE)
    response = ticket(
        staff_client,
        request_id,
        "excessive",
        {
            "measure": "refusal",
            "ground": "manifestly_unfounded",
            "reasons": "Pyynnössä vaaditaan korvausta, ei tietojen poistamista.",
            "fee": "",
            "payment": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.status is RequestStatus.CLOSED
    assert subject_request.outcome is Outcome.REFUSED
    decision = db.session.scalar(
        select(ExcessiveDecision).where(ExcessiveDecision.request_id == request_id)
    )
    assert decision.measure is ExcessiveMeasure.REFUSAL
    assert decision.ground is ExcessiveGround.MANIFESTLY_UNFOUNDED and decision.evidence == []
    deliver()
    letter = text_of(mailbox.to(subject_request.requester.email)[-1])
    assert "Emme toimi pyyntösi" in letter
    assert "Katsomme pyynnön ilmeisen perusteettomaksi" in letter
    assert "Pyynnössä vaaditaan korvausta, ei tietojen poistamista." in letter
    assert "Meidän rekisterinpitäjänä on osoitettava" in letter
    assert "Tietosuojavaltuutetun toimisto" in letter and "tuomioistuimessa" in letter
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Pyyntö katsottiin ilmeisen perusteettomaksi" in page and "Hylätty" in page


def test_bad_input_is_explained_next_to_the_field_and_nothing_is_lost(
    staff_client, make_request, make_user, db
):
    first, _second, third, _references = _repeated(make_request, make_user, db)
    stranger = make_request()

    def refused(response, status, message):
        assert response.status_code == status, response.get_data(as_text=True)
        page = response.get_data(as_text=True)
        assert message in page
        assert REASONS in page  # what was written stays in the form
        assert 'id="excessive"' in page  # the composer opens the form that came back
        return page

    refused(_fee(staff_client, third, [first], fee="paljon"), 400, "Anna maksu euroina")
    refused(_fee(staff_client, third, [first], payment=""), 400, "Kerro, miten maksun voi maksaa.")
    refused(_fee(staff_client, third, [first], fee="0"), 400, "yli 0 ja enintään 1 000 euroa")
    refused(_fee(staff_client, third, [], ground="repetitive"), 409, "valitse ainakin yksi")
    refused(_fee(staff_client, third, [stranger]), 409, "henkilön aiemmista pyynnöistä")
    # A later request of the same person is no evidence of an earlier one.
    refused(_fee(staff_client, first, [third]), 409, "henkilön aiemmista pyynnöistä")
    refused(_fee(staff_client, third, ["x"]), 400, "Valitse aiemmat pyynnöt luettelosta.")
    page = refused(_fee(staff_client, third, [first], measure=""), 400, "Valitse, peritäänkö")
    assert f'value="{first}" id="evidence-{first}" checked' in page

    db.session.expire_all()
    assert db.session.scalars(select(ExcessiveDecision)).all() == []
    for request_id in (first, third):
        assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.excessive")).all()
        == []
    )


def test_anonymising_keeps_the_ground_and_the_evidence_but_not_the_words(
    staff_client, make_request, make_user, db, runner
):
    first, _second, third, references = _repeated(make_request, make_user, db)
    ticket(
        staff_client,
        third,
        "excessive",
        {
            "measure": "refusal",
            "ground": "repetitive",
            "evidence": [str(first)],
            "reasons": REASONS,
        },
    )
    subject_request = db.session.get(SubjectRequest, third)
    subject_request.closed_at = utcnow() - timedelta(days=4 * 366)
    db.session.commit()
    result = runner.invoke(args=["requests", "purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    decision = db.session.scalar(
        select(ExcessiveDecision).where(ExcessiveDecision.request_id == third)
    )
    assert decision.reasons == ""
    assert decision.ground is ExcessiveGround.REPETITIVE
    assert [r.id for r in decision.evidence] == [first]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.request_id == third, AuditEvent.action == "request.excessive"
        )
    )
    assert event.details["evidence"] == [references[first]]
    assert event.details["ground"] == "repetitive"
