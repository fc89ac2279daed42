"""Staff register a request that came by letter, by email or in person (notice §10)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.extensions import db
from portal.i18n import language_choices
from portal.intake import manual as intake
from portal.models import Channel, RequestKind
from portal.subject_requests.clock import controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.web.forms import EMAIL_MAX, NAME_MAX, LengthAfter, PortalForm, SubmissionKeyField
from portal.web.requester.forms import TEXT_LIMIT
from portal.web.staff.views import bp, staff_required

# GDPR Art. 99(2).
GDPR_APPLIES = date(2018, 5, 25)


def _text_length() -> Length:
    return Length(max=TEXT_LIMIT, message=_l("Shorten the text to at most 10,000 characters."))


def _short(limit: int, message) -> list:
    return [Optional(), Length(max=limit, message=message)]


class IntakeForm(PortalForm):
    kind = SelectField(
        _l("Type of request"),
        choices=[SelectChoice(kind.value, info.title) for kind, info in KINDS.items()],
        validators=[InputRequired(message=_l("Choose the type of request."))],
    )
    received_on = DateField(
        _l("Received on"),
        validators=[InputRequired(message=_l("Give the date the request arrived."))],
    )
    channel = RadioField(
        _l("Arrived by"),
        choices=[
            SelectChoice(channel.value, intake.CHANNEL_NAMES[channel.value])
            for channel in intake.MANUAL_CHANNELS
        ],
        validators=[InputRequired(message=_l("Choose how the request arrived."))],
    )
    # The language of the acknowledgement, the letters and the copy of the data: Finnish,
    # Swedish (Finland's two national languages) or English, as the person wrote.
    language = SelectField(
        _l("The person's language"),
        choices=language_choices,
        default="fi",
        validators=[DataRequired(message=_l("Choose the person's language."))],
    )
    name = StringField(
        _l("The person's name"),
        validators=[
            DataRequired(message=_l("Enter the person's name.")),
            Length(max=NAME_MAX, message=_l("The name is too long (at most 200 characters).")),
        ],
    )
    email = EmailField(
        _l("Email address (optional)"),
        # Pasted from a letter or an email, an address often brings spaces with it.
        filters=[lambda value: value.strip() if value else value],
        validators=[
            Optional(),
            # Counted as stored: lower-cased, which can lengthen it.
            LengthAfter(str.lower, EMAIL_MAX, _l("The email address is too long.")),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
    )
    identity_check = TextAreaField(
        _l("How the person's identity was checked"),
        validators=[
            DataRequired(message=_l("Say how you checked the person's identity.")),
            _text_length(),
        ],
    )
    description = TextAreaField(_l("What the person asks"), validators=[Optional(), _text_length()])
    particular_situation = TextAreaField(
        _l("Their particular situation (for an objection)"),
        validators=[Optional(), _text_length()],
    )
    customer_number = StringField(
        _l("Customer number (optional)"), validators=_short(64, _l("At most 64 characters."))
    )
    username = StringField(
        _l("Username of the hosting service (optional)"),
        validators=_short(128, _l("At most 128 characters.")),
    )
    business_id = StringField(
        _l("Business ID (optional)"), validators=_short(32, _l("At most 32 characters."))
    )
    # Sent back with the form: the same form submitted twice registers one request.
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker offers only these days; the checks below are what counts.
        self.received_on.render_kw = {
            "min": GDPR_APPLIES.isoformat(),
            "max": controller_today().isoformat(),
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.received_on.data and self.received_on.data > controller_today():
            # The clock starts on receipt (GDPR Art. 12(3)); a future day would delay the due date.
            self.received_on.errors.append(_l("The date of receipt cannot be in the future."))
            valid = False
        elif self.received_on.data and self.received_on.data < GDPR_APPLIES:
            # Before it there was no such request, and a date near year 1 cannot be stored.
            self.received_on.errors.append(
                _l("The date of receipt cannot be before 25 May 2018, when the GDPR took effect.")
            )
            valid = False
        if self.kind.data not in {kind.value for kind in RequestKind}:
            return valid
        kind = RequestKind(self.kind.data)
        if KINDS[kind].description_required and not (self.description.data or "").strip():
            self.description.errors.append(_l("Fill in this field: we need it to act."))
            valid = False
        if kind is RequestKind.OBJECTION and not (self.particular_situation.data or "").strip():
            # Notice §9; GDPR Art. 21(1).
            self.particular_situation.errors.append(
                _l("Describe the particular situation on which the objection is based.")
            )
            valid = False
        return valid


@bp.app_context_processor
def _channel_names() -> dict:
    # For the ticket facts and the timeline, wherever they are shown.
    return {"channel_names": intake.CHANNEL_NAMES}


@bp.route("/intake", methods=["GET", "POST"])
@staff_required
def register_request():
    form = IntakeForm()
    if form.validate_on_submit():
        try:
            subject_request = intake.register_request(
                current_user,
                RequestKind(form.kind.data),
                received_on=form.received_on.data,
                channel=Channel(form.channel.data),
                name=form.name.data,
                email=form.email.data,
                identity_check=form.identity_check.data,
                submission_key=form.submission_key.data,
                description=form.description.data,
                particular_situation=form.particular_situation.data,
                customer_number=form.customer_number.data,
                username=form.username.data,
                business_id=form.business_id.data,
                language=form.language.data,
            )
        except RequestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("staff/intake.html", form=form), 400
        db.session.commit()
        flash(
            _(
                "Request %(reference)s is registered and due %(date)s.",
                reference=subject_request.reference,
                date=format_date(subject_request.due_on),
            ),
            "success",
        )
        return redirect(url_for("staff.ticket", request_id=subject_request.id))
    return render_template("staff/intake.html", form=form), (400 if form.errors else 200)
