"""Mail exactly once under faults (issue 9, item 2): slow, dripping and hanging SMTP servers,
two senders racing, and the database going away under the worker.

Every server here is real and listens on 127.0.0.1 (see tests/faults.py); timeouts are set to a
second or two so the faults cost little time, and the only timing assertions are generous bounds
that prove a sender did not wait for a fault's full length.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.models import OutboxMessage, OutboxStatus, utcnow
from tests.conftest import SMTPSink, free_port, submit
from tests.faults import (
    ClosingSMTPServer,
    DrippingSMTPServer,
    HangingSMTPServer,
    SlowSMTPSink,
    TCPProxy,
    wait_until,
)

REGISTRATION = {
    "name": "Matti Virtanen",
    "password": "sininen polkupyörä talvella",
    "password_confirm": "sininen polkupyörä talvella",
    "acknowledge": "y",
}


def queue_messages(client, count: int) -> list[str]:
    """Queue ``count`` confirmation emails the way the portal does: people register."""
    addresses = [f"henkilo{n}@example.fi" for n in range(count)]
    for address in addresses:
        assert submit(client, "/register", {**REGISTRATION, "email": address}).status_code == 302
    return addresses


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


class SenderThread(threading.Thread):
    """Runs ``target`` inside its own app context, as a separate sender process would, and keeps
    any exception for the test to see (a thread's exception would otherwise only be printed)."""

    def __init__(self, app, target) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.target = target
        self.error: BaseException | None = None

    def run(self) -> None:
        from portal.extensions import db

        with self.app.app_context():
            try:
                self.target()
            except BaseException as exc:
                self.error = exc
            finally:
                db.session.remove()


# Two senders, one slow server ------------------------------------------------------------------


def test_two_senders_deliver_each_message_exactly_once_when_a_batch_outlives_the_claim(
    app, client, db
):
    from portal.mail import deliver_due

    count, per_message = 16, 0.2
    # The first sender's batch takes about 3 s, twice the claim time: before the fix, every
    # message it claimed after the first 1.5 s was claimed with a deadline already past.
    sink = SlowSMTPSink(delay=per_message).start()
    app.config.update(
        MAIL_PORT=sink.port, OUTBOX_CLAIM_SECONDS=1.5, MAIL_DELIVERY_DEADLINE=1, MAIL_TIMEOUT=1
    )
    try:
        queue_messages(client, count)

        def sender(name: str):
            def run() -> None:
                end = time.monotonic() + 30
                while deliver_due(worker=name) and time.monotonic() < end:
                    pass

            return run

        first = SenderThread(app, sender("first"))
        first.start()
        # The second sender starts once the first one's claim time has run out mid-batch.
        time.sleep(app.config["OUTBOX_CLAIM_SECONDS"] + 0.2)
        second = SenderThread(app, sender("second"))
        second.start()
        for thread in (first, second):
            thread.join(timeout=60)
            assert thread.error is None, thread.error
    finally:
        sink.stop()

    received = sink.message_ids()
    twice = {mid: n for mid, n in received.items() if n > 1}
    assert not twice, f"{len(twice)} of {count} messages were delivered more than once"
    assert len(received) == count
    assert {m.status for m in outbox(db)} == {OutboxStatus.SENT}


def test_a_message_is_not_started_when_its_claim_would_end_before_the_delivery_deadline(
    app, client, db, mailbox
):
    from portal.mail import deliver_due

    # A claim shorter than the time a delivery may take would let another sender take the
    # message while this one is still talking to the server.
    app.config.update(OUTBOX_CLAIM_SECONDS=1, MAIL_DELIVERY_DEADLINE=2)
    queue_messages(client, 1)
    with app.app_context():
        report = deliver_due()
    assert not report
    assert mailbox.messages == []
    [message] = outbox(db)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 0  # nothing was tried, so nothing is counted
    assert message.claimed_by is None  # and the claim is given back at once


# A server that drips -----------------------------------------------------------------------------


def test_a_server_dripping_its_greeting_costs_one_deadline_and_the_message_is_retried_later(
    app, client, db, deliver
):
    # One byte every 0.25 s: the 5 s socket timeout never fires, and the whole greeting takes
    # over 11 s. The delivery deadline is 1 s.
    drip = DrippingSMTPServer(every=0.25, at="greeting").start()
    app.config.update(MAIL_PORT=drip.port, MAIL_TIMEOUT=5, MAIL_DELIVERY_DEADLINE=1)
    try:
        queue_messages(client, 1)
        started = time.monotonic()
        report = deliver()
        took = time.monotonic() - started
    finally:
        drip.stop()

    assert took < 5, f"the sender waited {took:.1f} s for a server that dripped its greeting"
    [message] = outbox(db)
    assert report.retrying == [message.id]
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "deadline" in message.last_error
    assert message.next_attempt_at > utcnow()
    assert message.claimed_by is None

    # The server is replaced by one that works; the retry delivers the message, once.
    sink = SMTPSink(drip.port).start()
    try:
        deliver(now=utcnow() + timedelta(hours=1))
    finally:
        sink.stop()
    assert len(sink.to("henkilo0@example.fi")) == 1
    [message] = outbox(db)
    assert message.status is OutboxStatus.SENT


def test_a_server_dripping_its_reply_to_the_message_costs_one_deadline_and_the_retry_keeps_its_id(
    app, client, db, deliver
):
    drip = DrippingSMTPServer(every=0.25, at="data").start()
    app.config.update(MAIL_PORT=drip.port, MAIL_TIMEOUT=5, MAIL_DELIVERY_DEADLINE=1)
    try:
        queue_messages(client, 1)
        started = time.monotonic()
        report = deliver()
        took = time.monotonic() - started
    finally:
        drip.stop()

    assert took < 5, f"the sender waited {took:.1f} s for a server that dripped its reply"
    assert len(drip.received) == 1  # the server had the message but never said it took it
    [message] = outbox(db)
    assert report.retrying == [message.id]
    assert message.status is OutboxStatus.PENDING
    assert "deadline" in message.last_error

    sink = SMTPSink(drip.port).start()
    try:
        deliver(now=utcnow() + timedelta(hours=1))
    finally:
        sink.stop()
    [retried] = sink.to("henkilo0@example.fi")
    # Unacknowledged mail must be sent again (RFC 5321 §4.5.4.1); the same Message-ID lets the
    # receiving side recognise the copy it already has.
    assert retried["Message-ID"] in drip.received[0]


# A server that accepts and hangs ---------------------------------------------------------------


def test_a_server_that_accepts_and_hangs_stops_the_batch_after_the_first_connection(
    app, client, db, deliver
):
    hang = HangingSMTPServer().start()
    app.config.update(MAIL_PORT=hang.port, MAIL_TIMEOUT=1, MAIL_DELIVERY_DEADLINE=1)
    try:
        queue_messages(client, 4)
        before = {m.id: m.next_attempt_at for m in outbox(db)}
        report = deliver()
        connections = hang.connections
    finally:
        hang.stop()

    assert connections == 1, f"the sender connected {connections} times to a hanging server"
    first, *rest = outbox(db)
    assert report.retrying == [first.id]
    assert first.attempts == 1 and "cannot connect" in first.last_error
    # The others were not tried, so they lose no attempt and keep their place in the queue.
    assert [(m.attempts, m.next_attempt_at, m.claimed_by) for m in rest] == [
        (0, before[m.id], None) for m in rest
    ]


def test_the_worker_backs_off_while_the_smtp_server_is_down_and_delivers_when_it_returns(
    app, client, db, caplog
):
    from portal.mail import run_sender

    # The server accepts and hangs up at once, so each attempt is cheap and counted. With no
    # per-message backoff, the pause between attempts can only come from the worker.
    down = ClosingSMTPServer().start()
    app.config.update(
        MAIL_PORT=down.port,
        MAIL_DELIVERY_DEADLINE=1,
        OUTBOX_RETRY_BASE_SECONDS=0,
        OUTBOX_MAX_ATTEMPTS=1000,
    )
    queue_messages(client, 3)
    stop = threading.Event()
    echoed: list[str] = []
    worker = SenderThread(
        app,
        lambda: run_sender(
            forever=True, interval=0.02, max_pause=0.3, stop=stop, echo=echoed.append
        ),
    )
    try:
        worker.start()
        time.sleep(1.5)
        connections = down.connections
    finally:
        down.stop()
    try:
        # Without a pause it would reconnect every 0.02 s: about 75 times.
        assert 1 <= connections <= 10, f"{connections} connections in 1.5 s"
        assert worker.is_alive(), worker.error

        sink = SMTPSink(down.port).start()
        try:
            assert wait_until(lambda: len(sink.messages) == 3, timeout=10)
            # The sink keeps a message before its "250" reaches the sender: stopped at once,
            # it could cut the last reply off and leave a delivered message unconfirmed.
            assert wait_until(
                lambda: {m.status for m in outbox(db)} == {OutboxStatus.SENT}, timeout=10
            )
        finally:
            sink.stop()
    finally:
        stop.set()
        worker.join(timeout=10)
    assert worker.error is None, worker.error
    assert {m.status for m in outbox(db)} == {OutboxStatus.SENT}
    assert len(sink.messages) == 3  # each once
    assert any("sent" in line for line in echoed)


# Batches ---------------------------------------------------------------------------------------


def test_a_full_batch_is_followed_by_the_next_at_once(app, client, db, mailbox):
    from portal.mail import run_sender

    app.config.update(OUTBOX_BATCH_SIZE=2)
    queue_messages(client, 5)
    started = time.monotonic()
    with app.app_context():
        # Waiting the interval after each batch, only the first would go within these 3 s.
        run_sender(duration=3, interval=30)
    took = time.monotonic() - started
    assert len(mailbox.messages) == 5
    assert took < 10, f"run_sender(duration=3) took {took:.1f} s"  # it never waits past its time


def test_one_run_delivers_every_due_message_even_beyond_one_batch(app, client, db, mailbox):
    from portal.mail import run_sender

    app.config.update(OUTBOX_BATCH_SIZE=2)
    queue_messages(client, 5)
    with app.app_context():
        run_sender()
    assert len(mailbox.messages) == 5


# The database goes away --------------------------------------------------------------------------


class DatabaseOutage:
    """Takes this test's database away from one app and gives it back.

    PostgreSQL: the app reaches the server through a TCP proxy; the outage refuses new
    connections at the proxy and ends the app's sessions with ``pg_terminate_backend``, as a
    server restart would. SQLite: another connection holds an exclusive lock, so every read and
    write fails with "database is locked", as during a long migration or a file copy.
    """

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.proxy: TCPProxy | None = None
        self.lock: sqlite3.Connection | None = None
        self.application_name = f"outbox-fault-{free_port()}"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def app_settings(self) -> dict:
        if self.is_sqlite:
            # Fail fast instead of waiting the default 5 s for the lock.
            options = {"pool_pre_ping": True, "connect_args": {"timeout": 0.1}}
            return {"SQLALCHEMY_ENGINE_OPTIONS": options}
        self.proxy = TCPProxy(self.url.host, self.url.port or 5432).start()
        proxied = self.url.set(
            host="127.0.0.1",
            port=self.proxy.port,
            query={**self.url.query, "application_name": self.application_name},
        )
        return {"SQLALCHEMY_DATABASE_URI": proxied.render_as_string(hide_password=False)}

    def begin(self) -> None:
        if self.is_sqlite:
            # Begun in one thread (the SMTP sink's), ended in another (the test's).
            self.lock = sqlite3.connect(
                self.url.database, isolation_level=None, check_same_thread=False
            )
            self.lock.execute("BEGIN EXCLUSIVE")
            return
        self.proxy.cut()
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as connection:
                terminated = connection.execute(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = :name"
                    ),
                    {"name": self.application_name},
                ).scalar()
        finally:
            engine.dispose()
        assert terminated >= 1  # the worker was connected, and now it is not

    def end(self) -> None:
        if self.is_sqlite:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None
        else:
            self.proxy.restore()

    def close(self) -> None:
        if self.lock is not None:
            self.end()
        if self.proxy is not None:
            self.proxy.stop()


def test_the_worker_survives_a_database_outage_and_delivers_after_it(
    db_backend, make_app, client, db, mailbox, caplog
):
    from portal.mail import run_sender

    caplog.set_level(logging.WARNING, logger="portal.mail")
    outage = DatabaseOutage(db_backend)
    try:
        worker_app = make_app(**outage.app_settings())
        stop = threading.Event()
        worker = SenderThread(
            worker_app,
            lambda: run_sender(forever=True, interval=0.05, max_pause=0.3, stop=stop),
        )
        worker.start()
        try:
            queue_messages(client, 1)
            assert wait_until(lambda: len(mailbox.messages) == 1, timeout=10)

            outage.begin()
            assert wait_until(
                lambda: any("database" in r.getMessage() for r in caplog.records), timeout=10
            ), "the worker never noticed the outage"
            time.sleep(0.5)  # a few more failed attempts, each followed by a pause
            assert worker.is_alive(), worker.error
            outage.end()

            queue_messages(client, 3)
            assert wait_until(lambda: len(mailbox.messages) == 4, timeout=10), (
                "the worker did not deliver after the database came back"
            )
        finally:
            stop.set()
            worker.join(timeout=10)
        assert worker.error is None, worker.error
    finally:
        outage.close()
    assert {m.status for m in outbox(db)} == {OutboxStatus.SENT}


def test_a_message_delivered_as_the_database_goes_away_is_recorded_later_not_sent_again(
    db_backend, make_app, client, db, caplog
):
    from portal.mail import run_sender

    caplog.set_level(logging.WARNING, logger="portal.mail")
    outage = DatabaseOutage(db_backend)

    class SinkThatPullsThePlug(SMTPSink):
        """Takes the message, then the database goes away before the sender can record it."""

        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            if len(self.messages) == 1:
                outage.begin()
            return reply

    sink = SinkThatPullsThePlug().start()
    try:
        worker_app = make_app(MAIL_PORT=sink.port, **outage.app_settings())
        queue_messages(client, 1)
        stop = threading.Event()
        worker = SenderThread(
            worker_app,
            lambda: run_sender(forever=True, interval=0.05, max_pause=0.3, stop=stop),
        )
        worker.start()
        try:
            assert wait_until(lambda: len(sink.messages) == 1, timeout=10)
            assert wait_until(
                lambda: any("database" in r.getMessage() for r in caplog.records), timeout=10
            )
            outage.end()
            assert wait_until(
                lambda: [m.status for m in outbox(db)] == [OutboxStatus.SENT], timeout=10
            )
            time.sleep(0.3)  # long enough for a wrong second delivery to show
        finally:
            stop.set()
            worker.join(timeout=10)
        assert worker.error is None, worker.error
    finally:
        sink.stop()
        with contextlib.suppress(Exception):
            outage.close()
    assert len(sink.messages) == 1


def test_the_delivery_deadline_bounds_a_drip_whatever_the_socket_timeout(app):
    """The deadline, not MAIL_TIMEOUT, bounds one delivery; checked on the transport alone."""
    from portal.mail import SMTPTransport, TransportDown

    drip = DrippingSMTPServer(every=0.25, at="greeting").start()
    config = {**app.config, "MAIL_PORT": drip.port, "MAIL_TIMEOUT": 60}
    config["MAIL_DELIVERY_DEADLINE"] = 0.5
    try:
        with app.app_context():
            message = OutboxMessage(
                id=1, recipient="a@example.fi", subject="s", body_text="t", body_html="h"
            )
            message.created_at = utcnow()
            started = time.monotonic()
            with pytest.raises(TransportDown, match="deadline"), SMTPTransport(config) as t:
                t.send(message)
            took = time.monotonic() - started
    finally:
        drip.stop()
    assert took < 3
