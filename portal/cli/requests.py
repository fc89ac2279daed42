"""``flask requests``: the daily jobs on data-subject requests (lapse, remind, lift
restrictions, purge)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.group("requests", help="Data-subject requests.")
def group() -> None:
    pass


@group.command("lapse")
@with_appcontext
def lapse_command() -> None:
    """Mark requests whose confirmation link expired unused as lapsed (run daily)."""
    from portal.subject_requests.actions import lapse_unconfirmed

    lapsed = lapse_unconfirmed()
    db.session.commit()
    click.echo(f"lapsed {len(lapsed)}")


@group.command("remind")
@with_appcontext
def remind_command() -> None:
    """Email due-date reminders to assignees, overdue ones to admins, and reminders of
    unanswered tasks to the systems' owners (run daily)."""
    from portal.inbox.reminders import remind_of_inbox
    from portal.intake.opening import route_waiting_requests
    from portal.register.tasks import remind_owners
    from portal.subject_requests.reminders import send_reminders

    # Requests that wait for the contact person's staff account go to it first, so that the
    # reminders reach them.
    routed = route_waiting_requests()
    if routed:
        click.echo(f"assigned {len(routed)} waiting request(s) to the contact person")
    sent = send_reminders()
    db.session.commit()
    for reference, reminder in sent:
        click.echo(f"{reference}: {reminder}")
    click.echo(f"reminders sent {len(sent)}")
    # The owners of systems reached through a task, whose answer is still missing.
    reminded = remind_owners()
    db.session.commit()
    for reference, system, reminder in reminded:
        click.echo(f"{reference}: task for {system}: {reminder}")
    click.echo(f"task reminders sent {len(reminded)}")
    # Mail nobody has sorted: its clock may already run (EDPB 01/2022 §159).

    waiting = remind_of_inbox()
    db.session.commit()
    click.echo(f"inbox reminder: {waiting} message(s) waiting")


@group.command("lift-restrictions")
@with_appcontext
def lift_restrictions_command() -> None:
    """End the restrictions whose lifting was started and whose notice was delivered, or whose
    days passed without an address or after a failed delivery (GDPR Art. 18(3); run daily)."""
    from portal.answering.rights import finish_due_lifts

    finished = finish_due_lifts()
    db.session.commit()
    for lift, how in finished:
        click.echo(f"{lift.request.reference}: restriction lifted ({how.value})")
    click.echo(f"restrictions lifted {len(finished)}")


@group.command("end-holds")
@with_appcontext
def end_holds_command() -> None:
    """Delete the rows kept after an erasure whose retention has ended, in each connected system,
    and record it on the erasure's ticket (GDPR Art. 5(1)(e); run daily)."""
    from portal.register.erasure.holds import end_holds
    from portal.register.erasure.ticket import years_kept
    from portal.subject_requests.clock import controller_today

    ended = end_holds(controller_today(), years_kept())
    db.session.commit()
    for end in ended:
        hold = end.hold
        where = f"{hold.system_key}.{hold.table_name} {hold.row_key}"
        click.echo(f"{where}: {end.how}" + (f" ({end.problem})" if end.problem else ""))
    done = sum(1 for end in ended if end.how in ("deleted", "gone"))
    longer = sum(1 for end in ended if end.how == "extended")
    click.echo(f"holds ended {done}, kept longer {longer}, failed {len(ended) - done - longer}")


@group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Anonymise requests whose retention period after closure has ended (run daily).

    GDPR Art. 5(1)(e): texts, files and emails go; reference, type, dates and outcome stay.
    """
    from portal.answering.retention import (
        RetentionError,
        anonymise,
        due_for_anonymisation,
        purge_unrelated_mail,
    )

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
        emptied = purge_unrelated_mail()
        db.session.commit()
        click.echo(f"emptied {emptied} message(s) of the inbox that were not requests")


@group.command("purge-packages")
@with_appcontext
def purge_packages_command() -> None:
    """Delete the bytes of expired access packages and of unreleased ones of closed requests."""
    from portal.answering.access_package import purge

    purged = purge()
    db.session.commit()
    click.echo(f"Deleted {len(purged)} access package(s).")
