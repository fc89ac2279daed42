"""``flask audit``: the audit trail's hash chains (GDPR Art. 5(2): the controller must be able to
show that its record of each request is the one it wrote)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

# Enough to find where to look; the count says how many there are in all.
SHOWN_BREAKS = 10


@click.group("audit", help="The audit trail.")
def group() -> None:
    pass


@group.command("verify")
@click.option(
    "--request",
    "request_id",
    type=click.IntRange(min=1),
    help="Check only the chain of this request (its id).",
)
@with_appcontext
def verify_command(request_id: int | None) -> None:
    """Check every chain of the audit trail: each event against its own hash, each link against
    the event before it, and each chain's end against its head. Exits 1 at any break, naming the
    first one."""
    from portal.audit import verify

    result = verify([f"request:{request_id}"] if request_id else None)
    click.echo(
        f"{result.events} events in {result.chains} chains checked"
        f" ({result.anonymised} with bodies or details removed by retention)."
    )
    if result.ok:
        click.echo("The audit trail verifies: no event was changed, inserted or removed.")
        return
    click.echo(f"BROKEN: {len(result.breaks)} break(s). The first: {result.breaks[0]}", err=True)
    for found in result.breaks[1:SHOWN_BREAKS]:
        click.echo(f"  also: {found}", err=True)
    if len(result.breaks) > SHOWN_BREAKS:
        click.echo(f"  and {len(result.breaks) - SHOWN_BREAKS} more.", err=True)
    raise SystemExit(1)
