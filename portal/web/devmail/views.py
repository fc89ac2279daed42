"""Development only: read the local mailbox in the browser and follow its links, and answer.

Registered only when DEV_MAILBOX is on (the development configuration); the page does not exist
in testing or production, because it shows everyone's mail.

Answering a message here, or writing a new one, "sends" it to the privacy mailbox: it is stored
and sorted exactly as ``flask inbox fetch`` stores and sorts mail read over IMAP, so a newcomer
sees a reply join its ticket, or a request by email wait in the staff inbox, without a mail
server.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.inbox.fetcher import save
from portal.inbox.parse import parse
from portal.inbox.processing import sort_one
from portal.models import ArrivalSource, IncomingMessage, utcnow
from portal.web.forms import PortalForm

bp = Blueprint("devmail", __name__, url_prefix="/dev/mailbox")

URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")


def _mailbox() -> Path:
    return Path(current_app.config["MAILBOX_DIR"])


def _read(path: Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part else ""
    html_part = message.get_body(preferencelist=("html",))
    return {
        "id": path.stem,
        "to": message["To"],
        "from": message["From"],
        "subject": message["Subject"],
        "date": message["Date"],
        "reply_to": message["Reply-To"],
        "message_id": message["Message-ID"],
        "references": message["References"],
        "text": text,
        "html": html_part.get_content() if html_part else None,
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


def _inbox_page(form: WriteForm):
    directory = _mailbox()
    paths = sorted(directory.glob("*.eml"), reverse=True) if directory.is_dir() else []
    return render_template(
        "devmail/inbox.html", messages=[_read(p) for p in paths[:200]], form=form
    )


@bp.route("/")
def inbox():
    return _inbox_page(WriteForm())


def _message(message_id: str) -> dict:
    path = _mailbox() / f"{message_id}.eml"
    if not message_id.isdigit() or not path.is_file():
        abort(404)
    return _read(path)


@bp.route("/<message_id>")
def show(message_id: str):
    message = _message(message_id)
    return render_template(
        "devmail/message.html",
        message=message,
        body=_linkify(message["text"]),
        form=ReplyForm(),
    )


# The HTML part as the recipient's mail program would show it, but with nothing allowed to run,
# load or submit: the page is the message alone, sandboxed.
HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)


@bp.route("/<message_id>/html")
def show_html(message_id: str):
    message = _message(message_id)
    if not message["html"]:
        abort(404)
    response = make_response(message["html"])
    response.content_type = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = HTML_POLICY
    return response


class ReplyForm(PortalForm):
    text = TextAreaField(
        _l("Your reply"),
        validators=[
            DataRequired(message=_l("Write the reply.")),
            Length(max=10_000, message=_l("Shorten the text to at most 10,000 characters.")),
        ],
    )


class WriteForm(ReplyForm):
    sender = EmailField(
        _l("From"),
        validators=[
            DataRequired(message=_l("Enter an email address in the form name@example.fi.")),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
            Length(max=254, message=_l("The email address is too long.")),
        ],
    )
    subject = StringField(
        _l("Subject"), validators=[Length(max=300, message=_l("At most 300 characters."))]
    )


def _privacy_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def _to_the_portal(message: EmailMessage) -> None:
    """Store and sort ``message`` as the fetcher would, and say where it went."""
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="dev.example")
    raw = bytes(message)
    mailbox = "development"
    uid = (
        db.session.scalar(
            select(func.max(IncomingMessage.uid)).where(IncomingMessage.mailbox == mailbox)
        )
        or 0
    ) + 1
    stored = save(
        raw,
        parse(raw),
        mailbox=mailbox,
        uidvalidity=1,
        uid=uid,
        size=len(raw),
        arrived_at=utcnow(),
        source=ArrivalSource.FETCHED,
        config=current_app.config,
    )
    outcome = sort_one(stored) if stored is not None else None
    row = db.session.get(IncomingMessage, stored) if stored is not None else None
    if outcome == "joined" and row is not None and row.request is not None:
        flash(
            _(
                "Sent to the privacy mailbox: added to %(reference)s.",
                reference=row.request.reference,
            ),
            "success",
        )
    else:
        flash(_("Sent to the privacy mailbox: it waits in the staff inbox."), "success")


@bp.route("/<message_id>/reply", methods=["POST"])
def reply(message_id: str):
    original = _message(message_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_template(
            "devmail/message.html", message=original, body=_linkify(original["text"]), form=form
        ), 400
    answer = EmailMessage()
    answer["From"] = original["to"]
    answer["To"] = original["reply_to"] or original["from"]
    answer["Subject"] = f"Re: {original['subject']}"
    if original["message_id"]:
        answer["In-Reply-To"] = original["message_id"]
        answer["References"] = " ".join(
            filter(None, [original["references"], original["message_id"]])
        )
    quoted = "\n".join(f"> {line}" for line in original["text"].splitlines())
    # Quoted the way mail programs quote, so the ticket shows only the new text.
    header = f"{original['date']} {original['from']} kirjoitti:"
    answer.set_content(f"{form.text.data.strip()}\n\n{header}\n{quoted}\n")
    _to_the_portal(answer)
    return redirect(url_for("devmail.inbox"))


@bp.route("/write", methods=["POST"])
def write():
    form = WriteForm()
    if not form.validate_on_submit():
        return _inbox_page(form), 400
    message = EmailMessage()
    message["From"] = formataddr(("", form.sender.data.strip()))
    message["To"] = _privacy_address()
    message["Subject"] = (form.subject.data or "").strip()
    message.set_content(form.text.data.strip() + "\n")
    _to_the_portal(message)
    return redirect(url_for("devmail.inbox"))
