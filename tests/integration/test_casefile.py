"""The case file for the supervisory authority (issue 13, item 4; GDPR Art. 5(2), 58(1)(a)): one
request's complete record as a ZIP, read back here as the authority would read it."""

from __future__ import annotations

import email
import hashlib
import io
import json
import zipfile
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.models import (
    ArrivalSource,
    AuditEvent,
    IncomingMessage,
    IncomingState,
    OutboxMessage,
    RequestKind,
    SubjectRequest,
    utcnow,
)
from tests.conftest import sign_in
from tests.integration.conftest import ticket
from tests.integration.test_retention import answered, upload_dir, years_ago  # noqa: F401

CSV = "asiakasnumero;nimi\nA-123;Maija Meikäläinen\n".encode()
RAW = (
    b"From: Henkilo <henkilo0@example.fi>\r\nTo: tietosuoja@wprod.example\r\n"
    b"Subject: Vastaus\r\nMessage-ID: <vastaus-1@example.fi>\r\n\r\nTassa lisatiedot.\r\n"
)


def case_file_url(request_id: int) -> str:
    return f"/staff/requests/{request_id}/case-file"


@pytest.fixture
def worked(make_request, staff_client, deliver, app_settings, db):
    """A request with a reply carrying a file (under a hostile name), a note, delivered email
    and a message that came in by email, its raw copy on disk."""
    request_id = make_request(kind=RequestKind.ACCESS)
    ticket(
        staff_client,
        request_id,
        "reply",
        {"body": "Kokoamme tietojasi.", "files": [(io.BytesIO(CSV), "../../tiedot.csv")]},
    )
    ticket(staff_client, request_id, "note", {"body": "Tarkista laskutus."})
    deliver()
    key = "cd" + "1" * 62
    raw = Path(app_settings["UPLOAD_DIR"]) / "inbox" / key[:2] / key
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes(RAW)
    db.session.add(
        IncomingMessage(
            mailbox="privacy@localhost/INBOX",
            uidvalidity=1,
            uid=7,
            message_id="vastaus-1@example.fi",
            sender="henkilo0@example.fi",
            subject="Vastaus",
            arrived_at=utcnow(),
            arrival_source=ArrivalSource.INTERNALDATE,
            body_text="Tässä lisätiedot.",
            attachments=[],
            storage_key=key,
            raw_size=len(RAW),
            stored_size=len(RAW),
            raw_sha256=hashlib.sha256(RAW).hexdigest(),
            state=IncomingState.JOINED,
            request_id=request_id,
        )
    )
    db.session.commit()
    return request_id


def download(client, request_id: int) -> zipfile.ZipFile:
    response = client.get(case_file_url(request_id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    # No browser or proxy keeps a copy (the app's staff pages make it plain "no-store").
    assert "no-store" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".zip" in disposition
    data = response.get_data()
    # The server closes the response after sending, which closes and deletes the temporary ZIP.
    response.close()
    return zipfile.ZipFile(io.BytesIO(data))


def recompute(case: dict) -> list[str]:
    """Each link as the authority re-computes it from case.json alone, following its algorithm
    text (no portal code): the list of event ids whose hash does not match."""
    kept_keys = set(case["chain"]["kept_detail_keys"])
    wrong, prev = [], "0" * 64

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def canonical(value) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    for event in case["events"]:
        details = event["details"]
        kept = {k: v for k, v in details.items() if k in kept_keys}
        if isinstance(details.get("attachments"), list):
            kept["files"] = len(details["attachments"])
        body_ok = sha(event["body"] or "") == event["body_digest"] or event["body"] is None
        link = {
            "v": 1,
            "prev": prev,
            "chain": event["chain"],
            "seq": event["seq"],
            "id": event["id"],
            "at": event["occurred_at"],
            "actor": event["actor_id"],
            "subject": event["subject_user_id"],
            "request": event["request_id"],
            "action": event["action"],
            "public": event["public"],
            "kept": kept,
            "body": event["body_digest"],
            "details": event["details_digest"],
        }
        if not body_ok or event["prev_hash"] != prev or sha(canonical(link)) != event["chain_hash"]:
            wrong.append(event["id"])
        prev = event["chain_hash"]
    return wrong


def test_the_case_file_holds_the_whole_record(worked, staff_client, db, contact):
    archive = download(staff_client, worked)
    names = archive.namelist()
    assert {"report.html", "case.json"} <= set(names)
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
    case = json.loads(archive.read("case.json"))
    subject_request = db.session.get(SubjectRequest, worked)

    # The request and every event, with its chain, which verifies and re-computes outside.
    assert case["request"]["reference"] == subject_request.reference
    assert case["request"]["kind"] == "access"
    db_events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.request_id == worked).order_by(AuditEvent.seq)
    ).all()
    assert [e["id"] for e in case["events"]] == [e.id for e in db_events]
    assert case["chain"]["verification"]["ok"] is True
    assert case["chain"]["verification"]["events"] == len(db_events)
    assert recompute(case) == []
    # The download itself is the file's newest event, by the staff member who took it.
    assert case["events"][-1]["action"] == "request.case_file"
    assert case["events"][-1]["actor_id"] == contact.id
    assert case["chain"]["verification"]["heads"][f"request:{worked}"] == db_events[-1].chain_hash

    # The file, byte for byte, under a name that stays in its folder.
    [stored] = case["files"]
    assert stored["filename"] == "tiedot.csv" or stored["filename"].endswith("tiedot.csv")
    assert stored["file"].startswith("files/")
    assert archive.read(stored["file"]) == CSV
    assert hashlib.sha256(CSV).hexdigest() == stored["sha256"]

    # Every email as sent: the .eml carries the subject, the address and the Message-ID queued.
    outbox = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.subject.contains(subject_request.reference))
    ).all()
    assert {m["outbox_id"] for m in case["emails"]} == {m.id for m in outbox}
    assert len(outbox) >= 2
    for entry in case["emails"]:
        mime = email.message_from_bytes(archive.read(entry["file"]), policy=policy.default)
        assert mime["Subject"] == entry["subject"]
        assert entry["to"] in mime["To"]
        assert mime["Message-ID"] == entry["headers"]["Message-ID"]
        assert entry["sent_at"] is not None and entry["status"] == "sent"

    # The mail that came in, as it arrived.
    [incoming] = case["incoming"]
    assert archive.read(incoming["file"]) == RAW
    assert incoming["sender"] == "henkilo0@example.fi"

    # The report, in Finnish, names the reference, the events, the emails and the files.
    report = archive.read("report.html").decode()
    assert '<html lang="fi">' in report
    assert subject_request.reference in report
    assert "Lokin tarkistus onnistui" in report
    assert "Kokoamme tietojasi." in report and "Tarkista laskutus." in report
    assert "Asiakirja-aineisto ladattiin." in report
    for message in outbox:
        assert message.subject.replace("'", "&#39;") in report
    assert stored["sha256"] in report
    assert "Vastaus" in report


def test_a_tampered_trail_shows_in_the_case_file(worked, staff_client, db):
    note = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.request_id == worked, AuditEvent.action == "note")
    )
    db.session.execute(
        sa.text("UPDATE audit_event SET body = 'Ei mitään.' WHERE id = :id"), {"id": note.id}
    )
    db.session.commit()
    archive = download(staff_client, worked)
    case = json.loads(archive.read("case.json"))
    verification = case["chain"]["verification"]
    assert verification["ok"] is False
    assert verification["breaks"][0]["event_id"] == note.id
    assert recompute(case) == [note.id]
    report = archive.read("report.html").decode()
    assert "Lokin tarkistus löysi katkoksen." in report
    assert f"Tapahtuma {note.id}" in report


def test_only_staff_get_a_case_file(worked, app, make_user, db):
    """The staff client of the fixture aside: a visitor is sent to sign in, a requester (even
    the one whose request it is) is refused, and nothing is recorded for either."""
    visitor = app.test_client()
    assert visitor.get(case_file_url(worked)).status_code == 302  # to the sign-in page
    make_user(email="toinen@example.fi")
    requester = app.test_client()
    assert sign_in(requester, "toinen@example.fi", "kettu juoksee metsässä").status_code == 302
    assert requester.get(case_file_url(worked)).status_code == 403
    owner_email = db.session.get(SubjectRequest, worked).requester.email
    owner = app.test_client()
    assert sign_in(owner, owner_email, "kettu juoksee metsässä").status_code == 302
    assert owner.get(case_file_url(worked)).status_code == 403
    recorded = sa.select(sa.func.count()).where(AuditEvent.action == "request.case_file")
    assert db.session.scalar(recorded) == 0


def test_an_unknown_request_has_no_case_file(staff_client):
    assert staff_client.get(case_file_url(999_999)).status_code == 404


def test_each_download_is_recorded(worked, staff_client, db):
    for _ in range(2):
        download(staff_client, worked)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.request_id == worked, AuditEvent.action == "request.case_file"
            )
        )
        == 2
    )


def test_the_ticket_part_links_to_the_case_file(worked, app, db):
    """The part the ticket page includes (templates/staff/_ticket_casefile.html)."""
    from flask import render_template

    with app.test_request_context():
        html = render_template(
            "staff/_ticket_casefile.html", subject_request=db.session.get(SubjectRequest, worked)
        )
    assert f'href="{case_file_url(worked)}"' in html
    assert "Lataa asiakirja-aineisto (ZIP)" in html


def test_an_anonymised_request_still_has_a_verifiable_case_file(answered, runner, staff_client):  # noqa: F811
    """After the retention period (GDPR Art. 5(1)(e)) the file holds the proof of handling, not
    the person's data, and its chain still verifies."""
    request_id = answered(years_ago(3) - timedelta(days=1))
    assert "anonymised 1 request" in runner.invoke(args=["requests", "purge"]).output
    archive = download(staff_client, request_id)
    case = json.loads(archive.read("case.json"))
    verification = case["chain"]["verification"]
    assert verification["ok"] is True and verification["anonymised_events"] > 0
    assert recompute(case) == []
    assert case["request"]["anonymised_at"] and not case["request"]["description"]
    assert case["files"] and all(f["file"] is None and f["removed_at"] for f in case["files"])
    assert not [n for n in archive.namelist() if n.startswith(("files/", "emails/"))]
    assert all(not e["body"] for e in case["events"])
    report = archive.read("report.html").decode()
    assert "Lokin tarkistus onnistui" in report and "säilytysajan päätyttyä" in report
    assert "Tarkista laskutusjärjestelmä." not in report  # the note's text is gone
