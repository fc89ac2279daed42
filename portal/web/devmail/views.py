"""Development only: read the local mailbox in the browser and follow its links.

Registered only when DEV_MAILBOX is on (the development configuration); the page does not exist
in testing or production, because it shows everyone's mail.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup, escape

bp = Blueprint("devmail", __name__, url_prefix="/dev/mailbox")

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


def _mailbox() -> Path:
    return Path(current_app.config["MAILBOX_DIR"])


def _read(path: Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part else ""
    return {
        "id": path.stem,
        "to": message["To"],
        "from": message["From"],
        "subject": message["Subject"],
        "date": message["Date"],
        "text": text,
    }


def _linkify(text: str) -> Markup:
    pieces = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        url = escape(match.group(0))
        pieces.append(Markup(f'<a href="{url}">{url}</a>'))  # noqa: S704 - url is escaped
        position = match.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


@bp.route("/")
def inbox():
    directory = _mailbox()
    paths = sorted(directory.glob("*.eml"), reverse=True) if directory.is_dir() else []
    return render_template("devmail/inbox.html", messages=[_read(p) for p in paths[:200]])


@bp.route("/<message_id>")
def show(message_id: str):
    if not message_id.isdigit():
        abort(404)
    path = _mailbox() / f"{message_id}.eml"
    if not path.is_file():
        abort(404)
    message = _read(path)
    return render_template("devmail/message.html", message=message, body=_linkify(message["text"]))
