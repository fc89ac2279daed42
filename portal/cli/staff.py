"""``flask staff``: staff accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.group("staff", help="Staff accounts.")
def group() -> None:
    pass


@group.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the admin role (staff work and email admin).")
@click.option("--locale", type=click.Choice(["fi", "en"]), default="fi", show_default=True)
@with_appcontext
def create_staff_command(email: str, name: str, admin: bool, locale: str) -> None:
    """Create a staff user and email an invitation link to set the password."""
    from portal.accounts.services import AccountError, create_staff
    from portal.models import Role

    try:
        user = create_staff(
            email=email, name=name, role=Role.ADMIN if admin else Role.STAFF, locale=locale
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}; an invitation email is in the outbox.")
