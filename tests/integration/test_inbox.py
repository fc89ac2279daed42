"""The privacy mailbox read over IMAP from a real Dovecot: each message stored once, with the
receiving server's arrival time, however many fetchers run and wherever one of them dies."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import free_port

FLAG = "$PortalStored"


@pytest.fixture
def app_settings(app_settings, imap):
    return {**app_settings, **imap.settings()}


def mail(
    n: int = 1,
    *,
    sender: str = "aino.asiakas@example.fi",
    subject: str = "Pyyntö: poistakaa tietoni",
    body: str = "Hei, haluan että tietoni poistetaan.",
    headers: str = "",
    domain: str = "example.fi",
) -> bytes:
    return (
        f"From: Aino Asiakas <{sender}>\r\nTo: tietosuoja@wprod.example\r\n"
        f"Subject: {subject}\r\nDate: Mon, 30 Nov 2026 09:00:00 +0200\r\n"
        f"Message-ID: <msg-{n}-{time.time_ns()}@{domain}>\r\n{headers}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    ).encode()


def rows(app):
    from portal.extensions import db
    from portal.models import IncomingMessage

    with app.app_context():
        found = db.session.scalars(select(IncomingMessage).order_by(IncomingMessage.uid)).all()
        db.session.expunge_all()
        return found


def fetch(app):
    return app.test_cli_runner().invoke(args=["inbox", "fetch"])


def test_a_message_is_stored_once_with_the_servers_arrival_time_and_flagged(app, imap):
    from portal.inbox.fetcher import raw_path

    # Delivered three days ago (INTERNALDATE), whatever the sender's Date header says: arrival
    # starts the clock (EDPB 01/2022 §159).
    delivered = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    raw = mail()
    imap.append(raw, when=delivered.timestamp())

    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "stored 1" in result.output
    (row,) = rows(app)
    assert row.arrived_at == delivered
    assert row.arrival_source.value == "internaldate"
    assert (row.sender, row.sender_name) == ("aino.asiakas@example.fi", "Aino Asiakas")
    assert row.subject == "Pyyntö: poistakaa tietoni"
    assert row.body_text == "Hei, haluan että tietoni poistetaan."
    assert row.state.value == "waiting" and row.automatic is None
    with app.app_context():
        assert raw_path(row).read_bytes() == raw
    assert row.raw_sha256 == hashlib.sha256(raw).hexdigest() and not row.raw_truncated
    assert FLAG in imap.flags()[row.uid]

    again = fetch(app)
    assert again.exit_code == 0 and "stored" not in again.output
    assert len(rows(app)) == 1


def test_two_fetchers_at_the_same_time_store_each_message_once(app, imap):
    from portal.inbox.fetcher import Fetcher, raw_path

    for n in range(6):
        imap.append(mail(n, subject=f"Viesti {n}"))
    errors = []
    start = threading.Barrier(2)

    def run():
        with app.app_context():
            start.wait()
            try:
                Fetcher().fetch_new()
            except Exception as exc:  # pragma: no cover - shown in the assertion
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    stored = rows(app)
    assert sorted(r.subject for r in stored) == [f"Viesti {n}" for n in range(6)]
    assert all(FLAG in flags for flags in imap.flags().values())
    with app.app_context():
        # The loser's copy of the raw bytes went with its rollback: one file per message.
        files = [p for p in (raw_path(stored[0]).parents[1]).rglob("*") if p.is_file()]
    assert len(files) == 6


def test_a_crash_between_storing_and_flagging_stores_nothing_twice(app, imap):
    from portal.inbox.fetcher import Fetcher

    class DiesBeforeFlagging(Fetcher):
        def mark_processed(self, imap_, uid):
            raise SystemExit("killed between the commit and the flag")

    imap.append(mail())
    with app.app_context(), pytest.raises(SystemExit):
        DiesBeforeFlagging().fetch_new()
    assert len(rows(app)) == 1
    assert all(FLAG not in flags for flags in imap.flags().values())

    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert "stored 0, already stored 1" in result.output
    assert len(rows(app)) == 1
    assert all(FLAG in flags for flags in imap.flags().values())


def test_the_same_message_delivered_twice_is_stored_once(app, imap, caplog):
    raw = mail()
    imap.append(raw)
    imap.append(raw)
    assert fetch(app).exit_code == 0
    assert len(rows(app)) == 1
    assert "has the Message-ID of a stored message" in caplog.text
    assert all(FLAG in flags for flags in imap.flags().values())


BOUNDARY = "b0undary"
HOSTILE = {
    "malformed MIME": (
        "From: a@example.fi\r\nSubject: rikki\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"\r\n\r\n'
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nosa yksi ilman loppua\r\n"
    ).encode(),
    "wrong charset": (
        b"From: b@example.fi\r\nSubject: merkit\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"\r\nP\xe4iv\xe4\xe4, tietoni pois\r\n"
    ),
    "unknown charset": (
        b"From: c@example.fi\r\nSubject: outo\r\nContent-Type: text/plain; charset=x-klingon\r\n"
        b"\r\nT\xf6rkeit\xe4 merkkej\xe4\r\n"
    ),
    "missing charset": (
        b"From: d@example.fi\r\nSubject: =?utf-8?q?Ei_merkist=C3=B6=C3=A4?=\r\n\r\n"
        b"H\xc3\xa4lsningar\r\n"
    ),
    "HTML only": (
        b"From: e@example.fi\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Hei<script>alert(1)</script></p><p>poista <b>kaikki</b></p>"
    ),
    "no headers at all": b"just some bytes \xff\xfe without a header\r\n",
}


def test_hostile_and_broken_messages_are_stored_and_readable(app, imap):
    for raw in HOSTILE.values():
        imap.append(raw)
    assert fetch(app).exit_code == 0
    by_sender = {r.sender: r for r in rows(app)}
    assert len(rows(app)) == len(HOSTILE)
    assert "osa yksi" in by_sender["a@example.fi"].body_text
    assert by_sender["b@example.fi"].body_text == "Päivää, tietoni pois"
    assert by_sender["c@example.fi"].body_text == "Törkeitä merkkejä"
    assert by_sender["c@example.fi"].defects
    assert by_sender["d@example.fi"].subject == "Ei merkistöä"
    html = by_sender["e@example.fi"].body_text
    assert "alert" not in html and "<" not in html and "poista kaikki" in html
    assert "just some bytes" in by_sender[""].body_text


def test_a_huge_message_is_stored_cut_at_the_limit_and_says_so(app_settings, make_app, imap):
    app = make_app(INBOX_MAX_BYTES=64 * 1024)
    raw = mail(body="x" * 500_000)
    imap.append(raw)
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    assert row.raw_truncated and row.stored_size == 64 * 1024
    assert row.raw_size == len(raw) and row.sender == "aino.asiakas@example.fi"


def test_many_attachments_are_listed_up_to_a_limit_and_counted(app, imap):
    parts = "".join(
        f"--{BOUNDARY}\r\nContent-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="liite-{n}.pdf"\r\n\r\n%PDF-1.4\r\n'
        for n in range(300)
    )
    raw = (
        "From: f@example.fi\r\nSubject: liitteet\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"\r\n\r\n'
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nLiitteet mukana.\r\n"
        f"{parts}--{BOUNDARY}--\r\n"
    ).encode()
    imap.append(raw)
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    assert len(row.attachments) == 200 and row.attachments[0]["name"] == "liite-0.pdf"
    assert "100 more attachments" in row.defects and row.body_text == "Liitteet mukana."


def test_auto_replies_bounces_and_our_own_mail_are_marked_never_to_be_answered(app, imap):
    imap.append(mail(1, sender="x@example.fi", headers="Auto-Submitted: auto-replied\r\n"))
    imap.append(mail(2, sender="mailer-daemon@example.fi"))
    imap.append(mail(3, sender="tietosuoja@wprod.example"))
    imap.append(mail(4, sender="ihminen@example.fi"))
    # A copy of our own notification, looped back by a forwarder.
    imap.append(
        mail(
            5,
            sender="noreply@example.fi",
            headers="Auto-Submitted: auto-generated\r\n",
            domain="wprod.example",
        )
    )
    # A person writing from the controller's own domain is a person.
    imap.append(mail(6, sender="ville@wprod.example", domain="wprod.example"))
    assert fetch(app).exit_code == 0
    marks = {r.sender: r.automatic for r in rows(app)}
    assert marks == {
        "x@example.fi": "auto-submitted",
        "mailer-daemon@example.fi": "bounce",
        "tietosuoja@wprod.example": "own",
        "ihminen@example.fi": None,
        "noreply@example.fi": "own",
        "ville@wprod.example": None,
    }


def test_a_mailbox_that_is_down_is_reported_in_one_line_and_nothing_is_stored(make_app, imap):
    app = make_app(INBOX_PORT=free_port())  # nothing listens there
    imap.append(mail())
    result = fetch(app)
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "mailbox is unavailable" in result.output
    assert rows(app) == []


def test_a_running_fetcher_waits_out_a_mailbox_outage(make_app, imap, caplog):
    from portal.inbox.runner import run_fetcher

    app = make_app(INBOX_PORT=free_port())
    imap.append(mail())
    with app.app_context():
        run_fetcher(duration=1.5, interval=0.1, max_pause=0.2)
    assert "the mailbox is unavailable" in caplog.text
    assert rows(app) == []
    # Back up: the next pass stores what waited.
    caplog.clear()
    app.config["INBOX_PORT"] = imap.port
    with app.app_context():
        # Long enough for a loaded machine: every pass after the first finds nothing new.
        run_fetcher(duration=3, interval=0.2)
    assert len(rows(app)) == 1, caplog.text


def test_dates_are_never_in_the_future_of_the_fetch(app, imap):
    imap.append(mail())
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    assert row.arrived_at <= datetime.now(UTC) + timedelta(seconds=5)


# The staff inbox ---------------------------------------------------------------------------------


def test_staff_see_the_message_with_the_due_date_it_would_have_from_its_arrival(
    app, imap, staff_client
):
    # 22:30 UTC on Sunday 29 November is 00:30 on Monday 30 November in Helsinki: the clock
    # counts from the local day of arrival, so a request is due on Wednesday 30 December.
    arrived = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)
    imap.append(
        mail(body="Haluan kopion tiedoistani.\n<b>ei lihavoitu</b><script>alert(1)</script>"),
        when=arrived.timestamp(),
    )
    assert fetch(app).exit_code == 0
    (row,) = rows(app)

    listing = staff_client.get("/staff/inbox")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Pyyntö: poistakaa tietoni" in page and "aino.asiakas@example.fi" in page
    assert "30.12.2026" in page and "29.12.2026" not in page
    assert f"/staff/inbox/{row.id}" in page

    shown = staff_client.get(f"/staff/inbox/{row.id}").get_data(as_text=True)
    assert "Haluan kopion tiedoistani." in shown and "30.12.2026" in shown
    # The text is text: markup in it is shown, never run.
    assert "&lt;b&gt;ei lihavoitu&lt;/b&gt;" in shown and "<script>alert(1)" not in shown


def test_broken_messages_open_without_an_error(app, imap, staff_client):
    for raw in HOSTILE.values():
        imap.append(raw)
    assert fetch(app).exit_code == 0
    for row in rows(app):
        assert staff_client.get(f"/staff/inbox/{row.id}").status_code == 200
    assert staff_client.get("/staff/inbox").status_code == 200


def test_a_requester_cannot_open_the_inbox(app, imap, make_user, client, login):
    imap.append(mail())
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    assert client.get(f"/staff/inbox/{row.id}").status_code == 302  # signed out: to sign-in
    make_user()
    login()
    assert client.get("/staff/inbox").status_code == 403
    assert client.get(f"/staff/inbox/{row.id}").status_code == 403


def test_staff_mark_a_message_not_a_request_with_a_reason_on_the_audit_trail(
    app, imap, staff_client
):
    from portal.extensions import db
    from portal.models import AuditEvent
    from tests.conftest import submit

    imap.append(mail(subject="Tarjous: halpoja palvelimia"))
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    page = f"/staff/inbox/{row.id}"
    action = f"/staff/inbox/{row.id}/not-a-request"

    refused = submit(staff_client, action, {"reason": "  "}, page=page)
    assert refused.status_code == 400 and rows(app)[0].state.value == "waiting"

    done = submit(staff_client, action, {"reason": "Mainos, ei tietosuoja-asia."}, page=page)
    assert done.status_code == 302
    (row,) = rows(app)
    assert row.state.value == "not_request" and row.state_reason == "Mainos, ei tietosuoja-asia."
    assert "Tarjous" not in staff_client.get("/staff/inbox").get_data(as_text=True)
    shown = staff_client.get(page).get_data(as_text=True)
    assert "Mainos, ei tietosuoja-asia." in shown and "Ville Kärpijoki" in shown

    # A second decision (another staff member's tab, opened before) changes nothing.
    again = submit(staff_client, action, {"reason": "Toinen syy."}, page=page)
    assert again.status_code in (302, 400)
    assert rows(app)[0].state_reason == "Mainos, ei tietosuoja-asia."
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "inbox.not_a_request")
        ).all()
        assert len(events) == 1
        assert events[0].body == "Mainos, ei tietosuoja-asia."
        assert events[0].details["incoming_message"] == row.id
        assert events[0].details["sender"] == "aino.asiakas@example.fi"


def test_a_requester_cannot_mark_a_message(app, imap, make_user, client, login):
    from tests.conftest import csrf_token

    imap.append(mail())
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    make_user()
    login()
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    response = client.post(
        f"/staff/inbox/{row.id}/not-a-request", data={"reason": "x", "csrf_token": token}
    )
    assert response.status_code == 403 and rows(app)[0].state.value == "waiting"


def test_a_database_outage_is_one_line_and_the_mail_waits_on_the_server(
    app, make_app, imap, tmp_path
):
    imap.append(mail())
    make_app()  # the first made app empties the tables after the test: one that can reach them
    # A database file that cannot be opened: what a server sees when the disk or mount is gone.
    down = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'portal.db'}")
    result = down.test_cli_runner().invoke(args=["inbox", "fetch"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert "the database is unavailable, nothing was stored" in result.output
    # Not flagged: the next run, with the database back, stores it.
    assert all(FLAG not in flags for flags in imap.flags().values())

    running = down.test_cli_runner().invoke(
        args=["inbox", "fetch", "--for", "1", "--interval", "0.2"]
    )
    assert running.exit_code == 0, running.output

    assert fetch(app).exit_code == 0
    assert len(rows(app)) == 1
    assert all(FLAG in flags for flags in imap.flags().values())


@pytest.mark.parametrize("server", ["hangs", "hangs up"])
def test_a_mailbox_server_that_hangs_or_hangs_up_is_an_outage_not_a_stuck_fetcher(
    make_app, imap, server
):
    from tests.faults import ClosingSMTPServer, HangingSMTPServer

    with (HangingSMTPServer if server == "hangs" else ClosingSMTPServer)() as broken:
        app = make_app(INBOX_PORT=broken.port, INBOX_TIMEOUT=1)
        started = time.monotonic()
        result = fetch(app)
    assert result.exit_code == 1 and "the mailbox is unavailable" in result.output
    assert result.output.strip().count("\n") == 0
    assert time.monotonic() - started < 10
    assert rows(app) == []


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_the_mailbox_over_tls_and_starttls_with_the_certificate_verified(make_app, imap, security):
    port = imap.tls_port if security == "tls" else imap.port
    imap.append(mail())
    untrusted = make_app(INBOX_SECURITY=security, INBOX_PORT=port)
    refused = fetch(untrusted)
    assert refused.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.output
    assert rows(untrusted) == []

    app = make_app(INBOX_SECURITY=security, INBOX_PORT=port, INBOX_CA_FILE=str(imap.certificate))
    result = fetch(app)
    assert result.exit_code == 0, result.output
    assert len(rows(app)) == 1


def test_no_plain_imap_to_another_machine(make_app, imap):
    app = make_app(INBOX_HOST="mail.example.fi", INBOX_SECURITY="none")
    result = fetch(app)
    assert result.exit_code == 1 and "only for a server on this machine" in result.output


def test_staff_download_the_original_message_and_it_is_recorded(app, imap, staff_client):
    from portal.extensions import db
    from portal.models import AuditEvent

    raw = mail(body="<html><script>alert(1)</script></html>")
    imap.append(raw)
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    assert f"/staff/inbox/{row.id}/original" in staff_client.get(f"/staff/inbox/{row.id}").text
    with staff_client.get(f"/staff/inbox/{row.id}/original") as response:
        assert response.status_code == 200 and response.data == raw
        # A download in a mail format, never a page the browser would render.
        assert response.mimetype == "message/rfc822"
        assert response.headers["Content-Disposition"].startswith("attachment")
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "inbox.original_downloaded")
        )
    assert staff_client.get("/staff/inbox/999999/original").status_code == 404


def test_a_requester_cannot_download_the_original(app, imap, make_user, client, login):
    imap.append(mail())
    assert fetch(app).exit_code == 0
    (row,) = rows(app)
    make_user()
    login()
    assert client.get(f"/staff/inbox/{row.id}/original").status_code == 403


def test_a_mailbox_server_that_drips_its_greeting_is_cut_off_at_the_deadline(make_app, imap):
    from tests.faults import DrippingSMTPServer

    # One byte every 0.2 s: no read ever waits INBOX_TIMEOUT, and the greeting takes 10 s.
    with DrippingSMTPServer(every=0.2) as dripping:
        app = make_app(INBOX_PORT=dripping.port, INBOX_TIMEOUT=5, INBOX_DEADLINE=1)
        started = time.monotonic()
        result = fetch(app)
        took = time.monotonic() - started
    assert result.exit_code == 1 and "took longer than 1 s" in result.output, result.output
    assert took < 5


def test_the_portals_own_mail_coming_back_is_marked_and_a_reply_to_it_is_not(
    app, imap, make_request, deliver, mailbox
):
    make_request()
    deliver()
    sent = mailbox.messages[-1]  # the portal's own notification, as the SMTP server got it
    imap.append(sent.as_bytes())  # a loop: a forwarder sends it back to the privacy mailbox
    reply = (
        f"From: {sent['To']}\r\nTo: {sent['From']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"Message-ID: <reply-{time.time_ns()}@example.fi>\r\nIn-Reply-To: {sent['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nKiitos, selvä.\r\n"
    )
    imap.append(reply.encode())
    assert fetch(app).exit_code == 0
    looped, answered = rows(app)
    assert looped.automatic == "own"
    assert answered.automatic is None and answered.body_text == "Kiitos, selvä."


def test_stored_mail_is_moved_to_the_processed_folder_when_one_is_set(make_app, imap):
    client = imap.client()
    try:
        client.delete("Processed")  # left by this test on the other database backend
        status, _ = client.create("Processed")
        assert status == "OK"
        imap.append(mail())
        app = make_app(INBOX_PROCESSED_FOLDER="Processed")
        assert fetch(app).exit_code == 0
        assert len(rows(app)) == 1
        assert imap.flags() == {}  # nothing left in the inbox folder
        status, count = client.select("Processed")
        assert status == "OK" and count == [b"1"]
        assert fetch(app).exit_code == 0 and len(rows(app)) == 1
    finally:
        client.logout()


def test_staff_see_that_the_mailbox_cannot_be_read_until_it_can(make_app, imap, contact, login):
    """An outage is on the inbox page, not only in a log: the mail behind it has deadlines."""
    from portal.extensions import db
    from portal.models import AuditEvent

    down = make_app(INBOX_PORT=free_port())
    assert fetch(down).exit_code != 0
    assert fetch(down).exit_code != 0  # a second failed try is not a second outage
    up = make_app()
    client = up.test_client()
    from tests.conftest import sign_in
    from tests.integration.conftest import STAFF_PASSWORD

    sign_in(client, "ville@wprod.fi", STAFF_PASSWORD)
    assert 'id="mailbox-down"' in client.get("/staff/inbox").get_data(as_text=True)

    assert fetch(up).exit_code == 0
    assert 'id="mailbox-down"' not in client.get("/staff/inbox").get_data(as_text=True)
    with up.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("inbox.%available"))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["inbox.unavailable", "inbox.available"]
