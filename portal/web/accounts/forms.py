"""Account forms. Every message is marked for translation and says how to fix the input."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from portal.accounts.passwords import password_problems
from portal.accounts.services import normalize_email
from portal.i18n import language_choices
from portal.i18n import lazy_gettext as _l
from portal.web.forms import EMAIL_MAX, PASSWORD_MAX, LengthAfter, PortalForm


def _email_field(label=None) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            # Counted as stored: lower-cased, which can lengthen it ("İ" is two characters).
            LengthAfter(normalize_email, EMAIL_MAX, _l("The email address is too long.")),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email"},
    )


def _password_length() -> Length:
    return Length(max=PASSWORD_MAX, message=_l("Use a password of at most 1,000 characters."))


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Choose a password.")), _password_length()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The passwords do not match. Type the same one twice.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class _StrongPasswordMixin:
    """Checks ``password`` against the strength rules; needs the address/name when known."""

    def strength_context(self) -> dict:
        return {}

    def validate_password(self, field) -> None:
        problems = password_problems(field.data or "", **self.strength_context())
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class RegisterForm(_StrongPasswordMixin, PortalForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("The name is too long (at most 200 characters).")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password, password_confirm = _new_password_fields()
    acknowledge = BooleanField(
        _l("I have read the privacy notice."),
        validators=[
            InputRequired(message=_l("Read the privacy notice and tick the box to continue."))
        ],
    )

    def strength_context(self) -> dict:
        return {"email": self.email.data or "", "name": self.name.data or ""}


class LoginForm(PortalForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), _password_length()],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 14 days (not for staff)"))


class CodeForm(PortalForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=40, message=_l("The code is too long.")),
        ],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"},
    )


class EmailOnlyForm(PortalForm):
    email = _email_field()


class ConfirmForm(PortalForm):
    """A button: a link in email changes nothing until the person presses it."""


class SetPasswordForm(_StrongPasswordMixin, PortalForm):
    password, password_confirm = _new_password_fields()


class ChangePasswordForm(_StrongPasswordMixin, PortalForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), _password_length()],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = _new_password_fields()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def strength_context(self) -> dict:
        if self._user is None:
            return {}
        return {"email": self._user.email, "name": self._user.name}


class ProfileForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("The name is too long (at most 200 characters).")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    locale = RadioField(
        _l("Language of the portal and of email"),
        choices=language_choices,
        validators=[InputRequired(message=_l("Choose a language."))],
    )
