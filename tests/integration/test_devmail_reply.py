"""The development mailbox answers: a reply written there reaches the privacy mailbox and is
sorted as mail read over IMAP is, so threading can be seen without a mail server."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import utcnow
from tests.conftest import submit
from tests.integration.conftest import registered_by_staff


def _app(make_app, tmp_path):
    return make_app(
        DEV_MAILBOX=True,
        MAIL_TRANSPORT="mailbox",
        MAILBOX_DIR=str(tmp_path / "mailbox"),
        MAIL_REPLY_TO_TEMPLATE="tietosuoja+{token}@wprod.example",
    )


def test_a_reply_from_the_development_mailbox_joins_the_ticket_and_resumes_the_clock(
    make_app, tmp_path, make_user, contact
):
    from datetime import timedelta

    from portal.extensions import db
    from portal.mail import deliver_due
    from portal.models import AuditEvent, SubjectRequest
    from portal.subject_requests import actions

    app = _app(make_app, tmp_path)
    with app.app_context():
        request = registered_by_staff("dev-1")
        actions.ask_for_information(
            request, request.assignee, "Mikä on asiakasnumerosi?", "clarification"
        )
        db.session.commit()
        request_id = request.id
        deliver_due(now=utcnow() + timedelta(minutes=1))
    question = sorted((tmp_path / "mailbox").glob("*.eml"))[-1].stem

    client = app.test_client()
    page = client.get(f"/dev/mailbox/{question}").get_data(as_text=True)
    assert "Mikä on asiakasnumerosi?" in page
    response = submit(
        client,
        f"/dev/mailbox/{question}/reply",
        {"text": "Se on 10001."},
        page=f"/dev/mailbox/{question}",
    )
    assert response.status_code == 302
    with app.app_context():
        request = db.session.get(SubjectRequest, request_id)
        assert request.status.value == "open"
        (message,) = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.request_id == request_id, AuditEvent.action == "message.requester"
            )
        ).all()
        assert message.body == "Se on 10001." and message.details["channel"] == "email"


def test_a_message_written_in_the_development_mailbox_waits_in_the_staff_inbox(make_app, tmp_path):
    from portal.extensions import db
    from portal.models import IncomingMessage

    app = _app(make_app, tmp_path)
    client = app.test_client()
    refused = submit(
        client, "/dev/mailbox/write", {"sender": "ei osoite", "text": ""}, page="/dev/mailbox/"
    )
    assert refused.status_code == 400
    response = submit(
        client,
        "/dev/mailbox/write",
        {"sender": "uuno@example.fi", "subject": "Tietoni", "text": "Poistakaa tietoni."},
        page="/dev/mailbox/",
    )
    assert response.status_code == 302
    with app.app_context():
        (row,) = db.session.scalars(select(IncomingMessage)).all()
        assert (row.sender, row.subject, row.state.value) == (
            "uuno@example.fi",
            "Tietoni",
            "waiting",
        )
        assert row.body_text.strip() == "Poistakaa tietoni."


def test_the_development_mailbox_shows_the_html_part_sandboxed(make_app, tmp_path, contact):
    from portal.mail import deliver_due

    app = _app(make_app, tmp_path)
    with app.app_context():
        registered_by_staff("dev-html")
        deliver_due()
    message = next(
        p
        for p in sorted((tmp_path / "mailbox").glob("*.eml"))
        if b"aino@example.fi" in p.read_bytes()
    )
    client = app.test_client()
    page = client.get(f"/dev/mailbox/{message.stem}").get_data(as_text=True)
    assert f"/dev/mailbox/{message.stem}/html" in page
    html = client.get(f"/dev/mailbox/{message.stem}/html")
    assert html.status_code == 200 and "<p>" in html.get_data(as_text=True)
    # Whatever the HTML holds, it cannot run, load or submit anything.
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
