"""Replies that can find their way back: the Reply-To token, stable Message-IDs and thread headers
on delivered mail about a request, the same Message-ID on every attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, OutboxMessage, OutboxStatus, utcnow
from tests.conftest import SMTPSink, free_port
from tests.integration.pages import query_plans

REPLY_TO = "tietosuoja+{token}@wprod.example"


@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "MAIL_REPLY_TO_TEMPLATE": REPLY_TO}


@pytest.fixture
def requester(make_user):
    return make_user(email="aino@example.fi", name="Aino Asiakas")


def _delivered_about(app, mailbox, deliver, request_id, address="aino@example.fi"):
    deliver(now=utcnow() + timedelta(minutes=1))
    with app.app_context():
        from portal.mail.threads import reply_token

        token = reply_token(request_id)
    return [m for m in mailbox.to(address) if token in (m["Message-ID"] or "")], token


def test_mail_about_a_request_carries_its_token_and_a_thread(
    app, mailbox, deliver, make_request, requester
):
    request_id = make_request(requester)
    messages, token = _delivered_about(app, mailbox, deliver, request_id)
    # Received, then confirmed: two messages about this request to Aino.
    assert len(messages) >= 2
    for message in messages:
        assert message["Reply-To"] == f"tietosuoja+{token}@wprod.example"
        assert message["Message-ID"].endswith("@wprod.example>")
    first, second = messages[0], messages[1]
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"].split() == [first["Message-ID"]]
    if len(messages) > 2:
        assert messages[2]["References"].split() == [first["Message-ID"], second["Message-ID"]]
    assert len({m["Message-ID"] for m in messages}) == len(messages)


def test_another_request_has_another_token_and_thread(
    app, mailbox, deliver, make_request, requester
):
    one = make_request(requester)
    other = make_request(requester)
    ones, one_token = _delivered_about(app, mailbox, deliver, one)
    others, other_token = _delivered_about(app, mailbox, deliver, other)
    assert one_token != other_token
    assert ones and others
    # The other request's first message starts its own thread.
    assert others[0]["In-Reply-To"] is None
    assert {m["Message-ID"] for m in ones}.isdisjoint({m["Message-ID"] for m in others})


def test_without_a_reply_to_template_replies_go_to_the_sender_as_before(
    app, mailbox, deliver, make_request, requester
):
    app.config["MAIL_REPLY_TO_TEMPLATE"] = None
    request_id = make_request(requester)
    messages, _ = _delivered_about(app, mailbox, deliver, request_id)
    assert messages
    assert all(m["Reply-To"] is None for m in messages)


class RefusingSink(SMTPSink):
    """Takes the whole message, then answers 451: the sender must try again."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        return "451 Requested action aborted: local error in processing"


def test_a_retry_sends_the_same_message_id(app, db, mailbox, deliver, make_request, requester):
    refusing = RefusingSink(free_port()).start()
    app.config["MAIL_PORT"] = refusing.port
    try:
        request_id = make_request(requester)
        first_try = deliver()
    finally:
        refusing.stop()
    assert first_try.retrying and not first_try.sent
    app.config["MAIL_PORT"] = mailbox.port
    second_try = deliver(now=utcnow() + timedelta(hours=1))
    assert sorted(second_try.sent) == sorted(first_try.retrying)

    queued = {
        e.details["outbox_id"]: e.details["message_id"]
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.request_id == request_id, AuditEvent.action == "email.queued"
            )
        )
    }
    refused = {m["Message-ID"] for m in refusing.messages}
    delivered = {m["Message-ID"] for m in mailbox.messages}
    # Each attempt of one outbox message carried the id recorded when it was queued.
    assert len(refusing.messages) == len(queued) >= 2
    assert refused == delivered == set(queued.values())
    for outbox_id in queued:
        assert db.session.get(OutboxMessage, outbox_id).status is OutboxStatus.SENT


def test_a_question_staff_ask_on_the_ticket_continues_the_thread(
    app, mailbox, deliver, make_request, requester, staff_client
):
    from tests.integration.conftest import ticket

    request_id = make_request(requester)
    before, token = _delivered_about(app, mailbox, deliver, request_id)
    mailbox.messages.clear()
    response = ticket(
        staff_client,
        request_id,
        "ask",
        {"body": "Kerro asiakasnumerosi.", "purpose": "identity"},
    )
    assert response.status_code == 302
    [question] = [
        m
        for m in _delivered_about(app, mailbox, deliver, request_id)[0]
        if "asiakasnumerosi" in m.get_body(preferencelist=("plain",)).get_content()
    ]
    assert question["Reply-To"] == f"tietosuoja+{token}@wprod.example"
    # It answers the last message Aino got about this request, and names the whole thread.
    assert question["In-Reply-To"] == before[-1]["Message-ID"]
    assert question["References"].split() == [m["Message-ID"] for m in before]


def test_a_long_paragraph_arrives_whole_in_lines_a_mail_server_accepts(
    app, mailbox, deliver, make_request, requester, contact
):
    """RFC 5322 2.1.1: no line over 998 characters. A letter's paragraph can be longer; sent as
    8bit it made strict servers refuse the message ("500 Line too long")."""
    from portal.extensions import db
    from portal.models import SubjectRequest, User
    from portal.subject_requests import actions
    from tests.conftest import html_of, text_of

    request_id = make_request(requester)
    paragraph = "Käsittelimme pyyntösi huolellisesti ja " * 80  # about 3,100 characters
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
        actions.reply(db.session.get(SubjectRequest, request_id), staff, paragraph)
        db.session.commit()
    deliver(now=utcnow() + timedelta(minutes=1))
    assert mailbox.raw
    assert all(max(len(line) for line in raw.splitlines()) <= 998 for raw in mailbox.raw)
    reply = [m for m in mailbox.to("aino@example.fi") if paragraph.strip() in text_of(m)]
    assert reply and paragraph.strip()[:200] in html_of(reply[0])


def test_the_sender_reads_only_the_queued_events_of_the_hour(app, db_backend):
    """The thread headers of a batch are read along the (action, occurred_at) index, one range a
    batch: never every email.queued event there is (issue 14: 440 ms a batch on SQLite at
    270,000 of them, a mail worker held to 30 messages a second)."""
    from portal.mail.threads import stored_headers_of

    now = utcnow()
    # Two messages queued days apart: two ranges of the index.
    plans = query_plans(
        app, lambda: stored_headers_of({1: now, 2: now - timedelta(days=3)}), "audit_event"
    )
    assert len(plans) == 1
    plan = plans[0]
    if db_backend.startswith("postgresql"):
        # Whether it also bounds the time by the index follows the table's statistics, which an
        # empty table has none of (at 100,000 requests: a BitmapOr of the two ranges).
        assert any("ix_audit_event_action_occurred_at" in line for line in plan), plan
    else:
        # Each range searched by action and time, not by action alone.
        searches = [line for line in plan if "ix_audit_event_action_occurred_at" in line]
        assert len(searches) == 2 and all("occurred_at>" in line for line in searches), plan
