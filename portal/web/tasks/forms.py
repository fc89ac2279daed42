"""The owner's answer to a task, and the staff form that sends one."""

from __future__ import annotations

from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.i18n import lazy_gettext as _l
from portal.register.tasks.answering import REASON_MAX
from portal.web.forms import PortalForm
from portal.web.requester.forms import files_field

MESSAGE_MAX = 2000


class AnswerDayField(DateField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Write the date as a date, e.g. 2026-11-25.")) from None


class AnswerForm(PortalForm):
    answer = RadioField(
        _l("What did you do?"),
        choices=[
            SelectChoice("done", _l("Done")),
            SelectChoice("no_data", _l("The system holds no data about this person")),
            SelectChoice("cannot", _l("It cannot be done")),
        ],
        validators=[InputRequired(message=_l("Choose your answer."))],
    )
    done_on = AnswerDayField(_l("Done on"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why it cannot be done"),
        validators=[
            Optional(),
            Length(
                max=REASON_MAX, message=_l("Write at most %(count)s characters.", count=REASON_MAX)
            ),
        ],
    )
    files = files_field(_l("Files"), "answer-files")

    def set_labels(self, export: bool) -> None:
        """An access request asks for the export; the other rights for a confirmation."""
        if export:
            self.answer.choices = [
                SelectChoice("done", _l("Here is the export")),
                *self.answer.choices[1:],
            ]
            self.files.label.text = _l("The export of the person's data")
        else:
            self.answer.choices = [
                SelectChoice("done", _l("Done: I made the change")),
                *self.answer.choices[1:],
            ]
            self.files.label.text = _l("Files that show what was done (optional)")


class SendTaskForm(PortalForm):
    message = TextAreaField(
        _l("Message to the owner (optional)"),
        validators=[
            Optional(),
            Length(
                max=MESSAGE_MAX,
                message=_l("Write at most %(count)s characters.", count=MESSAGE_MAX),
            ),
        ],
    )
