"""Request forms: each right asks only what it needs."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.files import UploadError, check_uploads
from portal.i18n import lazy_gettext as _l
from portal.models import RequestKind
from portal.web.forms import PortalForm, SubmissionKeyField

TEXT_LIMIT = 10_000


def _text_length():
    return Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters."))


def _acceptable_files(form, field) -> None:
    # Checked before anything is stored, so a refused file leaves nothing behind.
    try:
        check_uploads(field.data)
    except UploadError as exc:
        raise ValidationError(str(exc)) from None


def files_field(label=None, id: str | None = None) -> MultipleFileField:
    return MultipleFileField(
        label or _l("Attachments (optional)"), id=id, validators=[_acceptable_files]
    )


class SubjectRequestForm(PortalForm):
    description = TextAreaField(validators=[Optional(), _text_length()])
    particular_situation = TextAreaField(
        _l("Your particular situation"), validators=[Optional(), _text_length()]
    )
    customer_number = StringField(
        _l("Customer number (optional)"),
        validators=[Optional(), Length(max=64, message=_l("At most 64 characters."))],
    )
    username = StringField(
        _l("Username of the hosting service (optional)"),
        validators=[Optional(), Length(max=128, message=_l("At most 128 characters."))],
    )
    business_id = StringField(
        _l("Business ID, if you act as a company's contact person (optional)"),
        validators=[Optional(), Length(max=32, message=_l("At most 32 characters."))],
    )
    evidence = files_field(_l("Documents that show the right data (optional)"))
    # Sent back with the form: the same form submitted twice makes one request.
    submission_key = SubmissionKeyField()

    def __init__(
        self, *args, kind: RequestKind, description_label, description_required: bool, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.description_required = description_required
        self.description.label.text = description_label

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.description_required and not (self.description.data or "").strip():
            self.description.errors.append(_l("Fill in this field: we need it to act."))
            valid = False
        if (
            self.kind is RequestKind.OBJECTION
            and not (self.particular_situation.data or "").strip()
        ):
            # Notice §9; GDPR Art. 21(1).
            self.particular_situation.errors.append(
                _l("Describe the particular situation on which you base the objection.")
            )
            valid = False
        return valid


class MessageForm(PortalForm):
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write a message.")), _text_length()],
    )
    files = files_field()


class WithdrawForm(PortalForm):
    """The second step of a withdrawal. Only a POST that carries ``confirm`` (sent by the button
    on the confirmation page, never by the first button) withdraws: a withdrawal cannot be undone,
    so one stray click must not end the request."""

    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "yes"
