"""Records of finished requests are kept for the notice's period (three years from closure), then
anonymised by `flask requests purge` (GDPR Art. 5(1)(e)); what proves the handling stays."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.models import (
    AccessPackage,
    Attachment,
    AuditEvent,
    OutboxMessage,
    Outcome,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from tests.integration.conftest import ticket

HELSINKI = ZoneInfo("Europe/Helsinki")
CSV = "asiakasnumero;nimi\nA-123;Maija Meikäläinen\n".encode()
PACKAGE_KEY = "ab" + "0" * 62


def helsinki_today() -> date:
    return datetime.now(HELSINKI).date()


def years_ago(years: int) -> date:
    today = helsinki_today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=HELSINKI)


@pytest.fixture
def upload_dir(app_settings) -> Path:
    return Path(app_settings["UPLOAD_DIR"])


@pytest.fixture
def answered(staff_client, make_request, db, deliver, upload_dir):
    """An access request worked and answered, with files, an access package and emails, closed
    on a given day."""

    def make(closed_on: date) -> int:
        request_id = make_request(kind=RequestKind.ACCESS)
        ticket(
            staff_client,
            request_id,
            "reply",
            {"body": "Kokoamme tietojanne.", "files": [(io.BytesIO(CSV), "maija-tiedot.csv")]},
        )
        ticket(staff_client, request_id, "note", {"body": "Tarkista laskutusjärjestelmä."})
        response = ticket(
            staff_client,
            request_id,
            "resolve",
            {
                "outcome": "partially_completed",
                "reasons": "Osa tiedoista on liikesalaisuuksia.",
                "files": [(io.BytesIO(CSV), "kopio.csv")],
            },
        )
        assert response.status_code == 302
        subject_request = db.session.get(SubjectRequest, request_id)
        subject_request.customer_number = "A-123"
        subject_request.username = "maija"
        subject_request.identity_check = "Allekirjoitettu kirje."
        subject_request.closed_at = noon(closed_on)
        # Two digits whatever the id (ids pass 99 when earlier tests used the sequence): 64 in all.
        key = f"{request_id % 100:02d}" + PACKAGE_KEY[2:]
        db.session.add(
            AccessPackage(request_id=request_id, storage_key=key, size=len(CSV), sha256="0" * 64)
        )
        db.session.commit()
        path = upload_dir / "packages" / key[:2] / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(CSV)
        deliver()
        return request_id

    return make


def package_path(upload_dir: Path, package: AccessPackage) -> Path:
    # Where portal.answering.access_package writes them.
    return upload_dir / "packages" / package.storage_key[:2] / package.storage_key


def files_on_disk(db, upload_dir: Path, request_id: int) -> list[Path]:
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.request_id == request_id)
    ).all()
    packages = db.session.scalars(
        select(AccessPackage).where(AccessPackage.request_id == request_id)
    ).all()
    paths = [upload_dir / a.storage_key[:2] / a.storage_key for a in attachments]
    paths += [package_path(upload_dir, p) for p in packages]
    return [p for p in paths if p.is_file()]


def emails_about(db, reference: str) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(reference))
    ).all()


def test_a_request_closed_three_years_and_a_day_ago_is_anonymised(
    answered, make_request, staff_client, runner, db, upload_dir
):
    expired = answered(years_ago(3) - timedelta(days=1))
    kept = answered(years_ago(3) + timedelta(days=1))
    still_open = make_request(received_days_ago=5)
    assert len(files_on_disk(db, upload_dir, expired)) == 3  # two attachments, one package
    kept_files = files_on_disk(db, upload_dir, kept)
    db.session.expire_all()

    result = runner.invoke(args=["requests", "purge"])

    assert result.exit_code == 0, result.output
    assert "anonymised 1 request, removed 3 files" in result.output
    db.session.expire_all()
    gone = db.session.get(SubjectRequest, expired)
    # What the person and staff wrote is gone ...
    assert gone.description == "" and gone.outcome_reasons is None
    assert gone.customer_number is None and gone.username is None
    assert gone.identity_check is None
    assert gone.anonymised_at is not None
    # ... and what proves the handling stays.
    assert gone.reference.startswith("WP-")
    assert gone.kind is RequestKind.ACCESS
    assert gone.status is RequestStatus.CLOSED
    assert gone.outcome is Outcome.PARTIALLY_COMPLETED
    assert gone.received_at and gone.due_on and gone.closed_at
    # The bytes are deleted from disk; the rows say when.
    assert files_on_disk(db, upload_dir, expired) == []
    attachments = db.session.scalars(select(Attachment).where(Attachment.request_id == expired))
    assert all(a.removed_at and "maija" not in a.filename for a in attachments)
    [package] = db.session.scalars(select(AccessPackage).where(AccessPackage.request_id == expired))
    assert package.removed_at is not None
    # Events keep their action, time and actor; their texts and personal details are gone.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == expired)).all()
    assert {"message.staff", "note", "request.resolved", "email.queued"} <= {
        e.action for e in events
    }
    assert all(e.body is None for e in events)
    assert not any("to" in e.details or "email_subject" in e.details for e in events)
    resolved = next(e for e in events if e.action == "request.resolved")
    assert resolved.details["outcome"] == "partially_completed" and resolved.details["files"] == 1
    [anonymised] = [e for e in events if e.action == "request.anonymised"]
    assert anonymised.actor_id is None and not anonymised.public
    removed = anonymised.details["removed"]
    assert removed["files"] == 2 and removed["packages"] == 1
    assert {"description", "outcome_reasons", "customer_number"} <= set(removed["texts"])
    assert removed["emails"] >= 4
    # Every email about it lost its address and text.
    emails = emails_about(db, gone.reference)
    assert len(emails) == removed["emails"]
    assert all(m.recipient == "" and m.body_text == "" and m.body_html == "" for m in emails)
    # The ticket still opens, showing the bare facts.
    page = staff_client.get(f"/staff/requests/{expired}").get_data(as_text=True)
    assert "liikesalaisuuksia" not in page and "maija-tiedot.csv" not in page

    # The one closed a day short of three years, and the open one, are untouched.
    for request_id, text in ((kept, "Tiedot pois."), (still_open, "Tiedot pois.")):
        untouched = db.session.get(SubjectRequest, request_id)
        assert untouched.anonymised_at is None and untouched.description == text
        assert all(m.body_text for m in emails_about(db, untouched.reference))
    assert files_on_disk(db, upload_dir, kept) == kept_files
    assert db.session.scalar(
        select(AuditEvent.body).where(AuditEvent.request_id == kept, AuditEvent.action == "note")
    )


def test_a_second_run_does_nothing(answered, runner, db):
    answered(years_ago(3) - timedelta(days=1))
    assert "anonymised 1 request" in runner.invoke(args=["requests", "purge"]).output

    again = runner.invoke(args=["requests", "purge"])

    assert again.exit_code == 0
    assert "anonymised 0 requests, removed 0 files" in again.output
    anonymised = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "request.anonymised")
    ).all()
    assert len(anonymised) == 1


def test_dry_run_reports_and_changes_nothing(answered, runner, db, upload_dir):
    request_id = answered(years_ago(4))
    on_disk = files_on_disk(db, upload_dir, request_id)

    result = runner.invoke(args=["requests", "purge", "--dry-run"])

    assert result.exit_code == 0
    assert "dry run: would anonymise 1 request, remove 3 files" in result.output
    db.session.expire_all()
    subject_request = db.session.get(SubjectRequest, request_id)
    assert subject_request.anonymised_at is None
    assert subject_request.outcome_reasons == "Osa tiedoista on liikesalaisuuksia."
    assert files_on_disk(db, upload_dir, request_id) == on_disk
    assert (
        db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "request.anonymised"))
        is None
    )
    assert all(m.body_text for m in emails_about(db, subject_request.reference))


def test_the_period_can_be_set_in_days(answered, make_app, db):
    request_id = answered(helsinki_today() - timedelta(days=40))
    app = make_app(REQUEST_RETENTION_DAYS=30)

    result = app.test_cli_runner().invoke(args=["requests", "purge"])

    assert "anonymised 1 request" in result.output
    assert db.session.get(SubjectRequest, request_id).anonymised_at is not None
