"""The answer to an access request (GDPR Art. 15): staff generate a ZIP of the person's data with
the Art. 15(1) information and the files they attached, preview it, release it; the requester
downloads it while signed in, for a limited time, and every download is on the record.

Pages are read in English (the accounts' language), so the assertions do not depend on the
Finnish catalog.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.answering.access_package.contents import SCHEMA_FILE
from portal.models import (
    AccessPackage,
    Attachment,
    AuditEvent,
    OutboxMessage,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
    User,
    utcnow,
)
from tests.conftest import link_in, path_of, sign_in, submit, text_of
from tests.integration.conftest import STAFF_PASSWORD, ticket

PASSWORD = "kettu juoksee metsässä"
CSV = "asiakasnumero;nimi;laskun summa\nA-123;Maija Meikäläinen;49,00\n".encode()
NOTE = "Sisäinen: tarkista laskutuksen vienti ennen vastausta."


# Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture
def staff(app, make_user):
    """The contact person the notice names, reading the portal in English."""
    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    return signed_in(app, "ville@wprod.fi", STAFF_PASSWORD)


@pytest.fixture
def requester(make_user):
    return make_user(email="maija@example.fi", name="Maija Meikäläinen", locale="en")


@pytest.fixture
def access_request(staff, requester, make_request):
    return make_request(requester, kind=RequestKind.ACCESS)


@pytest.fixture
def packages_dir(app_settings) -> Path:
    return Path(app_settings["UPLOAD_DIR"]) / "packages"


def signed_in(app, email, password=PASSWORD):
    client = app.test_client()
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def fetch(client, url):
    """GET and close, as a browser does once it has the bytes (send_file keeps the file open)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def generate(staff, request_id):
    return submit(
        staff, f"/staff/requests/{request_id}/access-package", page=f"/staff/requests/{request_id}"
    )


def release(staff, request_id, package_id):
    return submit(
        staff,
        f"/staff/requests/{request_id}/access-package/{package_id}/release",
        page=f"/staff/requests/{request_id}",
    )


def packages(db) -> list[AccessPackage]:
    db.session.expire_all()
    return db.session.scalars(select(AccessPackage).order_by(AccessPackage.id)).all()


def events(db, action) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def stored(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.data))


def worked_ticket(app, staff, request_id):
    """A ticket as staff leave it before answering: a message from the requester, an internal
    note with an internal file, and a reply carrying the export from the billing program."""
    requester = signed_in(app, "maija@example.fi")
    assert (
        submit(
            requester,
            f"/requests/{request_id}/reply",
            {"body": "Please include my invoices too."},
            page=f"/requests/{request_id}",
        ).status_code
        == 302
    )
    assert (
        ticket(
            staff,
            request_id,
            "note",
            {"body": NOTE, "files": [(io.BytesIO(b"internal;export\n"), "sisainen.csv")]},
        ).status_code
        == 302
    )
    assert (
        ticket(
            staff,
            request_id,
            "reply",
            {
                "body": "Here is the export from our billing program.",
                "files": [(io.BytesIO(CSV), "laskutus.csv")],
            },
        ).status_code
        == 302
    )
    return requester


# A small checker for the parts of JSON Schema the schema file uses, so that the test needs no
# new dependency: types, const, enum, required, properties and additionalProperties: false.
TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def check(value, schema: dict, path: str = "data") -> None:
    assert schema.get("description"), f"{path} is not described in the schema"
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        assert any(TYPES[t](value) for t in types), f"{path}: {value!r} is not {types}"
    if "const" in schema:
        assert value == schema["const"], path
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{path}: missing {missing}"
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{path}: {extra} not described in the schema"
        for key, item in value.items():
            check(item, properties[key], f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]")


# Generating and previewing ---------------------------------------------------------------------


def test_the_package_holds_the_persons_data_the_art_15_information_and_the_staff_files(
    app, staff, requester, access_request, db, packages_dir
):
    request_id = access_request
    worked_ticket(app, staff, request_id)

    response = generate(staff, request_id)
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "The copy of the data was generated" in page
    [package] = packages(db)
    assert package.released_at is None and package.generated_by_id is not None
    [generated] = events(db, "access_package.generated")
    assert not generated.public and generated.details["package"] == package.id

    download = fetch(staff, f"/staff/requests/{request_id}/access-package/{package.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(download.data).hexdigest() == package.sha256
    archive = zip_of(download)
    billing = db.session.scalar(select(Attachment).where(Attachment.filename == "laskutus.csv"))
    assert sorted(archive.namelist()) == sorted(
        ["data.json", "schema.json", "report.html", f"files/{billing.id}-laskutus.csv"]
    )
    # The staff file is in the ZIP as it was uploaded; the internal file is not.
    assert archive.read(f"files/{billing.id}-laskutus.csv") == CSV
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"internal;export" not in everything
    assert NOTE.encode() not in everything

    data = json.loads(archive.read("data.json"))
    schema = json.loads(archive.read("schema.json"))
    assert schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    # Every list the checker walks has something in it, so every field is checked.
    [request_data] = data["requests"]
    for part in (data["emails"], data["account_history"], data["files"]):
        assert part
    assert request_data["timeline"] and request_data["files"]
    check(data, schema)

    subject_request = db.session.get(SubjectRequest, request_id)
    assert data["answers_request"] == subject_request.reference
    assert request_data["reference"] == subject_request.reference
    assert request_data["kind"] == "access"
    assert data["person"]["email"] == "maija@example.fi"
    assert data["marketing"] == {"newsletter": False, "processing_restricted_at": None}
    messages = [(e["by"], e["message"]) for e in request_data["timeline"] if e["message"]]
    assert ("requester", "Please include my invoices too.") in messages
    assert ("controller", "Here is the export from our billing program.") in messages
    assert [f["path"] for f in data["files"]] == [f"files/{billing.id}-laskutus.csv"]
    # The request lists the file too, pointing into the ZIP; the internal one it does not list.
    assert {f["filename"]: f["in_package"] for f in request_data["files"]} == {
        "laskutus.csv": f"files/{billing.id}-laskutus.csv"
    }

    # No password hash and no session nonce; no working link from an earlier email.
    user = db.session.scalar(select(User).where(User.email == "maija@example.fi"))
    assert user.password_hash.encode() not in everything
    assert user.session_nonce.encode() not in everything
    assert "password_hash" not in json.dumps(data)
    subjects = [m["subject"] for m in data["emails"]]
    assert any(subject.startswith("Confirm your request") for subject in subjects)
    confirm_mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.template == "request_confirm")
    )
    assert "/requests/confirm/" in confirm_mail.body_text
    assert b"/requests/confirm/" not in everything
    assert "[link removed]" in json.dumps(data)

    info = data["information"]
    assert info["automated_decision_making"] is False
    assert info["supervisory_authority"]["name"] == "Office of the Data Protection Ombudsman"
    assert {r["key"] for r in info["recipients"]} == {
        "hosting_provider",
        "billing_software",
        "authorities",
    }


def test_preview_shows_the_art_15_information_in_the_requesters_language_to_staff_only(
    app, staff, access_request, db
):
    request_id = access_request
    worked_ticket(app, staff, request_id)
    generate(staff, request_id)
    [package] = packages(db)
    url = f"/staff/requests/{request_id}/access-package/{package.id}/preview"

    preview = staff.get(url)
    assert preview.status_code == 200
    assert preview.mimetype == "text/html"
    # The report is shown as it is in the ZIP, with nothing allowed to run or load.
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    report = preview.get_data(as_text=True)
    assert '<html lang="en">' in report
    for point in "abcdefgh":
        assert f"GDPR Art. 15(1)({point})" in report
    assert "Delivering our products and services" in report  # purposes
    assert "Billing software partner" in report  # recipients
    assert "Accounting Act (1336/1997)" in report  # retention
    assert "six years from the end of the year in which the financial year ended" in report
    assert "Office of the Data Protection Ombudsman" in report  # supervisory authority
    assert "No automated decision-making" in report
    assert "Please include my invoices too." in report
    assert NOTE not in report
    assert "<script" not in report and "http://localhost/static" not in report

    # Not for the requester, not even their own.
    requester = signed_in(app, "maija@example.fi")
    assert requester.get(url).status_code == 403


def test_the_report_follows_a_finnish_requesters_language(app, staff, make_user, make_request, db):
    finn = make_user(email="matti@example.fi", name="Matti Virtanen", locale="fi")
    request_id = make_request(finn, kind=RequestKind.ACCESS)
    generate(staff, request_id)
    [package] = packages(db)
    archive = zip_of(
        fetch(staff, f"/staff/requests/{request_id}/access-package/{package.id}/download")
    )
    report = archive.read("report.html").decode()
    assert '<html lang="fi">' in report
    # The notice's own Finnish texts, whatever the state of the catalog.
    assert "Tuotteidemme ja palveluidemme toimittaminen" in report
    assert "Tietosuojavaltuutetun toimisto" in report
    data = json.loads(archive.read("data.json"))
    assert data["language"] == "fi"
    assert (
        data["information"]["purposes"][0]["name"] == "Tuotteidemme ja palveluidemme toimittaminen"
    )


# Releasing and downloading ---------------------------------------------------------------------


def test_released_package_is_announced_by_email_and_downloaded_by_the_requester_signed_in(
    app, staff, requester, access_request, db, mailbox, deliver, make_user
):
    request_id = access_request
    worked_ticket(app, staff, request_id)
    generate(staff, request_id)
    [package] = packages(db)
    url = f"/requests/{request_id}/access-package"
    maija = signed_in(app, "maija@example.fi")
    # Nothing to download before the release.
    assert maija.get(url).status_code == 404
    assert "Download the copy of your data" not in maija.get(f"/requests/{request_id}").get_data(
        as_text=True
    )

    response = release(staff, request_id, package.id)
    assert response.status_code == 302
    [package] = packages(db)
    assert package.released_at is not None and package.released_by_id is not None
    # Available through the whole local day that is ACCESS_PACKAGE_DAYS from today.
    [released] = events(db, "access_package.released")
    assert released.public
    until = released.details["available_until"]
    assert package.expires_at - package.released_at > timedelta(days=30)
    assert package.expires_at - package.released_at <= timedelta(days=31)

    deliver()
    [ready] = [
        m for m in mailbox.to("maija@example.fi") if m["Subject"].startswith("A copy of your data")
    ]
    assert "is ready" in text_of(ready)
    assert "do not send your data by email" in text_of(ready)
    assert not any(part.get_filename() for part in ready.walk())
    link = path_of(link_in(ready, f"/requests/{request_id}"))
    page = maija.get(link).get_data(as_text=True)
    assert "Download the copy of your data" in page
    assert "The copy of the data was released" in page  # on the requester's timeline

    download = fetch(maija, url)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in download.headers["Cache-Control"]
    assert hashlib.sha256(download.data).hexdigest() == package.sha256
    assert "report.html" in zip_of(download).namelist()
    [downloaded] = events(db, "access_package.downloaded")
    assert downloaded.actor_id == requester.id
    assert downloaded.details["package"] == package.id and downloaded.public
    assert until  # recorded with the event, shown to the requester

    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user(email="toinen@example.fi", name="Toinen Henkilö", locale="en")
    assert signed_in(app, "toinen@example.fi").get(url).status_code == 404
    # Neither of them took a copy.
    assert len(events(db, "access_package.downloaded")) == 1


def test_a_second_release_is_refused_and_changes_nothing(app, staff, access_request, db):
    request_id = access_request
    generate(staff, request_id)
    [package] = packages(db)
    assert release(staff, request_id, package.id).status_code == 302
    [before] = packages(db)
    emails_before = len(db.session.scalars(select(OutboxMessage)).all())

    again = release(staff, request_id, package.id)
    assert again.status_code == 409
    assert "already been released" in again.get_data(as_text=True)
    [after] = packages(db)
    assert (after.released_at, after.expires_at) == (before.released_at, before.expires_at)
    assert len(events(db, "access_package.released")) == 1
    assert len(db.session.scalars(select(OutboxMessage)).all()) == emails_before


def test_after_its_period_the_copy_is_gone_with_a_page_that_says_so(app, staff, access_request, db):
    request_id = access_request
    generate(staff, request_id)
    [package] = packages(db)
    release(staff, request_id, package.id)
    maija = signed_in(app, "maija@example.fi")
    url = f"/requests/{request_id}/access-package"
    assert fetch(maija, url).status_code == 200

    package = db.session.get(AccessPackage, package.id)
    package.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    expired = maija.get(url)
    assert expired.status_code == 410
    page = expired.get_data(as_text=True)
    assert "no longer available" in page
    assert "ville@wprod.fi" in page  # whom to ask
    assert "no longer available" in maija.get(f"/requests/{request_id}").get_data(as_text=True)
    assert len(events(db, "access_package.downloaded")) == 1


def test_generating_again_replaces_the_unreleased_copy(
    app, staff, access_request, db, packages_dir
):
    request_id = access_request
    generate(staff, request_id)
    [first] = packages(db)
    [first_file] = stored(packages_dir)

    assert generate(staff, request_id).status_code == 302
    first, second = packages(db)
    assert first.removed_at is not None and second.removed_at is None
    # The old bytes are gone once the new package is committed; only the new one is stored.
    assert not first_file.exists()
    assert [p.name for p in stored(packages_dir)] == [second.storage_key]
    assert events(db, "access_package.generated")[-1].details["replaced"] == [first.id]

    # The replaced copy can no longer be released.
    refused = release(staff, request_id, first.id)
    assert refused.status_code == 409
    assert "replaced by a newer one" in refused.get_data(as_text=True)
    assert all(p.released_at is None for p in packages(db))


def test_a_newer_release_replaces_the_released_copy(app, staff, access_request, db, packages_dir):
    request_id = access_request
    generate(staff, request_id)
    [first] = packages(db)
    release(staff, request_id, first.id)
    maija = signed_in(app, "maija@example.fi")
    url = f"/requests/{request_id}/access-package"

    generate(staff, request_id)
    first, second = packages(db)
    # Until the new copy is released, the requester keeps getting the first one.
    assert first.removed_at is None and second.released_at is None
    assert hashlib.sha256(fetch(maija, url).data).hexdigest() == first.sha256

    assert release(staff, request_id, second.id).status_code == 302
    first, second = packages(db)
    assert first.removed_at is not None and second.removed_at is None
    assert [p.name for p in stored(packages_dir)] == [second.storage_key]
    assert events(db, "access_package.released")[-1].details["replaced"] == [first.id]
    assert hashlib.sha256(fetch(maija, url).data).hexdigest() == second.sha256


# Refusals --------------------------------------------------------------------------------------


def test_no_package_for_an_erasure_request(app, staff, requester, make_request, db, packages_dir):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    response = generate(staff, request_id)
    assert response.status_code == 409
    assert "only for an access request" in response.get_data(as_text=True)
    assert packages(db) == [] and stored(packages_dir) == []
    assert events(db, "access_package.generated") == []


def test_no_package_and_no_release_once_the_request_is_closed(
    app, staff, access_request, db, packages_dir
):
    request_id = access_request
    generate(staff, request_id)
    [package] = packages(db)
    ticket(staff, request_id, "resolve", {"outcome": "completed", "reasons": ""})
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.CLOSED

    refused = generate(staff, request_id)
    assert refused.status_code == 409
    assert "not open" in refused.get_data(as_text=True)
    assert release(staff, request_id, package.id).status_code == 409
    assert [p.id for p in packages(db)] == [package.id]
    assert packages(db)[0].released_at is None
    assert len(stored(packages_dir)) == 1


def test_a_missing_staff_file_stops_the_package_and_leaves_nothing_behind(
    app, staff, access_request, db, packages_dir, app_settings
):
    request_id = access_request
    worked_ticket(app, staff, request_id)
    billing = db.session.scalar(select(Attachment).where(Attachment.filename == "laskutus.csv"))
    key = billing.storage_key
    (Path(app_settings["UPLOAD_DIR"]) / key[:2] / key).unlink()

    response = generate(staff, request_id)
    assert response.status_code == 409
    assert "laskutus.csv is missing" in response.get_data(as_text=True)
    assert packages(db) == [] and stored(packages_dir) == []


def test_a_package_of_another_request_is_not_found(app, staff, access_request, make_request, db):
    generate(staff, access_request)
    [package] = packages(db)
    other = make_request(kind=RequestKind.ACCESS)
    url = f"/staff/requests/{other}/access-package/{package.id}"
    assert staff.get(f"{url}/preview").status_code == 404
    assert fetch(staff, f"{url}/download").status_code == 404
    assert release(staff, other, package.id).status_code == 404
    assert packages(db)[0].released_at is None


# Removal ---------------------------------------------------------------------------------------


def test_purge_deletes_expired_copies_and_keeps_current_ones(
    app, staff, access_request, make_request, requester, db, packages_dir, runner
):
    generate(staff, access_request)
    [expiring] = packages(db)
    release(staff, access_request, expiring.id)
    current_request = make_request(requester, kind=RequestKind.ACCESS)
    generate(staff, current_request)
    package = db.session.get(AccessPackage, expiring.id)
    package.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    result = runner.invoke(args=["requests", "purge-packages"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 access package(s)." in result.output
    expired, current = packages(db)
    assert expired.removed_at is not None and current.removed_at is None
    assert [p.name for p in stored(packages_dir)] == [current.storage_key]
    [deleted] = events(db, "access_package.deleted")
    assert deleted.details == {"package": expired.id, "reason": "expired"}
    # The requester still gets the page that explains, not a bare 404.
    maija = signed_in(app, "maija@example.fi")
    assert maija.get(f"/requests/{access_request}/access-package").status_code == 410
