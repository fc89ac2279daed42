"""``flask demo``: demo data for development."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db


@click.group("demo", help="Demo data for development.")
def group() -> None:
    pass


@group.command("seed")
@click.option(
    "--rebuild-register",
    is_flag=True,
    help="Drop the demo customer register's tables and build them anew.",
)
@with_appcontext
def seed_command(rebuild_register: bool) -> None:
    """Make the notice's contact person a staff user (and a demo admin); build the demo register."""
    from portal.accounts import second_factor
    from portal.accounts.passwords import hash_password
    from portal.accounts.services import find_user_by_email, normalize_email
    from portal.models import Role, User, utcnow

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is not for production.")
    credentials = Path(current_app.instance_path) / "demo-login.txt"
    if credentials.exists():
        password = credentials.read_text(encoding="utf-8").split()[0]
    else:
        # Made up on first run and kept on this machine only: nothing to guess, nothing committed.
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        credentials.write_text(password + "\n", encoding="utf-8")

    contact = current_app.extensions["notice"].contact_person
    people = [
        (contact.email, contact.name, Role.STAFF),
        ("admin@example.com", "Demo Admin", Role.ADMIN),
    ]
    for email, name, role in people:
        user = find_user_by_email(email)
        if user is None:
            user = User(email=normalize_email(email), name=name, role=role, locale="fi")
            db.session.add(user)
        user.password_hash = hash_password(password)
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        user.role = role
        if not user.has_second_factor:
            # Staff sign in with a second factor. A newcomer may have no authenticator app at
            # hand, so the demo enrols one and `flask demo code` shows its current code.
            second_factor.begin_enrolment(user)
            user.totp_enrolled_at = utcnow()
    db.session.commit()
    click.echo(f"Contact person (staff): {contact.email}  password: {password}")
    click.echo(f"Admin:                  admin@example.com  password: {password}")
    click.echo(
        "Staff also enter a code after the password: run `python3 scripts/demo.py code` "
        "(or `flask demo code`), or add these keys to an authenticator app:"
    )
    for email, _name, _role in people:
        user = find_user_by_email(email)
        click.echo(f"  {user.email}: {second_factor.grouped(user.totp_secret)}")
        click.echo(f"    {second_factor.provisioning_uri(user)}")
    seed_register(rebuild=rebuild_register)
    seed_demo_requests(find_user_by_email(contact.email))


def seed_demo_requests(staff) -> None:
    """About forty requests in every state, so the first look at the queue is a working day."""
    from portal.cli.demo_requests import seed_requests

    added, kept = seed_requests(staff)
    click.echo(f"Demo requests: {added} added, {kept} already there (kept).")


def seed_register(*, rebuild: bool) -> None:
    """WProd Oy's customer register for the notice's database systems: built once, then kept."""
    import sqlalchemy as sa

    from portal.register.demo import DEMO_DATABASES, NotTheDemo, build_register

    instance = Path(current_app.instance_path)
    # Where the notice's systems look (its url_env settings); unset, a file under instance/.
    urls = [
        current_app.config.get(setting) or os.environ.get(setting) or f"sqlite:///{instance / name}"
        for setting, name in DEMO_DATABASES
    ]
    try:
        built = build_register(*urls, today=date.today(), reset=rebuild)
    except (sa.exc.SQLAlchemyError, NotTheDemo) as error:
        raise click.ClickException(f"The demo register could not be built: {error}") from error
    shown = [sa.engine.make_url(url).render_as_string(hide_password=True) for url in urls]
    state = "built" if built.created else "already there, kept (--rebuild-register builds it anew)"
    click.echo(
        f"Demo customer register {state}: {built.counts['customers']} customers, "
        f"{built.counts['invoices']} invoices."
    )
    click.echo(f"  hosting panel: {shown[0]}\n  billing:       {shown[1]}")
    click.echo("  Among them Aino Virtanen, aino.virtanen@example.com, customer number 10001.")


@group.command("code")
@with_appcontext
def code_command() -> None:
    """Show the current sign-in code of each demo staff member (what their app would show)."""
    import time

    import pyotp
    from sqlalchemy import select

    from portal.models import User

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo codes are not for production.")
    demo_staff = db.session.scalars(
        select(User).where(User.totp_secret.is_not(None), User.totp_enrolled_at.is_not(None))
    )
    seconds_left = 30 - int(time.time()) % 30
    for user in demo_staff:
        if user.is_staff:
            click.echo(f"{user.email}: {pyotp.TOTP(user.totp_secret).now()}")
    click.echo(
        f"(the code changes in {seconds_left} seconds; each code works once, so signing in "
        "again needs the next one)"
    )
