"""Email that is never lost: stored with the change, delivered after it, retried, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import OutboxMessage, OutboxStatus, User, utcnow
from tests.conftest import SMTPSink, free_port, link_in, path_of, submit

REGISTRATION = {
    "name": "Matti Virtanen",
    "email": "matti@example.fi",
    "password": "sininen polkupyörä talvella",
    "password_confirm": "sininen polkupyörä talvella",
    "acknowledge": "y",
}


def test_registration_survives_an_smtp_outage(app, client, db, deliver):
    # Nothing listens on this port: the SMTP server is down.
    port = free_port()
    app.config["MAIL_PORT"] = port

    response = submit(client, "/register", REGISTRATION)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "matti@example.fi"))
    assert user is not None
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 0  # the web request did not try SMTP at all

    report = deliver()
    assert report.retrying == [message.id]
    db.session.refresh(message)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "cannot connect" in message.last_error
    assert message.next_attempt_at > utcnow()

    # The server comes back; the next run after the backoff delivers the message.
    sink = SMTPSink(port).start()
    try:
        assert not deliver()  # not due yet: backoff is respected
        deliver(now=utcnow() + timedelta(hours=1))
        [delivered] = sink.to("matti@example.fi")
    finally:
        sink.stop()
    db.session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert message.sent_at is not None

    # And the link in it confirms the address.
    assert submit(client, path_of(link_in(delivered, "/confirm/"))).status_code == 302
    db.session.refresh(user)
    assert user.is_confirmed


def test_message_fails_for_good_after_max_attempts_and_admins_see_it(
    app, client, db, deliver, make_user, login
):
    from portal.models import Role

    app.config["MAIL_PORT"] = free_port()
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    submit(client, "/register", REGISTRATION)
    later = utcnow()
    for _ in range(3):
        later += timedelta(days=1)
        deliver(now=later)
    message = db.session.scalar(select(OutboxMessage))
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == 3

    make_user(email="admin@example.fi", role=Role.ADMIN)
    login("admin@example.fi")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "matti@example.fi" in page
    assert "cannot connect" in page

    # The admin puts it back in the queue once the server works again.
    sink = SMTPSink(app.config["MAIL_PORT"]).start()
    try:
        submit(client, f"/admin/outbox/{message.id}/retry", page="/admin/outbox")
        deliver()
        assert len(sink.to("matti@example.fi")) == 1
    finally:
        sink.stop()


def test_outbox_page_is_for_admins_only(client, make_user, login):
    assert client.get("/admin/outbox").status_code == 302  # to sign-in
    make_user()
    login()
    assert client.get("/admin/outbox").status_code == 403


def test_a_message_is_written_in_the_same_transaction_as_its_cause(app, db):
    from portal.accounts import services
    from portal.extensions import db as portal_db

    with app.test_request_context():
        services.register(
            name="Keskeytetty",
            email="kesken@example.fi",
            password="x" * 12,
            locale="fi",
            notice_version="v",
        )
        assert portal_db.session.new  # the account and its email wait in one transaction
        portal_db.session.rollback()  # the change fails: the email must vanish with it
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert db.session.scalars(select(User)).all() == []


def test_two_senders_never_deliver_one_message_twice(app, client, db, mailbox):
    from portal.mail import _claim

    submit(client, "/register", REGISTRATION)
    message = db.session.scalar(select(OutboxMessage))
    now = utcnow()
    with app.app_context():
        assert _claim(message.id, "sender-a", now) is True
        assert _claim(message.id, "sender-b", now) is False

        # A claim left by a sender that crashed expires; then another may take the message.
        later = now + timedelta(seconds=app.config["OUTBOX_CLAIM_SECONDS"] + 1)
        assert _claim(message.id, "sender-b", later) is True


def test_concurrent_sender_commands_deliver_each_message_once(app, client, db, mailbox):
    import threading

    from portal.mail import deliver_due

    for n in range(5):
        submit(client, "/register", {**REGISTRATION, "email": f"henkilo{n}@example.fi"})

    barrier = threading.Barrier(3)

    def sender(name: str) -> None:
        with app.app_context():
            barrier.wait()
            deliver_due(worker=name)

    threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = sorted(m["To"] for m in mailbox.messages)
    assert recipients == [f"henkilo{n}@example.fi" for n in range(5)]


def test_outbox_send_command(runner, client, mailbox):
    submit(client, "/register", REGISTRATION)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(mailbox.to("matti@example.fi")) == 1
    # Running it again sends nothing more.
    runner.invoke(args=["outbox", "send"])
    assert len(mailbox.to("matti@example.fi")) == 1


def test_email_has_text_and_html_parts_in_the_recipients_language(client, mailbox, deliver):
    from tests.conftest import html_of, text_of

    client.set_cookie("lang", "en")
    submit(client, "/register", REGISTRATION)
    deliver()
    [message] = mailbox.to("matti@example.fi")
    assert message["Subject"] == "Confirm your email address"
    assert "Please confirm your email address" in text_of(message)
    assert '<a href="http://localhost/confirm/' in html_of(message)
    assert message["From"] == "WProd Oy <tietosuoja@wprod.example>"


def test_backoff_grows_and_is_capped():
    from portal.mail import MAX_BACKOFF, backoff

    waits = [backoff(n, 60) for n in range(1, 6)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert backoff(30, 60) == MAX_BACKOFF
