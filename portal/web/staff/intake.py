"""Staff register a request that came by letter, by email or in person (notice §10)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import update
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal import audit
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import language_choices
from portal.i18n import lazy_gettext as _l
from portal.intake import manual as intake
from portal.models import Channel, IncomingMessage, IncomingState, RequestKind
from portal.subject_requests.clock import controller_today, local_day
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.web.forms import EMAIL_MAX, NAME_MAX, LengthAfter, PortalForm, SubmissionKeyField
from portal.web.incoming import id_value
from portal.web.requester.forms import TEXT_LIMIT
from portal.web.staff.inbox import OPEN_STATES, claim
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
    # The inbox message this request is made of (issue: requests by email), if any.
    incoming_message = HiddenField()

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


def _from_message(form: IntakeForm) -> IncomingMessage | None:
    """The inbox message the form makes a request of (``?message=`` on the first look, then the
    form's hidden field), or None."""
    text = form.incoming_message.data if request.method == "POST" else request.args.get("message")
    message_id = id_value(text)
    return db.session.get(IncomingMessage, message_id) if message_id else None


def _prefill(form: IntakeForm, message: IncomingMessage) -> None:
    form.channel.data = Channel.EMAIL.value
    form.received_on.data = local_day(message.arrived_at)
    form.email.data = message.sender
    form.name.data = message.sender_name or ""
    form.description.data = message.body_text[:TEXT_LIMIT]
    form.incoming_message.data = str(message.id)


@bp.route("/intake", methods=["GET", "POST"])
@staff_required
def register_request():
    form = IntakeForm()
    source = _from_message(form)
    if source is not None and source.state not in OPEN_STATES:
        # Made a request (or decided otherwise) by someone else since this form was opened.
        flash(_("Someone already decided about this message."), "error")
        return redirect(url_for("staff.inbox_message", message_id=source.id))
    if source is not None:
        # Nobody has checked the sender yet: the register check and the identity panel follow
        # (GDPR Art. 12(6)), so the form does not ask how it was done.
        form.identity_check.validators = [Optional(), _text_length()]
        form.identity_check.flags.required = False
        if request.method == "GET":
            _prefill(form, source)
    # Validated once: a broken submission key is replaced while it is checked.
    valid = form.validate_on_submit()
    if valid and source is not None:
        arrived_on = local_day(source.arrived_at)
        if form.received_on.data != arrived_on or form.channel.data != Channel.EMAIL.value:
            # The arrival is the mail server's record and starts the clock (EDPB 01/2022 §159).
            form.received_on.errors.append(
                _(
                    "The message arrived on %(date)s by email: the request is received then.",
                    date=format_date(arrived_on),
                )
            )
            return _render(form, source), 400
        if not claim(source, IncomingState.MADE_REQUEST, state_reason=None):
            db.session.rollback()
            flash(_("Someone already decided about this message."), "error")
            return redirect(url_for("staff.inbox_message", message_id=source.id))
    if valid:
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
                arrived_at=source.arrived_at if source is not None else None,
            )
        except RequestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _render(form, source), 400
        if source is not None:
            _made_request_of(source, subject_request)
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
    return _render(form, source), (400 if form.errors else 200)


def _render(form: IntakeForm, source: IncomingMessage | None):
    return render_template("staff/intake.html", form=form, source=source)


def _made_request_of(source: IncomingMessage, subject_request) -> None:
    db.session.execute(
        update(IncomingMessage)
        .where(IncomingMessage.id == source.id)
        .values(request_id=subject_request.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "inbox.made_request",
        actor=current_user,
        request=subject_request,
        incoming_message=source.id,
        sender=source.sender,
        arrived_at=source.arrived_at,
    )
