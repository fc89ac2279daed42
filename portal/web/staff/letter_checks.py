"""A letter with a part still to write is refused when staff send it (issue 10, item 1: one was
emailed to a requester with its "[KIRJOITA TÄHÄN: …]" in it). The message quotes each part, so
staff find it in the text they wrote, which the form keeps.

Used as inline validators (``validate_<field> = refuse_unfilled``) of the reply, question,
extension and answer forms.
"""

from __future__ import annotations

from wtforms.validators import ValidationError

from portal.answering.letters.filled import RECIPIENTS, unfilled_parts
from portal.i18n import lazy_gettext as _l


def _refuse(text: str | None, allow: tuple[str, ...] = ()) -> None:
    parts = unfilled_parts(text or "", allow=allow)
    if parts:
        raise ValidationError(
            _l(
                "The letter still has parts to write. Write or delete them before sending: "
                "%(parts)s",
                parts=", ".join(f'"{part}"' for part in parts),
            )
        )


def refuse_unfilled(form, field) -> None:
    _refuse(field.data)


def refuse_unfilled_but_recipients(form, field) -> None:
    """The answer may keep ``{recipients}``: it is filled in from the Art. 19 record made with
    it (``portal.answering.rights.completion``), which refuses it where nothing is recorded."""
    _refuse(field.data, allow=(RECIPIENTS,))
