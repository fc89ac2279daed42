"""The sender: claims due messages one at a time, delivers each, records what happened.

``run_sender`` is what ``flask outbox send`` runs: once, for a while, or as a worker that outlives
outages of the mail server and of the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.errors import database_unavailable
from portal.extensions import db
from portal.mail.threads import stored_headers_of
from portal.mail.transports import (
    TRANSPORTS,
    DeliveryError,
    TransportDown,
    delivery_deadline,
)
from portal.models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

# The longest wait between two attempts, however many have failed.
MAX_BACKOFF = timedelta(hours=6)
# The longest pause of a running sender while the database or the mail server is unavailable.
MAX_PAUSE = 60.0


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # As many messages were due as one batch takes: more may be waiting.
    full: bool = False
    # The batch stopped because the mail server could not be reached or stopped answering.
    server_down: bool = False
    # The batch stopped before its end for a reason that going again at once would only repeat
    # (the mail server is down, or claims run out before the delivery deadline).
    cut_short: bool = False

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)

    @property
    def look_again_at_once(self) -> bool:
        """More mail may be due now: the batch was full, or it did some work, and in the time
        that took more messages may have been queued or come due. Only a pass that finds nothing
        to do (or an outage) lets the sender rest; waiting after every batch capped delivery at
        one batch per interval while mail was piling up."""
        return not self.cut_short and (self.full or bool(self))

    def __str__(self) -> str:
        return f"sent {len(self.sent)}, to retry {len(self.retrying)}, failed {len(self.failed)}"


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2×base, 4×base… capped at MAX_BACKOFF."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _clock(now: datetime | None) -> Callable[[], datetime]:
    """The time, read afresh each time it is asked; from ``now`` on when one is given (tests)."""
    if now is None:
        return utcnow
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def _claimable(now: datetime) -> tuple:
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _claim(message_id: int, worker: str, now: datetime | None = None) -> bool:
    """Take a message for this sender; False when another sender has it or it is done."""
    return _claim_and_load(message_id, worker, now) is not None


def _claim_and_load(
    message_id: int, worker: str, now: datetime | None = None
) -> OutboxMessage | None:
    """Take a message for this sender and return it, detached from the session, as the claim
    left it; None when another sender has it, it is done, or it is gone (an erased account's).

    The claim runs ``OUTBOX_CLAIM_SECONDS`` from the moment it is taken, never from the start of
    a batch: a claim dated from an earlier moment may already have run out, and then a second
    sender takes the message while this one is still delivering it. The attempt is counted here,
    so a message that kills its sender still runs out of attempts.
    """
    message = _take(message_id, worker, now or utcnow())
    db.session.commit()
    return message


def _take(message_id: int, worker: str, now: datetime) -> OutboxMessage | None:
    """The claim's statement, in the caller's transaction. The row comes back from the UPDATE
    itself (RETURNING), where reading it again took two more round trips per message."""
    claimed_until = now + timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    message = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_claimable(now))
        .values(claimed_by=worker, claimed_until=claimed_until, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).one_or_none()
    if message is not None:
        # Detached, it keeps its loaded values through the commit: no transaction stays open,
        # and no query runs, while the message is with the SMTP server.
        db.session.expunge(message)
    return message


class OutboxSender:
    """One sender: claims due messages one at a time, delivers each, records the outcome.

    Any number of senders may run at once, in one process or many. No database transaction is
    open while a message is with the SMTP server.
    """

    def __init__(self, worker: str | None = None) -> None:
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # Messages the server accepted while the database was unreachable: recorded as sent
        # before anything else is claimed, so the worker does not deliver them a second time.
        self.unrecorded: dict[int, datetime] = {}

    def deliver_due(self, now: datetime | None = None) -> DeliveryReport:
        """Deliver up to one batch of the messages due now; commits after each message."""
        config = current_app.config
        clock = _clock(now)
        report = DeliveryReport()
        self._record_unrecorded()
        batch_size = config["OUTBOX_BATCH_SIZE"]
        due = dict(
            db.session.execute(
                select(OutboxMessage.id, OutboxMessage.created_at)
                .where(*_claimable(clock()))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(batch_size)
            ).all()
        )
        report.full = len(due) == batch_size
        # The headers decided when each message was queued (they never change: the events are
        # append-only), read for the whole batch at once before any claim.
        headers = stored_headers_of(due)
        db.session.rollback()
        if not due:
            return report

        deadline = timedelta(seconds=delivery_deadline(config))
        with TRANSPORTS[config["MAIL_TRANSPORT"]](config) as transport:
            # The claim of each message after the first is taken in the commit that records
            # the outcome of the one before: one durable commit per message, not two (a commit
            # waits for the disk, and two of them capped a sender at ~70 messages/s). It is
            # still taken just before its delivery, and a failed commit takes neither.
            ids = list(due)
            taken: OutboxMessage | None = None
            for index, message_id in enumerate(ids):
                if taken is not None and taken.id == message_id:
                    message, taken = taken, None
                else:
                    message = _claim_and_load(message_id, self.worker, clock())
                if message is None:
                    continue  # another sender has it, it was sent meanwhile, or it was erased
                message.thread_headers = headers[message_id]
                if message.claimed_until - clock() < deadline:
                    # The claim could run out mid-delivery and let another sender start the same
                    # message. It only happens when claiming was slow (a database under strain)
                    # or OUTBOX_CLAIM_SECONDS is below MAIL_DELIVERY_DEADLINE: give it back.
                    self._release(message)
                    report.cut_short = True  # going again at once would only repeat this
                    log.warning(
                        "outbox message %s not sent: its claim ends before the delivery "
                        "deadline (OUTBOX_CLAIM_SECONDS must exceed MAIL_DELIVERY_DEADLINE)",
                        message_id,
                    )
                    break
                following = ids[index + 1] if index + 1 < len(ids) else None
                try:
                    transport.send(message)
                except TransportDown as exc:
                    self._failed(message, exc, report, clock())
                    # Every other message would wait out the same timeout: stop, back off.
                    report.server_down = True
                    report.cut_short = True
                    break
                except DeliveryError as exc:
                    taken = self._failed(message, exc, report, clock(), following)
                except Exception as exc:
                    # A message that cannot even be built must not block the queue behind it.
                    log.exception("outbox message %s could not be sent", message_id)
                    taken = self._failed(
                        message, DeliveryError(repr(exc)), report, clock(), following
                    )
                else:
                    taken = self._sent(message, report, clock(), following)
        return report

    def _record(
        self,
        message: OutboxMessage,
        claim: int | None = None,
        now: datetime | None = None,
        **values,
    ) -> OutboxMessage | None:
        """Write the outcome and end the claim, if this sender still holds it; in the same
        commit, claim message ``claim`` (the next to deliver) as of ``now``, and return it when
        it was taken."""
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == self.worker)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        lost = result.rowcount != 1
        taken = _take(claim, self.worker, now or utcnow()) if claim is not None else None
        db.session.commit()
        if lost:
            log.error("outbox message %s: its claim was lost during delivery", message.id)
        return taken

    def _sent(
        self,
        message: OutboxMessage,
        report: DeliveryReport,
        now: datetime,
        claim: int | None = None,
    ) -> OutboxMessage | None:
        try:
            taken = self._record(
                message, claim, now, status=OutboxStatus.SENT, sent_at=now, last_error=None
            )
        except Exception:
            self.unrecorded[message.id] = now
            raise
        report.sent.append(message.id)
        return taken

    def _failed(
        self,
        message: OutboxMessage,
        exc: DeliveryError,
        report: DeliveryReport,
        now: datetime,
        claim: int | None = None,
    ) -> OutboxMessage | None:
        values: dict = {"last_error": str(exc)[:2000]}
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            values["status"] = OutboxStatus.FAILED
            report.failed.append(message.id)
            log.error("outbox message %s failed for good: %s", message.id, exc)
        else:
            wait = backoff(message.attempts, current_app.config["OUTBOX_RETRY_BASE_SECONDS"])
            values["next_attempt_at"] = now + wait
            report.retrying.append(message.id)
            log.warning("outbox message %s will be retried: %s", message.id, exc)
        return self._record(message, claim, now, **values)

    def _release(self, message: OutboxMessage) -> None:
        """Give a claim back untried: the attempt it counted did not happen."""
        self._record(message, attempts=OutboxMessage.attempts - 1)

    def _record_unrecorded(self) -> None:
        for message_id, sent_at in list(self.unrecorded.items()):
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=sent_at,
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
                )
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            del self.unrecorded[message_id]
            log.info("outbox message %s, sent during a database outage, recorded", message_id)


def deliver_due(worker: str | None = None, now: datetime | None = None) -> DeliveryReport:
    """Deliver up to one batch of due messages with a sender of its own (see ``run_sender``)."""
    return OutboxSender(worker).deliver_due(now)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def run_sender(
    *,
    forever: bool = False,
    duration: float | None = None,
    interval: float = 5.0,
    echo: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    max_pause: float = MAX_PAUSE,
) -> None:
    """Deliver due email: once (default), for ``duration`` seconds, or ``forever``; for
    ``flask outbox send``. Needs an app context.

    While mail is due the sender goes from one batch to the next at once: it waits ``interval``
    seconds only after a look at the outbox found nothing to deliver. While the mail server or,
    when running for a while or forever, the database is unavailable, it logs, pauses for longer
    each time (up to ``max_pause``) and tries again. ``stop`` ends a running sender between two
    batches.
    """
    sender = OutboxSender()
    keep_going = forever or duration is not None
    ends_at = None if duration is None else time.monotonic() + duration
    failures = 0
    while True:
        pause, again_at_once = interval, False
        try:
            report = sender.deliver_due()
        except Exception as exc:
            # A one-off run reports the outage by failing; a running sender waits it out.
            if not (keep_going and database_unavailable(exc)):
                raise
            failures += 1
            pause = _pause(interval, failures, max_pause)
            log.warning(
                "outbox sender: the database is unavailable (%s); trying again in %.1f s",
                _first_line(exc),
                pause,
            )
        else:
            if report and echo is not None:
                echo(str(report))
            if report.server_down:
                failures += 1
                pause = _pause(interval, failures, max_pause)
                log.warning(
                    "outbox sender: the mail server is unavailable; next try in %.1f s", pause
                )
            else:
                failures = 0
                again_at_once = report.look_again_at_once
        finally:
            # A session whose connection died cannot be used again; the next batch gets a new one.
            with contextlib.suppress(SQLAlchemyError):
                db.session.remove()

        if (stop is not None and stop.is_set()) or (
            ends_at is not None and time.monotonic() >= ends_at
        ):
            return
        if again_at_once:
            continue
        if not keep_going:
            return
        if ends_at is not None:
            pause = min(pause, ends_at - time.monotonic())
        if stop is not None:
            if stop.wait(pause):
                return
        else:
            time.sleep(max(pause, 0))


def _pause(interval: float, failures: int, max_pause: float) -> float:
    """How long to wait after ``failures`` failed batches in a row: doubling, capped.

    At least a second to start with, so that even ``--interval 0`` does not hammer a database or
    a mail server that is down.
    """
    return min(max(interval, 1.0) * 2 ** (failures - 1), max_pause)


def retry_failed(message: OutboxMessage) -> None:
    """An admin puts a failed message back in the queue."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
