"""Forms of the ticket page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.subject_requests.kinds import OUTCOME_NAMES
from portal.web.requester.forms import TEXT_LIMIT, files_field


# The ticket page holds several of these forms at once: each field gets its own HTML id (the
# name stays), so every label points at its own field.
def _text(label, message, id: str):
    return TextAreaField(
        label,
        id=id,
        validators=[
            DataRequired(message=message),
            Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters.")),
        ],
    )


class ReplyForm(FlaskForm):
    body = _text(_l("Reply to the requester"), _l("Write the reply."), "reply-body")
    files = files_field(_l("Files for the requester (optional)"), "reply-files")


class NoteForm(FlaskForm):
    body = _text(
        _l("Internal note (not shown to the requester)"), _l("Write the note."), "note-body"
    )
    files = files_field(_l("Internal files (optional)"), "note-files")


class AskForm(FlaskForm):
    body = _text(
        _l("What information do you need?"), _l("Say what information you need."), "ask-body"
    )


class ExtendForm(FlaskForm):
    months = SelectField(
        _l("New deadline"),
        choices=[
            SelectChoice("2", _l("Two months from receipt")),
            SelectChoice("3", _l("Three months from receipt")),
        ],
        validators=[InputRequired()],
    )
    reason = _text(
        _l("Reasons (sent to the requester)"),
        _l("Give the reasons for the extension."),
        "extend-reason",
    )


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), coerce=int, validators=[InputRequired()])


class ResolveForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(value, label) for value, label in OUTCOME_NAMES.items()],
        validators=[InputRequired(message=_l("Choose the outcome."))],
    )
    reasons = TextAreaField(
        _l("Letter to the requester (required when refusing, wholly or in part)"),
        id="resolve-reasons",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    files = files_field(
        _l("Files for the requester, e.g. a copy of the data (optional)"), "resolve-files"
    )
    # GDPR Art. 19, second sentence: the person is told the recipients when they ask.
    tell_recipients = BooleanField(
        _l("The requester asked to be told who the recipients are (GDPR Art. 19)")
    )
    external_done = BooleanField(_l("The newsletter tool and other external systems are updated"))


class LiftRestrictionForm(FlaskForm):
    reason = _text(
        _l("Why the restriction is lifted (sent to the person first)"),
        _l("Say why the restriction is lifted: the person is told."),
        "lift-reason",
    )


class LetterForm(FlaskForm):
    body = _text(_l("Letter"), _l("Write the letter."), "letter-body")
