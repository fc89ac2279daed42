"""The inbox looked after: a daily reminder of mail nobody has sorted, and mail emptied when its
time is up — with its request's records, or some days after it was found not to be a request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import utcnow
from tests.integration.conftest import registered_by_staff


def _store(app, n: int, *, sender="uuno@example.fi", arrived=None) -> int:
    from portal.inbox.fetcher import save
    from portal.inbox.parse import parse
    from portal.models import ArrivalSource

    raw = (
        f"From: {sender}\r\nTo: tietosuoja@wprod.example\r\nSubject: Viesti {n}\r\n"
        f"Message-ID: <upkeep-{n}@example.fi>\r\n\r\nPoistakaa tietoni, terveisin Uuno.\r\n"
    ).encode()
    with app.app_context():
        return save(
            raw,
            parse(raw),
            mailbox="test",
            uidvalidity=1,
            uid=n,
            size=len(raw),
            arrived_at=arrived or utcnow(),
            source=ArrivalSource.INTERNALDATE,
            config=app.config,
        )


def _sort(app):
    from portal.inbox.processing import sort_new

    with app.app_context():
        return sort_new()


def test_mail_left_in_the_inbox_is_reminded_once_a_day_with_the_oldest_due_date(
    app, contact, mailbox, deliver
):
    from portal.deadlines import due_date
    from portal.subject_requests.clock import local_day

    oldest = utcnow() - timedelta(days=9)
    _store(app, 1, arrived=oldest)
    _store(app, 2)
    _sort(app)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["requests", "remind"])
    assert "inbox reminder: 2 message(s) waiting" in first.output
    assert "inbox reminder: 0 message" in runner.invoke(args=["requests", "remind"]).output
    deliver(now=utcnow() + timedelta(minutes=1))
    # Each new message was announced when it came; the reminder is one more message.
    (reminder,) = [m for m in mailbox.to("ville@wprod.fi") if "Saapuneissa" in m["Subject"]]
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    with app.app_context():
        due = due_date(local_day(oldest), 1, country="FI")
    assert "2" in reminder["Subject"] and due.strftime("%-d.%-m.%Y") in text
    assert "/staff/inbox" in text


def test_no_reminder_when_the_inbox_is_empty(app, contact):
    result = app.test_cli_runner().invoke(args=["requests", "remind"])
    assert "inbox reminder: 0" in result.output


def test_mail_found_not_to_be_a_request_is_emptied_after_the_keeping_days(app, contact):
    from portal.extensions import db
    from portal.inbox.fetcher import raw_path
    from portal.models import IncomingMessage, IncomingState

    old, recent, waiting = _store(app, 1), _store(app, 2), _store(app, 3)
    _sort(app)
    with app.app_context():
        for message_id, days in ((old, 91), (recent, 10)):
            message = db.session.get(IncomingMessage, message_id)
            message.state = IncomingState.NOT_REQUEST
            message.state_reason = "Uutiskirje, ei pyyntö."
            message.decided_at = utcnow() - timedelta(days=days)
            message.decided_by_id = None
        db.session.commit()
        paths = {m.id: raw_path(m) for m in db.session.scalars(select(IncomingMessage))}
    result = app.test_cli_runner().invoke(args=["requests", "purge"])
    assert "emptied 1 message(s)" in result.output, result.output
    with app.app_context():
        rows = {m.id: m for m in db.session.scalars(select(IncomingMessage))}
        assert rows[old].body_text == "" and rows[old].sender == "" and rows[old].subject == ""
        assert not paths[old].exists()
        # What proves the handling stays: arrival, checksum, the decision.
        assert rows[old].raw_sha256 and rows[old].state is IncomingState.NOT_REQUEST
        for kept in (recent, waiting):
            assert rows[kept].body_text and paths[kept].exists()


def test_mail_of_a_request_goes_when_the_request_is_anonymised(app, contact, make_user):
    from portal.answering.retention import anonymise
    from portal.extensions import db
    from portal.inbox.fetcher import raw_path
    from portal.models import IncomingMessage, IncomingState, SubjectRequest

    message_id = _store(app, 1)
    with app.app_context():
        from portal.models import Channel

        request = registered_by_staff(
            "upkeep-1",
            email="uuno@example.fi",
            name="Uuno",
            channel=Channel.EMAIL,
            identity_check="",
            arrived_at=utcnow(),
        )
        message = db.session.get(IncomingMessage, message_id)
        message.state = IncomingState.MADE_REQUEST
        message.request_id = request.id
        db.session.commit()
        path = raw_path(message)
        assert path.exists()
        removal = anonymise(db.session.get(SubjectRequest, request.id))
        db.session.commit()
        assert removal.incoming == 1 and not path.exists()
        message = db.session.get(IncomingMessage, message_id)
        assert (message.body_text, message.sender, message.request_id) == ("", "", request.id)


def test_the_inbox_pages_through_every_waiting_message_oldest_first(app, staff_client):
    from portal.web.staff.inbox import PAGE_SIZE

    start = utcnow() - timedelta(days=20)
    for n in range(PAGE_SIZE + 1):
        _store(app, n + 1, arrived=start + timedelta(minutes=n))
    _sort(app)
    first = staff_client.get("/staff/inbox").get_data(as_text=True)
    last = staff_client.get("/staff/inbox?page=2").get_data(as_text=True)
    assert first.count("Viesti ") == PAGE_SIZE and ">Viesti 1<" in first
    assert last.count("Viesti ") == 1 and f">Viesti {PAGE_SIZE + 1}<" in last
    # A page past the end shows the last one, not an empty list.
    assert f">Viesti {PAGE_SIZE + 1}<" in staff_client.get("/staff/inbox?page=99").get_data(
        as_text=True
    )
