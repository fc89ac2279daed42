"""Email as a channel, end to end: the portal's mail goes out through the SMTP sink, the person's
answer comes back through a real IMAP server (Dovecot), and ``flask inbox fetch`` puts it where it
belongs — on the ticket, in the staff inbox, or on the outbox message that bounced."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from portal.models import utcnow
from tests.conftest import submit, text_of

REPLY_TO = "tietosuoja+{token}@wprod.example"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def app_settings(app_settings, imap):
    return {**app_settings, **imap.settings(), "MAIL_REPLY_TO_TEMPLATE": REPLY_TO}


@pytest.fixture
def requester(make_user):
    return make_user(email="aino@example.fi", name="Aino Asiakas")


def fetch(app):
    result = app.test_cli_runner().invoke(args=["inbox", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def _last_to(mailbox, address: str) -> EmailMessage:
    return mailbox.to(address)[-1]


def _new_mail(sender: str, subject: str, text: str, message_id: str | None = None):
    """A new message to the privacy address, as a person's mail program writes one."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "tietosuoja@wprod.example"
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    mail.set_content(text)
    return mail


def _reply(to_message: EmailMessage, *, sender="Aino Asiakas <aino@example.fi>", body=None):
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to_message["Reply-To"]
    reply["Subject"] = f"Re: {to_message['Subject']}"
    reply["Message-ID"] = f"<reply-{utcnow().timestamp()}@example.fi>"
    reply["In-Reply-To"] = to_message["Message-ID"]
    reply["References"] = to_message["Message-ID"]
    reply.set_content(
        body
        or (
            "Asiakasnumeroni on 10001.\n\nTerveisin\nAino\n\n"
            "ma 30.11.2026 klo 9.00 WProd Oy <tietosuoja@wprod.example> kirjoitti:\n"
            "> Kerro asiakasnumerosi.\n"
        )
    )
    return reply


def _ask(app, request_id: int, purpose: str = "identity") -> None:
    from portal.extensions import db
    from portal.models import SubjectRequest, User
    from portal.subject_requests import actions

    with app.app_context():
        request = db.session.get(SubjectRequest, request_id)
        staff = db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
        actions.ask_for_information(request, staff, "Kerro asiakasnumerosi.", purpose)
        db.session.commit()


def _state(app, request_id: int):
    from portal.extensions import db
    from portal.models import AuditEvent, SubjectRequest

    with app.app_context():
        request = db.session.get(SubjectRequest, request_id)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
        ).all()
        pauses = [(p.asked_at, p.resumed_at) for p in request.pauses]
        db.session.expunge_all()
        return request, events, pauses


def _incoming(app):
    from portal.extensions import db
    from portal.models import IncomingMessage

    with app.app_context():
        found = db.session.scalars(select(IncomingMessage).order_by(IncomingMessage.id)).all()
        db.session.expunge_all()
        return found


@pytest.fixture
def asked(app, contact, mailbox, deliver, make_request, requester):
    """An open request whose clock is paused on a question, and the question as delivered."""
    request_id = make_request(requester)
    _ask(app, request_id)
    deliver(now=utcnow() + timedelta(minutes=1))
    question = _last_to(mailbox, "aino@example.fi")
    assert "Kerro asiakasnumerosi." in text_of(question)
    return request_id, question


def test_a_reply_by_email_to_a_question_joins_the_ticket_and_resumes_the_clock(
    app, imap, asked, mailbox, deliver
):
    request_id, question = asked
    before, _, _ = _state(app, request_id)
    assert before.status.value == "waiting"

    imap.append(bytes(_reply(question)))
    assert "joined 1" in fetch(app)

    request, events, pauses = _state(app, request_id)
    assert request.status.value == "open"
    assert all(resumed is not None for _, resumed in pauses)
    (message,) = [e for e in events if e.action == "message.requester"]
    # What the person wrote this time; the quoted question and the signature are left out.
    assert message.body == "Asiakasnumeroni on 10001."
    assert message.public and message.details["channel"] == "email"
    assert message.details["found_by"] in ("token", "thread")
    assert any(e.action == "request.resumed" for e in events if e.id > message.id)
    (row,) = _incoming(app)
    assert row.state.value == "joined" and row.request_id == request_id
    assert message.details["incoming_message"] == row.id

    # The contact person is told, with the text and a direct link.
    deliver(now=utcnow() + timedelta(minutes=2))
    told = _last_to(mailbox, "ville@wprod.fi")
    assert "Asiakasnumeroni on 10001." in text_of(told)
    assert f"/staff/requests/{request_id}" in text_of(told)

    # A second fetch finds nothing new: the reply is on the ticket once.
    assert "joined" not in fetch(app)
    _, events, _ = _state(app, request_id)
    assert len([e for e in events if e.action == "message.requester"]) == 1


def test_the_requester_sees_their_emailed_reply_on_their_request_page(
    app, imap, asked, client, login
):
    request_id, question = asked
    imap.append(bytes(_reply(question)))
    fetch(app)
    login("aino@example.fi")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Asiakasnumeroni on 10001." in page


def test_the_reply_s_attachments_are_checked_as_uploads(app, imap, asked):
    from portal.extensions import db
    from portal.models import Attachment

    request_id, question = asked
    reply = _reply(question, body="Liitteenä laskuni.")
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="lasku.pdf")
    reply.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="x.exe"
    )
    # A "PDF" that is not one.
    reply.add_attachment(b"<html>", maintype="application", subtype="pdf", filename="fake.pdf")
    imap.append(bytes(reply))
    fetch(app)

    _, events, _ = _state(app, request_id)
    (message,) = [e for e in events if e.action == "message.requester"]
    assert [a["filename"] for a in message.details["attachments"]] == ["lasku.pdf"]
    assert {f["name"] for f in message.details["files_not_taken"]} == {"x.exe", "fake.pdf"}
    with app.app_context():
        (stored,) = db.session.scalars(
            select(Attachment).where(Attachment.request_id == request_id)
        ).all()
        from portal.files import path_of

        assert path_of(stored).read_bytes() == PDF and stored.public


def test_a_request_emailed_to_the_mailbox_becomes_a_case_due_from_its_arrival(
    app, imap, contact, staff_client, mailbox, deliver
):
    from portal.deadlines import due_date
    from portal.subject_requests.clock import local_day

    arrived = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    mail = _new_mail(
        "Uuno Uusi <uuno@example.fi>",
        "Tietojeni poisto",
        "Hei, poistakaa kaikki tietoni. Asiakasnumero 10009.",
        "<uusi-1@example.fi>",
    )
    imap.append(bytes(mail), when=arrived.timestamp())
    assert "for staff 1" in fetch(app)
    (row,) = _incoming(app)
    assert row.state.value == "waiting" and row.request_id is None
    with app.app_context():
        arrived_on = local_day(arrived)
    due = due_date(arrived_on, 1, country="FI")
    # The contact person hears of it at once: the text, the due date it has, a direct link.
    deliver(now=utcnow() + timedelta(minutes=1))
    told = text_of(_last_to(mailbox, "ville@wprod.fi"))
    assert "Hei, poistakaa kaikki tietoni." in told and f"/staff/inbox/{row.id}" in told
    assert due.strftime("%-d.%-m.%Y") in told
    assert not mailbox.to("uuno@example.fi")  # the sender hears nothing until staff decide

    inbox = staff_client.get("/staff/inbox").get_data(as_text=True)
    assert "Tietojeni poisto" in inbox
    form = staff_client.get(f"/staff/intake?message={row.id}").get_data(as_text=True)
    assert 'value="uuno@example.fi"' in form and arrived_on.isoformat() in form
    assert "Hei, poistakaa kaikki tietoni." in form

    response = staff_client.post(
        "/staff/intake",
        data={
            **_page_keys(form),
            "kind": "erasure",
            "received_on": arrived_on.isoformat(),
            "channel": "email",
            "language": "fi",
            "name": "Uuno Uusi",
            "email": "uuno@example.fi",
            "identity_check": "",
            "description": "Poistakaa kaikki tietoni.",
            "incoming_message": str(row.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    request_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    request, events, _ = _state(app, request_id)
    # The clock runs from the mail server's arrival time (EDPB 01/2022 §159).
    assert request.received_at == arrived and request.due_on == due
    assert request.channel.value == "email"
    # Nobody checked the sender: no identity decision was recorded on their behalf.
    assert not [e for e in events if e.action == "identity.decided"]
    assert any(e.action == "inbox.made_request" for e in events)
    (row,) = _incoming(app)
    assert row.state.value == "made_request" and row.request_id == request_id

    deliver(now=utcnow() + timedelta(minutes=1))
    ack = _last_to(mailbox, "uuno@example.fi")
    text = text_of(ack)
    assert request.reference in text and "henkilöllisyytesi" in text
    assert "vastaa tähän viestiin" in text.lower()
    assert ack["Reply-To"].startswith("tietosuoja+")


def test_a_message_is_made_a_request_once_even_from_two_open_forms(
    app, imap, contact, staff_client
):
    from portal.extensions import db
    from portal.models import SubjectRequest

    mail = _new_mail("uuno@example.fi", "Pääsy tietoihin", "Haluan kopion tiedoistani.")
    imap.append(bytes(mail))
    fetch(app)
    (row,) = _incoming(app)
    from portal.subject_requests.clock import local_day

    with app.app_context():
        arrived_on = local_day(row.arrived_at)
    fields = {
        "kind": "access",
        "received_on": arrived_on.isoformat(),
        "channel": "email",
        "language": "fi",
        "name": "Uuno",
        "email": "uuno@example.fi",
        "incoming_message": str(row.id),
    }
    # Two colleagues (or two tabs) open the form, each with its own key, and both send it.
    pages = [staff_client.get(f"/staff/intake?message={row.id}").get_data(as_text=True)]
    pages.append(staff_client.get(f"/staff/intake?message={row.id}").get_data(as_text=True))
    first, second = (
        staff_client.post("/staff/intake", data={**fields, **_page_keys(page)}) for page in pages
    )
    assert first.status_code == 302
    assert "/staff/requests/" in first.headers["Location"]
    assert second.status_code == 302 and f"/staff/inbox/{row.id}" in second.headers["Location"]
    with app.app_context():
        assert db.session.query(SubjectRequest).count() == 1


def _page_keys(page: str) -> dict:
    from tests.conftest import csrf_token

    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    return {"csrf_token": csrf_token(page), "submission_key": key}


def _delivery_report(original: EmailMessage, action="failed") -> bytes:
    """A delivery status notification as Postfix sends one (RFC 3464)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.fi>\r\n"
        "To: tietosuoja@wprod.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        f"Message-ID: <dsn-{utcnow().timestamp()}@mx.example.fi>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.fi\r\n\r\n"
        "Final-Recipient: rfc822; aino@example.fi\r\n"
        f"Action: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <aino@example.fi>: Recipient address rejected\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original['Message-ID']}\r\n"
        "From: tietosuoja@wprod.example\r\nTo: aino@example.fi\r\n"
        f"Subject: {original['Subject']}\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_marks_the_message_and_the_ticket_says_the_person_did_not_get_it(
    app, imap, asked, staff_client, mailbox, deliver
):
    from portal.extensions import db
    from portal.models import OutboxMessage

    request_id, question = asked
    imap.append(_delivery_report(question))
    assert "bounces 1" in fetch(app)

    with app.app_context():
        bounced = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.bounced_at.is_not(None))
        ).all()
        assert [m.recipient for m in bounced] == ["aino@example.fi"]
        assert "5.1.1" in bounced[0].bounce_reason
        assert bounced[0].subject == question["Subject"]
    page = staff_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert 'id="bounced"' in page and "aino@example.fi" in page
    # The assignee is told; the bounce itself is never answered.
    deliver(now=utcnow() + timedelta(minutes=2))
    told = _last_to(mailbox, "ville@wprod.fi")
    assert "aino@example.fi" in text_of(told) and "5.1.1" in text_of(told)
    assert not mailbox.to("mailer-daemon@mx.example.fi")


def test_a_delay_report_is_not_a_bounce(app, imap, asked):
    from portal.extensions import db
    from portal.models import OutboxMessage

    _, question = asked
    imap.append(_delivery_report(question, action="delayed"))
    fetch(app)
    with app.app_context():
        assert not db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.bounced_at.is_not(None))
        ).all()
    (row,) = _incoming(app)
    assert row.state.value == "not_request" and row.request_id is None


def test_a_reply_to_a_closed_request_is_recorded_and_waits_it_does_not_reopen(
    app, imap, asked, mailbox, deliver
):
    from portal.extensions import db
    from portal.models import SubjectRequest
    from portal.subject_requests import actions

    request_id, question = asked
    with app.app_context():
        request = db.session.get(SubjectRequest, request_id)
        actions.withdraw(request, request.requester)
        db.session.commit()
    imap.append(bytes(_reply(question)))
    fetch(app)

    request, events, _ = _state(app, request_id)
    assert request.status.value == "withdrawn"
    assert not [e for e in events if e.action == "message.requester"]
    (waiting,) = [e for e in events if e.action == "email.waiting"]
    assert waiting.details["reason"] == "request-closed" and not waiting.public
    (row,) = _incoming(app)
    assert row.state.value == "waiting" and row.request_id == request_id
    deliver(now=utcnow() + timedelta(minutes=2))
    told = text_of(_last_to(mailbox, "ville@wprod.fi"))
    assert "Asiakasnumeroni on 10001." in told and f"/staff/requests/{request_id}" in told


def test_another_sender_with_the_genuine_token_waits_and_staff_may_join_it(
    app, imap, asked, staff_client
):
    request_id, question = asked
    imap.append(bytes(_reply(question, sender="Joku Muu <joku@example.org>")))
    fetch(app)
    _, events, _ = _state(app, request_id)
    assert not [e for e in events if e.action == "message.requester"]
    assert [e.details["reason"] for e in events if e.action == "email.waiting"] == [
        "sender-differs"
    ]
    (row,) = _incoming(app)
    assert row.state.value == "waiting"
    page = staff_client.get(f"/staff/inbox/{row.id}").get_data(as_text=True)
    assert 'id="why-waiting"' in page and "joku@example.org" in page

    # Staff decide it is the requester's after all (say, her work address).
    reference = _state(app, request_id)[0].reference
    joined = submit(
        staff_client,
        f"/staff/inbox/{row.id}/join",
        {"reference": reference.lower()},
        page=f"/staff/inbox/{row.id}",
    )
    assert joined.status_code == 302
    request, events, _ = _state(app, request_id)
    (message,) = [e for e in events if e.action == "message.requester"]
    assert message.details["found_by"] == "staff" and message.details["joined_by"]
    assert request.status.value == "open"
    # A second decision about the same message changes nothing.
    again = submit(
        staff_client,
        f"/staff/inbox/{row.id}/join",
        {"reference": reference},
        page=f"/staff/inbox/{row.id}",
    )
    assert again.status_code == 302
    _, events, _ = _state(app, request_id)
    assert len([e for e in events if e.action == "message.requester"]) == 1


def test_joining_to_an_unknown_reference_explains_and_keeps_the_message(app, imap, staff_client):
    mail = _new_mail("x@example.fi", "Kysymys", "Hei")
    imap.append(bytes(mail))
    fetch(app)
    (row,) = _incoming(app)
    response = submit(
        staff_client,
        f"/staff/inbox/{row.id}/join",
        {"reference": "WP-2026-99999"},
        page=f"/staff/inbox/{row.id}",
    )
    assert response.status_code == 400
    assert _incoming(app)[0].state.value == "waiting"


@pytest.mark.parametrize(
    ("results", "joins"),
    [
        ("mx.wprod.example; spf=fail smtp.mailfrom=example.fi; dkim=none; dmarc=fail", False),
        ("mx.wprod.example; spf=pass smtp.mailfrom=example.fi; dkim=pass; dmarc=pass", True),
        # No DMARC policy published: a DKIM signature of the sender's domain is enough.
        ("mx.wprod.example; spf=softfail; dkim=pass header.d=example.fi; dmarc=none", True),
        # Written by some server on the way, not the privacy mailbox's own: proves nothing.
        ("mail.example.fi; spf=pass; dkim=pass; dmarc=pass", False),
    ],
)
def test_a_reply_that_fails_the_receiving_servers_checks_waits_for_staff(
    app, make_app, imap, asked, results, joins
):
    request_id, question = asked
    reply = _reply(question)
    reply["Authentication-Results"] = results
    imap.append(bytes(reply))
    fetch(make_app(INBOX_AUTHSERV_ID="mx.wprod.example"))

    _, events, _ = _state(app, request_id)
    joined = [e for e in events if e.action == "message.requester"]
    waiting = [e.details["reason"] for e in events if e.action == "email.waiting"]
    assert (len(joined), waiting) == ((1, []) if joins else (0, ["not-authenticated"]))


def test_an_out_of_office_reply_is_noted_on_the_ticket_and_never_answered(
    app, imap, asked, mailbox, deliver
):
    request_id, question = asked
    away = _reply(question, body="Olen lomalla 7.12. asti.")
    away["Auto-Submitted"] = "auto-replied"
    imap.append(bytes(away))
    fetch(app)
    _, events, _ = _state(app, request_id)
    assert [e.action for e in events if e.action.startswith("email.automatic")] == [
        "email.automatic"
    ]
    assert not [e for e in events if e.action == "message.requester"]
    before = len(mailbox.to("aino@example.fi"))
    deliver(now=utcnow() + timedelta(minutes=2))
    assert len(mailbox.to("aino@example.fi")) == before  # no loop
    (row,) = _incoming(app)
    assert row.state.value == "not_request"


def test_two_fetchers_at_once_put_a_reply_on_the_ticket_once(app, imap, asked):
    from portal.inbox.runner import run_fetcher

    request_id, question = asked
    imap.append(bytes(_reply(question)))
    errors = []
    start = threading.Barrier(2)

    def fetcher():
        try:
            with app.app_context():
                start.wait()
                run_fetcher()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    _, events, _ = _state(app, request_id)
    assert len([e for e in events if e.action == "message.requester"]) == 1
    assert len([e for e in events if e.action == "request.resumed"]) == 1


def test_sorting_the_same_message_twice_at_once_joins_it_once(app, imap, asked):
    """The claim itself, without the mailbox: two sorters on one stored message."""
    from portal.inbox import processing
    from portal.inbox.fetcher import Fetcher

    request_id, question = asked
    imap.append(bytes(_reply(question)))
    with app.app_context():
        assert len(Fetcher().fetch_new().stored) == 1  # stored, not yet sorted
    (row,) = _incoming(app)
    assert row.state.value == "new"
    outcomes = []
    start = threading.Barrier(2)

    def sorter():
        with app.app_context():
            start.wait()
            outcomes.append(processing.sort_one(row.id))

    threads = [threading.Thread(target=sorter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes, key=str) == sorted(["joined", None], key=str)
    _, events, _ = _state(app, request_id)
    assert len([e for e in events if e.action == "message.requester"]) == 1


def test_a_renumbered_folder_does_not_put_a_reply_without_message_id_on_the_ticket_twice(
    app, imap, asked
):
    """After the server renumbers the folder (a new UIDVALIDITY, RFC 9051 2.3.1.1) every message
    looks new by its UID; one without a Message-ID is recognised by its bytes."""
    from sqlalchemy import update

    from portal.extensions import db
    from portal.models import IncomingMessage

    request_id, question = asked
    reply = _reply(question)
    del reply["Message-ID"]
    imap.append(bytes(reply))
    assert "joined 1" in fetch(app)
    with app.app_context():
        db.session.execute(
            update(IncomingMessage).values(uidvalidity=IncomingMessage.uidvalidity - 1)
        )
        db.session.commit()
    client = imap.client()
    try:
        client.select("INBOX")
        client.uid("STORE", "1:*", "-FLAGS", "($PortalStored)")
    finally:
        client.logout()

    assert "stored 0, already stored 1" in fetch(app)
    _, events, _ = _state(app, request_id)
    assert len([e for e in events if e.action == "message.requester"]) == 1
