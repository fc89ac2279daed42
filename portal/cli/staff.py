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
@click.option("--locale", type=click.Choice(["fi", "sv", "en"]), default="fi", show_default=True)
@with_appcontext
def create_staff_command(email: str, name: str, admin: bool, locale: str) -> None:
    """Create a staff user and email an invitation link to set the password. The contact
    person's account is given the open requests that waited for it."""
    from portal.accounts.services import AccountError, create_staff
    from portal.intake.opening import route_waiting_requests
    from portal.models import Role

    try:
        user = create_staff(
            email=email, name=name, role=Role.ADMIN if admin else Role.STAFF, locale=locale
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    routed = route_waiting_requests()
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}; an invitation email is in the outbox.")
    if routed:
        click.echo(
            f"Assigned to {user.email}: {', '.join(r.reference or str(r.id) for r in routed)}."
        )


@group.command("reset-2fa")
@click.argument("email")
@with_appcontext
def reset_second_factor_command(email: str) -> None:
    """Forget a staff member's second factor (a lost phone) and sign them out everywhere; they
    set up a new one at their next sign-in. Recorded on the audit trail."""
    from portal.accounts import second_factor
    from portal.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None or not user.is_staff:
        raise click.ClickException(f"No staff account has the address {email}.")
    second_factor.reset(user)
    db.session.commit()
    click.echo(
        f"The second factor of {user.email} is reset and every session of theirs has ended. "
        "They set up a new one when they next sign in."
    )
