"""Forms of the ticket page."""

from __future__ import annotations

import re

from flask import current_app, request
from wtforms import (
    BooleanField,
    DateField,
    Field,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.i18n import lazy_gettext as _l
from portal.subject_requests.clock import controller_today
from portal.subject_requests.excessive import FEE_MAX_CENTS
from portal.subject_requests.kinds import OUTCOME_NAMES
from portal.web.forms import PortalForm, has_control_characters
from portal.web.requester.forms import TEXT_LIMIT, files_field
from portal.web.staff.letter_checks import refuse_unfilled, refuse_unfilled_but_recipients


# The ticket page holds several of these forms at once: each field gets its own HTML id (the
# name stays), so every label points at its own field.
def _text(label, message, id: str):
    return TextAreaField(
        label,
        id=id,
        validators=[DataRequired(message=message), _text_length()],
    )


def _text_length() -> Length:
    return Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters."))


class ReplyForm(PortalForm):
    body = _text(_l("Reply to the requester"), _l("Write the reply."), "reply-body")
    files = files_field(_l("Files for the requester (optional)"), "reply-files")
    validate_body = refuse_unfilled


class NoteForm(PortalForm):
    body = _text(
        _l("Internal note (not shown to the requester)"), _l("Write the note."), "note-body"
    )
    files = files_field(_l("Internal files (optional)"), "note-files")


class AskForm(PortalForm):
    body = _text(
        _l("What information do you need?"), _l("Say what information you need."), "ask-body"
    )
    # Only the first two stop the clock (portal.subject_requests.actions.QUESTION_PURPOSES).
    purpose = RadioField(
        _l("What the question is for"),
        id="ask-purpose",
        choices=[
            SelectChoice(
                "identity", _l("To confirm who is asking (GDPR Art. 12(6)): the clock pauses")
            ),
            SelectChoice("clarification", _l("To clarify an unclear request: the clock pauses")),
            SelectChoice("other", _l("Another question: the clock keeps running")),
        ],
        validators=[InputRequired(message=_l("Choose what the question is for."))],
    )
    validate_body = refuse_unfilled


class ExtendForm(PortalForm):
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
    validate_reason = refuse_unfilled


class AssignForm(PortalForm):
    assignee = SelectField(_l("Assign to"), coerce=int, validators=[InputRequired()])


# The database's integer range: a larger "id" names no request.
_MAX_ID = 2**31 - 1


class IdListField(Field):
    """Ids of checked boxes (the person's earlier requests); the service checks whose they are."""

    def process_formdata(self, valuelist) -> None:
        self.data = []
        for value in valuelist:
            if not isinstance(value, str) or not value.isdigit() or not 0 < int(value) <= _MAX_ID:
                raise ValueError(_l("Choose the earlier requests from the list."))
            self.data.append(int(value))

    def _value(self) -> str:
        return ""


_EUROS = re.compile(r"(\d{1,7})(?:[.,](\d{1,2}))?\s*(?:€|e|eur|euroa?)?", re.IGNORECASE)


def euros_to_cents(text: str) -> int | None:
    """ "15", "15,5", "15.50 €" -> cents; None when the text is not an amount of euros."""
    match = _EUROS.fullmatch(text.strip().replace("\u00a0", " ").replace(" ", ""))
    if match is None:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class ExcessiveForm(PortalForm):
    """GDPR Art. 12(5): a fee or a refusal for a manifestly unfounded or excessive request."""

    measure = RadioField(
        _l("What you decide"),
        id="excessive-measure",
        choices=[
            SelectChoice("fee", _l("Charge a reasonable fee; the request waits until it is paid")),
            SelectChoice("refusal", _l("Refuse to act on the request (closes it)")),
        ],
        validators=[InputRequired(message=_l("Choose whether to charge a fee or to refuse."))],
    )
    ground = RadioField(
        _l("Ground"),
        id="excessive-ground",
        choices=[
            SelectChoice("repetitive", _l("Repetitive: it repeats the person's earlier requests")),
            SelectChoice("manifestly_unfounded", _l("Manifestly unfounded")),
            SelectChoice("excessive", _l("Excessive for another reason")),
        ],
        validators=[InputRequired(message=_l("Choose the ground."))],
    )
    evidence = IdListField(_l("Earlier requests that show it"), id="excessive-evidence")
    fee = StringField(
        _l("Fee in euros (when charging a fee)"),
        id="excessive-fee",
        validators=[Length(max=20, message=_l("Give the fee in euros, e.g. 15 or 15,50."))],
    )
    payment = TextAreaField(
        _l("How to pay (when charging a fee; sent to the requester)"),
        id="excessive-payment",
        validators=[
            Optional(),
            Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters.")),
        ],
    )
    reasons = _text(
        _l("Reasons (sent to the requester)"),
        _l("Give the reasons: the requester is told why."),
        "excessive-reasons",
    )
    fee_cents: int | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.measure.data != "fee" or self.fee.errors:
            return valid
        self.fee_cents = euros_to_cents(self.fee.data or "")
        if self.fee_cents is None:
            self.fee.errors.append(_l("Give the fee in euros, e.g. 15 or 15,50."))
            valid = False
        elif not 0 < self.fee_cents <= FEE_MAX_CENTS:
            self.fee.errors.append(_l("Give a fee of more than 0 and at most 1,000 euros."))
            valid = False
        if not (self.payment.data or "").strip():
            self.payment.errors.append(_l("Say how the fee can be paid."))
            valid = False
        return valid


class DayField(DateField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Write the date as a date, e.g. 2026-11-25.")) from None


class FeePaidForm(PortalForm):
    paid_on = DayField(
        _l("The fee arrived on"),
        id="fee-paid-on",
        default=controller_today,
        validators=[InputRequired(message=_l("Give the day the fee arrived."))],
    )


class ResolveForm(PortalForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(value, label) for value, label in OUTCOME_NAMES.items()],
        validators=[InputRequired(message=_l("Choose the outcome."))],
    )
    reasons = TextAreaField(
        _l("Letter to the requester (required when refusing, wholly or in part)"),
        id="resolve-reasons",
        validators=[Optional(), _text_length()],
    )
    # Issue 10: {recipients} waits for the Art. 19 record; every other part must be written.
    validate_reasons = refuse_unfilled_but_recipients
    files = files_field(
        _l("Files for the requester, e.g. a copy of the data (optional)"), "resolve-files"
    )
    # GDPR Art. 19, second sentence: the person is told the recipients when they ask.
    tell_recipients = BooleanField(
        _l("The requester asked to be told who the recipients are (GDPR Art. 19)")
    )
    external_done = BooleanField(_l("The newsletter tool and other external systems are updated"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The recipients' reasons (GDPR Art. 19) are plain inputs of the ticket page, one per
        # recipient of the notice; their message shows inside the recipients' box.
        for recipient in current_app.extensions["notice"].recipients:
            reason = request.form.get(f"recipient-{recipient.key}-reason", "")
            if has_control_characters(reason):
                self.tell_recipients.errors.append(
                    _l(
                        "Remove the line breaks, tabs and other invisible control characters "
                        "from the reasons why a recipient was not told."
                    )
                )
                return False
            if len(reason) > TEXT_LIMIT:
                self.tell_recipients.errors.append(
                    _l(
                        "Shorten each reason why a recipient was not told to at most 10,000 "
                        "characters."
                    )
                )
                return False
        return valid


class LiftRestrictionForm(PortalForm):
    reason = _text(
        _l("Why the restriction is lifted (sent to the person first)"),
        _l("Say why the restriction is lifted: the person is told."),
        "lift-reason",
    )


class FinishLiftForm(PortalForm):
    """The second step of lifting a restriction: only a button."""


class LetterForm(PortalForm):
    body = _text(_l("Letter"), _l("Write the letter."), "letter-body")
