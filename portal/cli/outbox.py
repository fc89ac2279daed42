"""``flask outbox``: the email outbox and its sender."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.extensions import db


@click.group("outbox", help="The email outbox.")
def group() -> None:
    pass


@group.command("send")
@click.option("--worker", "mode", flag_value="worker", help="Keep running until stopped.")
@click.option("--for", "duration", type=float, help="Keep running for this many seconds.")
@click.option(
    "--interval",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds between two looks at the outbox.",
)
@with_appcontext
def send_command(mode: str | None, duration: float | None, interval: float) -> None:
    """Deliver due email: once (default), for a while (--for), or as a worker (--worker).

    Any number of senders may run at once; each message is claimed before delivery, so none is
    delivered twice.
    """
    from portal.errors import database_unavailable
    from portal.mail import run_sender

    try:
        run_sender(forever=mode == "worker", duration=duration, interval=interval, echo=click.echo)
    except Exception as exc:
        # A one-off run during an outage says so in a line (and fails, for the timer to retry);
        # a worker or a timed run waits the outage out inside run_sender.
        if not database_unavailable(exc):
            raise
        raise click.ClickException(
            f"the database is unavailable, nothing was sent: {exc}"
        ) from None


@group.command("status")
@with_appcontext
def status_command() -> None:
    """Count messages by status."""
    from portal.models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    for status, count in rows:
        click.echo(f"{status.value}: {count}")
