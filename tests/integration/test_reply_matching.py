"""An incoming message matched to its request, by the reply token, the thread or the subject, and
joined only when its sender is the requester. The messages replied to are the ones the portal
delivered to the SMTP sink."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from portal.inbox.threading import Match
from portal.models import SubjectRequest, User
from tests.integration.test_mail_threading import _delivered_about


@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "MAIL_REPLY_TO_TEMPLATE": "tietosuoja+{token}@wprod.example"}


@pytest.fixture
def requester(make_user):
    return make_user(email="aino@example.fi", name="Aino Asiakas")


def _reply_to(delivered: EmailMessage, *, sender: str, to: str | None = None, thread=True):
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to or delivered["Reply-To"]
    reply["Subject"] = f"Re: {delivered['Subject']}"
    if thread:
        reply["In-Reply-To"] = delivered["Message-ID"]
        reply["References"] = delivered["Message-ID"]
    reply.set_content("Asiakasnumeroni on 12345.")
    return reply


def _match(app, message):
    from portal.inbox.threading import match_request

    with app.app_context():
        return match_request(message)


@pytest.fixture
def delivered(app, mailbox, deliver, make_request, requester):
    request_id = make_request(requester)
    messages, _ = _delivered_about(app, mailbox, deliver, request_id)
    return request_id, messages[-1]


def test_a_reply_to_the_token_address_joins_its_request(app, delivered):
    request_id, message = delivered
    reply = _reply_to(message, sender="Aino Asiakas <Aino@Example.FI>", thread=False)
    match = _match(app, reply)
    assert (match.request_id, match.by, match.joins) == (request_id, "token", True)


def test_the_token_is_found_in_delivered_to_when_to_is_the_plain_address(app, delivered):
    request_id, message = delivered
    reply = _reply_to(message, sender="aino@example.fi", to="tietosuoja@wprod.example")
    del reply["In-Reply-To"], reply["References"]
    reply["Delivered-To"] = message["Reply-To"]
    assert _match(app, reply).request_id == request_id


def test_a_reply_to_the_plain_address_is_threaded_by_in_reply_to(app, delivered):
    request_id, message = delivered
    reply = _reply_to(message, sender="aino@example.fi", to="tietosuoja@wprod.example")
    match = _match(app, reply)
    assert (match.request_id, match.by, match.joins) == (request_id, "thread", True)


def test_references_alone_are_enough(app, delivered):
    request_id, message = delivered
    reply = _reply_to(message, sender="aino@example.fi", to="tietosuoja@wprod.example")
    del reply["In-Reply-To"]
    reply.replace_header("References", f"<other@example.org> {message['Message-ID']}")
    assert _match(app, reply).request_id == request_id


def test_a_new_message_with_the_reference_in_its_subject_from_the_requester(app, db, delivered):
    request_id, _ = delivered
    reference = db.session.get(SubjectRequest, request_id).reference
    reply = EmailMessage()
    reply["From"] = "aino@example.fi"
    reply["To"] = "tietosuoja@wprod.example"
    reply["Subject"] = f"Kysymys pyynnöstä {reference.lower()}"
    reply.set_content("Milloin saan vastauksen?")
    match = _match(app, reply)
    assert (match.request_id, match.by, match.joins) == (request_id, "subject", True)


def test_a_forged_token_matches_nothing(app, delivered):
    request_id, message = delivered
    forged = f"tietosuoja+{request_id}-aaaaaaaaaaaaaaaa@wprod.example"
    reply = _reply_to(message, sender="aino@example.fi", to=forged, thread=False)
    reply.replace_header("Subject", "Re: hei")
    assert _match(app, reply).request_id is None
    # Nor as a Message-ID.
    reply["In-Reply-To"] = f"<{request_id}-aaaaaaaaaaaaaaaa.0123456789abcdef@wprod.example>"
    assert _match(app, reply).request_id is None


def test_a_token_of_another_persons_request_does_not_join(
    app, mailbox, deliver, make_request, make_user, delivered
):
    other = make_user(email="eero@example.fi", name="Eero Esimerkki")
    other_request = make_request(other)
    others, _ = _delivered_about(app, mailbox, deliver, other_request, "eero@example.fi")
    # Aino writes to Eero's request's address (she saw it somewhere): it waits for staff.
    reply = _reply_to(others[-1], sender="aino@example.fi", thread=False)
    match = _match(app, reply)
    assert (match.request_id, match.joins) == (other_request, False)


def test_a_different_sender_with_a_genuine_token_waits_for_staff(app, delivered):
    request_id, message = delivered
    reply = _reply_to(message, sender="aino.asiakas@gmail.example")
    match = _match(app, reply)
    assert (match.request_id, match.sender_matches, match.joins) == (request_id, False, False)


def test_a_stranger_typing_the_reference_in_a_subject_joins_nothing(app, delivered):
    _, message = delivered
    reply = _reply_to(
        message, sender="stranger@example.org", to="tietosuoja@wprod.example", thread=False
    )
    match = _match(app, reply)
    assert match.request_id is None and not match.joins


def test_a_requester_without_an_address_is_never_matched_by_sender(app, db, delivered):
    request_id, message = delivered
    user = db.session.scalar(select(User).where(User.email == "aino@example.fi"))
    user.email = None
    db.session.commit()
    reply = _reply_to(message, sender="aino@example.fi")
    match = _match(app, reply)
    assert (match.request_id, match.joins) == (request_id, False)


def test_thousands_of_made_up_references_cost_little_and_name_nothing(app, delivered):
    import time

    request_id, message = delivered
    made_up = " ".join(f"<{request_id}-{'a' * 16}.{i:016x}@wprod.example>" for i in range(20_000))
    reply = _reply_to(message, sender="aino@example.fi", to="tietosuoja@wprod.example")
    del reply["In-Reply-To"]
    reply.replace_header("References", made_up)
    reply.replace_header("Subject", "Re: hei")
    started = time.monotonic()
    assert _match(app, reply).request_id is None
    assert time.monotonic() - started < 2
    # The genuine id last, as a client appends the message it replies to: still found.
    reply.replace_header("References", f"{made_up} {message['Message-ID']}")
    assert _match(app, reply).request_id == request_id


def test_broken_headers_name_nothing_and_break_nothing(app, delivered):
    import email
    from email import policy

    request_id, message = delivered
    raw = (
        b"From: =?utf-8?q?broken <\r\n"
        b'To: "unterminated <tietosuoja+1-aaaa@x>, ,,, @@@\r\n'
        b"In-Reply-To: <<<>>> <a@b\r\n"
        b"Subject: =?bogus?Q?hei?=\r\n"
        b"Delivered-To: \x00\xff\r\n\r\nhei"
    )
    broken = email.message_from_bytes(raw, policy=policy.default)
    assert _match(app, broken) == Match()
    # The requester's genuine reply with a mangled extra header still finds its request.
    reply = _reply_to(message, sender="aino@example.fi")
    reply["X-Original-To"] = "\x00\xff @@@ <"
    assert _match(app, reply).joins
    assert _match(app, reply).request_id == request_id
