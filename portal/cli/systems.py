"""``flask systems``: the controller's systems named in the notice, for the operator.

``check`` compares each database system's description with the live database; ``find`` shows
what every system holds about one person, read-only. The operator runs these on the server, so
``find`` prints the values; the audit trail records only that a look-up was made, with counts.
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db


@click.group("systems", help="The register's systems named in the privacy notice.")
def group() -> None:
    pass


@group.command("check")
@with_appcontext
def check_command() -> None:
    """One line per system: ok, or what is wrong. Exits 1 when a configured database system
    has a problem (a system not configured on this server is shown, not a failure)."""
    from portal.register.connections import UnconfiguredConnection, connection_for

    failed = False
    for system in current_app.extensions["notice"].systems:
        connection = connection_for(system, current_app.config)
        if system.connection == "task":
            click.echo(f"{system.key}: task (owner {system.owner_email})")
            continue
        if isinstance(connection, UnconfiguredConnection):
            click.echo(f"{system.key}: {connection.problem}")
            continue
        problems, advice = connection.review()
        for problem in problems:
            click.echo(f"{system.key}: {problem}")
        if not problems:
            click.echo(f"{system.key}: ok")
        for line in advice:
            click.echo(f"{system.key}: advice: {line}")
        failed = failed or bool(problems)
    if failed:
        sys.exit(1)


@group.command("find")
@click.option("--email", required=True, help="The person's email address.")
@click.option("--customer-number", help="A customer number they gave.")
@click.option("--username", help="A username they gave.")
@click.option("--business-id", help="A business ID (Y-tunnus) they gave.")
@with_appcontext
def find_command(
    email: str, customer_number: str | None, username: str | None, business_id: str | None
) -> None:
    """Print, as JSON, what each system holds for this person. Nothing is changed."""
    from portal.register.findings import Identity
    from portal.register.lookup import as_json, look_up

    systems = current_app.extensions["notice"].systems
    identity = Identity(
        email=email, customer_number=customer_number, username=username, business_id=business_id
    )
    findings = look_up(systems, current_app.config, identity, via="cli")
    db.session.commit()
    output = {
        finding.system_key: as_json(system, finding)
        for system, finding in zip(systems, findings, strict=True)
    }
    click.echo(json.dumps(output, ensure_ascii=False, indent=2, default=str))
