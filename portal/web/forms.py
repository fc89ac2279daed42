"""The base of every form of the portal, and the checks its text fields share.

What a form accepts must be storable as it is. PostgreSQL refuses a NUL character in text and a
string longer than its column; a request that fails there is a 500 page and loses what the person
wrote. So every text field of a ``PortalForm`` refuses control characters before any other check
runs (a multi-line field keeps its line breaks and tabs), each field's length limit is no larger
than its column (``portal/models/``), and bad input re-renders the form with the text and the
reason next to the field.
"""

from __future__ import annotations

import re
import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from portal.i18n import lazy_gettext as _l

# Unicode category Cc (C0, DEL, C1) and lone surrogates, which no UTF-8 text can hold.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Lengths of the columns that form fields fill (portal/models/).
NAME_MAX = 200
EMAIL_MAX = 254
SUBMISSION_KEY_MAX = 64
# Passwords are hashed, never stored; the limit only keeps the work per request bounded.
PASSWORD_MAX = 1000


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character that is not text: NUL and the other control characters
    (line feed, carriage return and tab are text in a multi-line field), or a lone surrogate."""
    return (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text) is not None


def storable_text(form, field) -> None:
    """Runs first on every text field: the other checks, and the database, get only text."""
    if not isinstance(field.data, str):
        return
    multiline = isinstance(field, TextAreaField)
    if has_control_characters(field.data, multiline=multiline):
        field.errors.clear()
        raise StopValidation(
            _l(
                "Remove the invisible control characters from the text; line breaks and tabs "
                "are fine here."
            )
            if multiline
            else _l(
                "Remove the line breaks, tabs and other invisible control characters from this "
                "field."
            )
        )


class PortalForm(FlaskForm):
    """Every form of the portal. Its text fields (not passwords, which are only hashed) refuse
    control characters before their own validators run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        csrf_name = getattr(self.meta, "csrf_field_name", "csrf_token")
        for field in self:
            if (
                isinstance(field, StringField)
                and not isinstance(field, PasswordField)
                and field.name != csrf_name
            ):
                field.validators = [storable_text, *field.validators]


class LengthAfter:
    """The length of the value as it will be stored: ``normalise`` (e.g. lower-casing, which can
    lengthen a string: "İ" becomes two characters) is applied before counting."""

    def __init__(self, normalise, max: int, message) -> None:
        self.normalise = normalise
        self.max = max
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and len(self.normalise(field.data)) > self.max:
            raise ValidationError(self.message)


_SUBMISSION_KEY = re.compile(rf"[A-Za-z0-9_-]{{16,{SUBMISSION_KEY_MAX}}}")


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyField(HiddenField):
    """Sent back with the form, so that the same form submitted twice makes one request.

    The page made the key; any other value means the page was changed or is broken, so the form
    goes back with a fresh key and asks to be sent again. Checked before the text checks, which
    would explain control characters in a field nobody can see."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("The form"), **kwargs)

    def process_data(self, value) -> None:
        super().process_data(value)
        if not self.data:
            self.data = new_submission_key()

    def pre_validate(self, form) -> None:
        if not _SUBMISSION_KEY.fullmatch(self.data or ""):
            self.data = new_submission_key()
            raise StopValidation(_l("The form had expired. Please send it again."))
