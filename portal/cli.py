"""``flask`` commands: staff accounts, the mail sender, demo data."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(staff)
    app.cli.add_command(outbox)
    app.cli.add_command(demo)
    app.cli.add_command(requests_group)


# Staff ------------------------------------------------------------------------------------------


@click.group(help="Staff accounts.")
def staff() -> None:
    pass


@staff.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the admin role (staff work and email admin).")
@click.option("--locale", type=click.Choice(["fi", "en"]), default="fi", show_default=True)
@with_appcontext
def create_staff_command(email: str, name: str, admin: bool, locale: str) -> None:
    """Create a staff user and email an invitation link to set the password."""
    from portal.auth.services import AccountError, create_staff
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


# Outbox -----------------------------------------------------------------------------------------


@click.group(help="The email outbox.")
def outbox() -> None:
    pass


@outbox.command("send")
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
    from portal.mail import deliver_due

    deadline = None if duration is None else time.monotonic() + duration
    keep_going = mode == "worker" or duration is not None
    while True:
        report = deliver_due()
        if report:
            click.echo(
                f"sent {len(report.sent)}, to retry {len(report.retrying)}, "
                f"failed {len(report.failed)}"
            )
        db.session.remove()
        if not keep_going or (deadline is not None and time.monotonic() >= deadline):
            break
        time.sleep(interval)


@outbox.command("status")
@with_appcontext
def status_command() -> None:
    """Count messages by status."""
    from portal.models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    for status, count in rows:
        click.echo(f"{status.value}: {count}")


# Requests ---------------------------------------------------------------------------------------


@click.group("requests", help="Data-subject requests.")
def requests_group() -> None:
    pass


@requests_group.command("lapse")
@with_appcontext
def lapse_command() -> None:
    """Mark requests whose confirmation link expired unused as lapsed (run daily)."""
    from portal.requests_.services import lapse_unconfirmed

    lapsed = lapse_unconfirmed()
    db.session.commit()
    click.echo(f"lapsed {len(lapsed)}")


@requests_group.command("remind")
@with_appcontext
def remind_command() -> None:
    """Email due-date reminders to assignees, and overdue ones to admins (run daily)."""
    from portal.requests_.reminders import send_reminders

    sent = send_reminders()
    db.session.commit()
    for reference, reminder in sent:
        click.echo(f"{reference}: {reminder}")
    click.echo(f"reminders sent {len(sent)}")


@requests_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Anonymise requests whose retention period after closure has ended (run daily).

    GDPR Art. 5(1)(e): texts, files and emails go; reference, type, dates and outcome stay.
    """
    from portal.requests_.retention import RetentionError, anonymise, due_for_anonymisation

    try:
        due = due_for_anonymisation()
    except RetentionError as exc:
        raise click.ClickException(str(exc)) from None
    removed_files = 0
    for request in due:
        removal = anonymise(request, dry_run=dry_run)
        if not dry_run:
            # One commit per request: a failure later in the run keeps what was done before it.
            db.session.commit()
        removed_files += removal.files + removal.packages
        click.echo(
            f"{removal.reference}: texts {len(removal.texts)}, files {removal.files}, "
            f"packages {removal.packages}, event texts {removal.event_bodies}, "
            f"event details {removal.event_details}, emails {removal.emails}"
        )
    requests = f"{len(due)} request{'' if len(due) == 1 else 's'}"
    removed = f"{removed_files} file{'' if removed_files == 1 else 's'}"
    if dry_run:
        click.echo(f"dry run: would anonymise {requests}, remove {removed}")
    else:
        click.echo(f"anonymised {requests}, removed {removed}")


# Demo data --------------------------------------------------------------------------------------


@click.group(help="Demo data for development.")
def demo() -> None:
    pass


@demo.command("seed")
@with_appcontext
def seed_command() -> None:
    """Make the privacy notice's contact person a staff user (and a demo admin)."""
    from portal.auth.passwords import hash_password
    from portal.auth.services import find_user_by_email, normalize_email
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
    db.session.commit()
    click.echo(f"Contact person (staff): {contact.email}  password: {password}")
    click.echo(f"Admin:                  admin@example.com  password: {password}")
