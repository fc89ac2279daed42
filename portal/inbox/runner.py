"""``run_fetcher``: what ``flask inbox fetch`` runs — once, for a while, or as a worker that
outlives outages of the mailbox and of the database, as the mail sender does.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from portal.errors import database_unavailable
from portal.extensions import db
from portal.inbox import health
from portal.inbox.fetcher import Fetcher, MailboxDown
from portal.inbox.processing import sort_new

log = logging.getLogger(__name__)

# The longest pause of a running fetcher while the mailbox or the database is unavailable.
MAX_PAUSE = 60.0


def first_line(exc: BaseException) -> str:
    """An error in one line, for a log line or a command's one-line report."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _note(reachable: bool, reason: str = "") -> None:
    """Tell staff the mailbox went down or came back; a database that is down too is the
    runner's to wait out, not this note's."""
    try:
        health.note(reachable, reason)
    except SQLAlchemyError:
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()


def run_fetcher(
    *,
    forever: bool = False,
    duration: float | None = None,
    interval: float = 30.0,
    echo: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    max_pause: float = MAX_PAUSE,
) -> None:
    """Read the mailbox: once (default), for ``duration`` seconds, or ``forever``. Needs an app
    context. A one-off run raises on an outage (MailboxDown, or the database's error); a running
    fetcher logs it, pauses for longer each time (up to ``max_pause``) and tries again.
    """
    keep_going = forever or duration is not None
    ends_at = None if duration is None else time.monotonic() + duration
    failures = 0
    while True:
        pause = interval
        try:
            try:
                report = Fetcher().fetch_new()
            except MailboxDown as exc:
                _note(False, first_line(exc))
                raise
            _note(True)
            # What this pass stored, and anything an earlier pass stored but did not sort.
            sorted_ = sort_new()
        except Exception as exc:
            outage = isinstance(exc, MailboxDown) or database_unavailable(exc)
            if not (keep_going and outage):
                raise
            failures += 1
            pause = min(max(interval, 1.0) * 2 ** (failures - 1), max_pause)
            what = "the mailbox" if isinstance(exc, MailboxDown) else "the database"
            log.warning(
                "inbox fetcher: %s is unavailable (%s); trying again in %.1f s",
                what,
                first_line(exc),
                pause,
            )
        else:
            failures = 0
            if report and echo is not None:
                echo(str(report))
            if sorted_ and echo is not None:
                echo(str(sorted_))
        finally:
            # A session whose connection died cannot be used again; the next pass gets a new one.
            with contextlib.suppress(SQLAlchemyError):
                db.session.remove()
        if (stop is not None and stop.is_set()) or not keep_going:
            return
        if ends_at is not None:
            if time.monotonic() >= ends_at:
                return
            pause = min(pause, ends_at - time.monotonic())
        if stop is not None:
            if stop.wait(pause):
                return
        else:
            time.sleep(max(pause, 0))
