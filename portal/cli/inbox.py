"""``flask inbox``: the privacy mailbox."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("inbox", help="The privacy mailbox.")
def group() -> None:
    pass


@group.command("fetch")
@click.option("--worker", "mode", flag_value="worker", help="Keep running until stopped.")
@click.option("--for", "duration", type=float, help="Keep running for this many seconds.")
@click.option(
    "--interval",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds between two looks at the mailbox.",
)
@with_appcontext
def fetch_command(mode: str | None, duration: float | None, interval: float) -> None:
    """Store new mail from the mailbox: once (default), for a while (--for), or as a worker.

    Any number of fetchers may run at once; each message is stored once.
    """
    from portal.errors import database_unavailable
    from portal.inbox.fetcher import MailboxDown
    from portal.inbox.runner import first_line, run_fetcher

    try:
        run_fetcher(forever=mode == "worker", duration=duration, interval=interval, echo=click.echo)
    except MailboxDown as exc:
        # A one-off run during an outage says so in a line and fails, for the timer to retry.
        raise click.ClickException(
            f"the mailbox is unavailable, nothing was read: {first_line(exc)}"
        ) from None
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        raise click.ClickException(
            f"the database is unavailable, nothing was stored: {first_line(exc)}"
        ) from None
