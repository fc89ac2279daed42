"""Forms of the ticket page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.requests_.forms import TEXT_LIMIT, files_field
from portal.requests_.kinds import OUTCOME_NAMES


def _text(label, message):
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=message),
            Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters.")),
        ],
    )


class ReplyForm(FlaskForm):
    body = _text(_l("Reply to the requester"), _l("Write the reply."))
    files = files_field(_l("Files for the requester (optional)"))


class NoteForm(FlaskForm):
    body = _text(_l("Internal note (not shown to the requester)"), _l("Write the note."))
    files = files_field(_l("Internal files (optional)"))


class AskForm(FlaskForm):
    body = _text(_l("What information do you need?"), _l("Say what information you need."))


class ExtendForm(FlaskForm):
    months = SelectField(
        _l("New deadline"),
        choices=[
            SelectChoice("2", _l("Two months from receipt")),
            SelectChoice("3", _l("Three months from receipt")),
        ],
        validators=[InputRequired()],
    )
    reason = _text(_l("Reasons (sent to the requester)"), _l("Give the reasons for the extension."))


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
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    files = files_field(_l("Files for the requester, e.g. a copy of the data (optional)"))
