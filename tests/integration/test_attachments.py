"""Files on requests: evidence for a correction, a data copy from staff, files with messages.

Files are stored outside the web root, downloaded only by the requester (signed in) and staff,
every download is on the audit trail, and a refused file leaves nothing behind.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import Attachment, AuditEvent, RequestKind, SubjectRequest
from tests.conftest import REPO_ROOT, csrf_token, sign_in, submit, text_of
from tests.integration.conftest import ticket

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CSV = "asiakasnumero;nimi;sähköposti\nA-123;Maija Meikäläinen;maija@example.fi\n".encode()
PASSWORD = "kettu juoksee metsässä"


def stored_files(upload_dir: Path) -> list[Path]:
    return [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.exists() else []


@pytest.fixture
def upload_dir(app_settings) -> Path:
    return Path(app_settings["UPLOAD_DIR"])


def send_correction(client, **files):
    page = client.get("/requests/new/rectification").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    return client.post(
        "/requests/new/rectification",
        data={
            "csrf_token": csrf_token(page),
            "submission_key": key,
            "description": "Osoitteeni on väärin: oikea on Ansiotie 1.",
            **files,
        },
    )


def fetch(client, url):
    """GET a download and close it, as a browser does once it has the bytes."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def signed_in(app, email, password=PASSWORD):
    other = app.test_client()
    response = sign_in(other, email, password)
    assert response.status_code == 302
    return other


def test_correction_evidence_is_stored_outside_the_web_root_and_reaches_staff(
    app, client, make_user, login, contact, db, upload_dir
):
    make_user()
    login()
    response = send_correction(client, evidence=(io.BytesIO(PDF), "../../osoitetodistus.pdf"))
    assert response.status_code == 302

    [attachment] = db.session.scalars(select(Attachment)).all()
    # The name keeps no path; the type is the portal's own; the bytes are under the upload dir.
    assert attachment.filename == "osoitetodistus.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.public and attachment.size == len(PDF)
    [path] = stored_files(upload_dir)
    assert path.read_bytes() == PDF
    assert not path.is_relative_to(REPO_ROOT / "static")
    submitted = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "request.submitted")
    )
    assert submitted.details["attachments"][0]["sha256"] == attachment.sha256

    staff = signed_in(app, "ville@wprod.fi", "ville ville ville")
    request_id = attachment.request_id
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "osoitetodistus.pdf" in page
    download = fetch(staff, f"/staff/requests/{request_id}/files/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in download.headers["Cache-Control"]
    recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.downloaded"))
    assert recorded.actor_id == contact.id
    assert recorded.details["attachment"] == attachment.id


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"MZ\x90\x00", "ohjelma.exe"), "tämän tyyppisiä tiedostoja ei oteta vastaan"),
        # A web page renamed to .pdf is not a PDF.
        ((b"<html><script>x</script>", "todistus.pdf"), "ei näytä .pdf-tiedostolta"),
        ((b"", "tyhja.pdf"), "on tyhjä"),
    ],
)
def test_refused_evidence_keeps_what_was_written_and_stores_nothing(
    client, make_user, login, db, upload_dir, upload, message
):
    make_user()
    login()
    content, name = upload
    response = send_correction(client, evidence=(io.BytesIO(content), name))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    # What the person wrote is still in the form.
    assert "Osoitteeni on väärin: oikea on Ansiotie 1." in page
    assert db.session.scalar(select(SubjectRequest)) is None
    assert db.session.scalar(select(Attachment)) is None
    assert stored_files(upload_dir) == []


def test_oversized_file_is_refused_with_the_limit(app, client, make_user, login, db, upload_dir):
    # Small enough that the test client keeps the upload in memory.
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024 // 10
    make_user()
    login()
    big = PDF + b"0" * (1024 * 1024 // 10)
    response = send_correction(client, evidence=(io.BytesIO(big), "iso.pdf"))
    assert "iso.pdf on liian suuri: raja on 0,1 Mt tiedostoa kohden." in response.get_data(
        as_text=True
    )
    assert stored_files(upload_dir) == []


def test_a_post_beyond_the_whole_form_limit_gets_the_413_page(app, client, make_user, login):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    make_user()
    login()
    response = client.post(
        "/requests/new/rectification",
        data=b"-" * 100_000,
        content_type="multipart/form-data; boundary=raja",
    )
    assert response.status_code == 413
    assert "liian suuri" in response.get_data(as_text=True).lower()


def test_data_copy_from_staff_is_downloaded_by_the_requester_only_when_signed_in(
    app, staff_client, make_request, make_user, db, mailbox, deliver
):
    request_id = make_request(kind=RequestKind.ACCESS)
    requester_email = db.session.get(SubjectRequest, request_id).requester.email
    response = ticket(
        staff_client,
        request_id,
        "resolve",
        {
            "outcome": "completed",
            "reasons": "Ohessa kopio tiedoistanne.",
            "files": [(io.BytesIO(CSV), "tiedot.csv")],
        },
    )
    assert response.status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.public

    deliver()
    answer = mailbox.to(requester_email)[-1]
    # The email names the file but never carries it.
    assert "tiedot.csv" in text_of(answer)
    assert not any(part.get_filename() for part in answer.walk())

    url = f"/requests/{request_id}/files/{attachment.id}"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    make_user(email="toinen@example.fi", name="Toinen Henkilö")
    stranger = signed_in(app, "toinen@example.fi")
    assert stranger.get(url).status_code == 404

    requester = signed_in(app, requester_email)
    assert "tiedot.csv" in requester.get(f"/requests/{request_id}").get_data(as_text=True)
    download = fetch(requester, url)
    assert download.status_code == 200 and download.data == CSV
    downloads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "file.downloaded")
    ).all()
    assert [e.actor_id for e in downloads] == [
        db.session.get(SubjectRequest, request_id).requester_id
    ]


def test_internal_files_never_reach_the_requester(app, staff_client, make_request, db, upload_dir):
    request_id = make_request()
    ticket(
        staff_client,
        request_id,
        "note",
        {"body": "Laskutusjärjestelmän vienti.", "files": [(io.BytesIO(CSV), "sisainen.csv")]},
    )
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert not attachment.public
    email = db.session.get(SubjectRequest, request_id).requester.email
    requester = signed_in(app, email)
    assert "sisainen.csv" not in requester.get(f"/requests/{request_id}").get_data(as_text=True)
    assert requester.get(f"/requests/{request_id}/files/{attachment.id}").status_code == 404
    # Another request's id in the staff URL finds nothing either.
    other = make_request()
    assert staff_client.get(f"/staff/requests/{other}/files/{attachment.id}").status_code == 404


def test_requester_reply_with_a_file_and_a_refused_one_that_keeps_the_message(
    app, make_request, db, upload_dir, contact
):
    request_id = make_request()
    email = db.session.get(SubjectRequest, request_id).requester.email
    requester = signed_in(app, email)
    page = f"/requests/{request_id}"

    refused = submit(
        requester,
        f"/requests/{request_id}/reply",
        {"body": "Tässä henkilöllisyystodistus.", "files": [(io.BytesIO(b"MZ"), "virus.exe")]},
        page=page,
    )
    assert refused.status_code == 400
    assert "Tässä henkilöllisyystodistus." in refused.get_data(as_text=True)
    assert stored_files(upload_dir) == []

    sent = submit(
        requester,
        f"/requests/{request_id}/reply",
        {"body": "Tässä henkilöllisyystodistus.", "files": [(io.BytesIO(PDF), "passi.pdf")]},
        page=page,
    )
    assert sent.status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    message = db.session.get(AuditEvent, attachment.event_id)
    assert message.action == "message.requester"
    assert message.body == "Tässä henkilöllisyystodistus."


def test_files_written_for_a_rolled_back_transaction_are_deleted(app, make_request, upload_dir):
    from werkzeug.datastructures import FileStorage

    from portal import files
    from portal.extensions import db as portal_db

    request_id = make_request()
    with app.test_request_context():
        subject_request = portal_db.session.get(SubjectRequest, request_id)
        files.store(
            [FileStorage(io.BytesIO(PDF), filename="kesken.pdf")],
            request=subject_request,
            uploader=None,
            public=True,
        )
        assert len(stored_files(upload_dir)) == 1
        portal_db.session.rollback()
    assert stored_files(upload_dir) == []
