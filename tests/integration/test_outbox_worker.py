"""The mail worker delivers back-to-back while mail is due (issue 14, item 2): it rests only
after a look at the outbox found nothing to send, or during an outage.

No timing assertions: the worker's rests are counted through its ``stop`` event, whose ``wait``
is the only way a running sender pauses.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.models import OutboxMessage, OutboxStatus
from tests.conftest import SMTPSink, free_port


class CountedRests(threading.Event):
    """A ``stop`` event that records each rest of the sender and ends it at the ``last`` one,
    with how many messages the sink had received by then."""

    def __init__(self, sink: SMTPSink, last: int = 1) -> None:
        super().__init__()
        self.sink = sink
        self.last = last
        self.rests: list[tuple[float, int]] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.rests.append((timeout, len(self.sink.messages)))
        if len(self.rests) >= self.last:
            self.set()
            return True
        return False


def queue_mail(app, count: int, first: int = 0) -> None:
    """Queue ``count`` messages as the portal's services leave them: pending, due now."""
    from portal.extensions import db

    with app.app_context():
        db.session.add_all(
            OutboxMessage(
                recipient=f"henkilo{n}@example.fi",
                template="accounts/confirm",
                locale="fi",
                subject=f"Vahvista sähköpostiosoitteesi {n}",
                body_text="Hei! Vahvista osoitteesi avaamalla linkki.",
                body_html="<p>Hei! Vahvista osoitteesi avaamalla linkki.</p>",
            )
            for n in range(first, first + count)
        )
        db.session.commit()


def statuses(db) -> dict[OutboxStatus, int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return dict(rows)


def test_a_worker_delivers_every_due_message_before_it_first_rests(app, db, mailbox):
    from portal.mail import run_sender

    app.config.update(OUTBOX_BATCH_SIZE=3)
    queue_mail(app, 8)  # three batches: 3, 3 and 2, the last one not full
    rests = CountedRests(mailbox)
    with app.app_context():
        run_sender(forever=True, interval=30, stop=rests)
    # One rest, after the pass that found the outbox empty; all 8 went before it.
    assert rests.rests == [(30, 8)]
    assert statuses(db) == {OutboxStatus.SENT: 8}


def test_mail_that_comes_due_during_a_batch_is_sent_at_once_not_after_the_interval(
    app, db, mailbox, monkeypatch
):
    """A batch smaller than OUTBOX_BATCH_SIZE says nothing about what was queued while it was
    being delivered: the worker looks again at once instead of resting for the interval."""
    from portal.mail import run_sender, sender

    app.config.update(OUTBOX_BATCH_SIZE=50)
    queue_mail(app, 2)
    deliver = sender.OutboxSender.deliver_due
    passes: list[int] = []

    def deliver_and_queue_more(self, now=None):
        report = deliver(self, now)
        passes.append(len(report.sent))
        if len(passes) <= 2:
            queue_mail(app, 2, first=10 * len(passes))  # people registering meanwhile
        return report

    monkeypatch.setattr(sender.OutboxSender, "deliver_due", deliver_and_queue_more)
    rests = CountedRests(mailbox)
    with app.app_context():
        run_sender(forever=True, interval=30, stop=rests)
    assert passes == [2, 2, 2, 0]
    assert rests.rests == [(30, 6)]
    assert statuses(db) == {OutboxStatus.SENT: 6}


def test_a_one_off_run_also_takes_what_came_due_during_its_batch(app, db, mailbox, monkeypatch):
    from portal.mail import run_sender, sender

    queue_mail(app, 1)
    deliver = sender.OutboxSender.deliver_due
    passes: list[int] = []

    def deliver_and_queue_more(self, now=None):
        report = deliver(self, now)
        passes.append(len(report.sent))
        if len(passes) == 1:
            queue_mail(app, 1, first=1)
        return report

    monkeypatch.setattr(sender.OutboxSender, "deliver_due", deliver_and_queue_more)
    with app.app_context():
        run_sender()
    assert passes == [1, 1, 0]
    assert len(mailbox.messages) == 2


def test_a_worker_rests_between_tries_while_the_mail_server_is_down(app, db):
    """Going again at once is only for progress: a server that is down is tried again after a
    pause that grows (and each try costs a message one attempt, never a delivery)."""
    from portal.mail import run_sender

    app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=1)  # nothing listens there
    queue_mail(app, 3)
    down = SMTPSink(port=app.config["MAIL_PORT"])  # never started: only its empty list is read
    rests = CountedRests(down, last=3)
    with app.app_context():
        run_sender(forever=True, interval=0.5, stop=rests, max_pause=4)
    assert [pause for pause, _ in rests.rests] == [1.0, 2.0, 4.0]
    assert statuses(db) == {OutboxStatus.PENDING: 3}


def test_messages_that_fail_are_retried_later_not_in_a_tight_loop(app, db, mailbox, monkeypatch):
    """A message the server refuses gets a later attempt (backoff); the worker does not spin on
    it: after the pass that recorded the refusal, the next look finds nothing due and rests."""
    from portal.mail import run_sender, transports

    queue_mail(app, 2)
    sent = transports.SMTPTransport.send

    def refuse_the_first(self, message):
        if message.recipient == "henkilo0@example.fi":
            raise transports.DeliveryError("550 mailbox unavailable")
        return sent(self, message)

    monkeypatch.setattr(transports.SMTPTransport, "send", refuse_the_first)
    rests = CountedRests(mailbox)
    with app.app_context():
        run_sender(forever=True, interval=30, stop=rests)
    assert rests.rests == [(30, 1)]
    assert statuses(db) == {OutboxStatus.SENT: 1, OutboxStatus.PENDING: 1}
