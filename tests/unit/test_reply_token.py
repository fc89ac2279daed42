"""The reply token: tied to one request, unguessable, checked by recomputing it."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.mail import threads


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="one-key",
        MAIL_DEFAULT_SENDER="WProd Oy <tietosuoja@wprod.example>",
        MAIL_REPLY_TO_TEMPLATE="tietosuoja+{token}@wprod.example",
    )
    with app.app_context():
        yield app


def test_a_token_names_its_request_and_no_other(app):
    token = threads.reply_token(42)
    assert threads.request_of_token(token) == 42
    assert threads.reply_token(43) != token
    # Another request's number with this request's code is a forgery.
    assert threads.request_of_token(token.replace("42-", "43-", 1)) is None


def test_a_mail_server_that_folds_case_does_not_break_it(app):
    assert threads.request_of_token(threads.reply_token(7).upper()) == 7


@pytest.mark.parametrize(
    "forged",
    ["", "42", "42-", "42-aaaaaaaaaaaaaaaa", "x-aaaaaaaaaaaaaaaa", "42-" + "a" * 40, "-1-abc"],
)
def test_anything_else_names_nothing(app, forged):
    assert threads.request_of_token(forged) is None


def test_one_changed_character_names_nothing(app):
    token = threads.reply_token(42)
    last = token[-1]
    changed = token[:-1] + ("a" if last != "a" else "b")
    assert threads.request_of_token(changed) is None


def test_another_secret_key_makes_other_tokens(app):
    token = threads.reply_token(42)
    app.config["SECRET_KEY"] = "another-key"
    assert threads.request_of_token(token) is None


def test_the_token_is_found_in_an_address_and_in_a_message_id(app):
    token = threads.reply_token(42)
    assert threads.reply_to_address(42) == f"tietosuoja+{token}@wprod.example"
    message_id = threads.new_message_id(42)
    assert message_id.endswith("@wprod.example>")
    assert threads.tokens_in(message_id) == [token]
    assert threads.tokens_in(f"tietosuoja+{token}@wprod.example") == [token]
    # Every message gets its own id.
    assert threads.new_message_id(42) != message_id


def test_without_a_template_there_is_no_reply_to(app):
    app.config["MAIL_REPLY_TO_TEMPLATE"] = None
    assert threads.reply_to_address(42) is None


def test_the_message_id_domain_can_be_set(app):
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = "mail.wprod.example"
    assert threads.new_message_id(1).endswith("@mail.wprod.example>")
