"""Staff edit the letters they start their answers from (reply templates per request type and
outcome); the ticket page offers the ones that fit, filled in."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.answering import letters
from portal.answering.letters.texts import LETTERS, PLACEHOLDERS
from portal.extensions import db
from portal.i18n import gettext as _
from portal.web.staff.forms import LetterForm
from portal.web.staff.views import bp, staff_required


def _letter_or_404(key: str, language: str):
    if key not in letters.BY_KEY or language not in letters.languages():
        abort(404)
    return letters.BY_KEY[key]


@bp.route("/letters")
@staff_required
def letter_list():
    return render_template(
        "staff/letters.html",
        letters=LETTERS,
        edited=letters.overrides(),
        placeholders=None,
        languages=letters.languages(),
    )


@bp.route("/letters/<key>/<language>", methods=["GET", "POST"])
@staff_required
def edit_letter(key: str, language: str):
    letter = _letter_or_404(key, language)
    form = LetterForm()
    if form.validate_on_submit():
        try:
            letters.save(key, language, form.body.data, current_user)
        except letters.LetterError as exc:
            db.session.rollback()
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The letter was saved."), "success")
            return redirect(url_for("staff.letter_list"))
    elif not form.is_submitted():
        form.body.data = letters.text_of(key, language)
    edited = letters.overrides().get((key, language))
    return render_template(
        "staff/letter_edit.html",
        letter=letter,
        language=language,
        form=form,
        edited=edited,
        default=letter.body[language],
        placeholders=PLACEHOLDERS,
    ), (400 if form.errors else 200)


@bp.post("/letters/<key>/<language>/restore")
@staff_required
def restore_letter(key: str, language: str):
    # CSRFProtect has checked the token before this runs.
    _letter_or_404(key, language)
    letters.restore(key, language, current_user)
    db.session.commit()
    flash(_("The default letter is back in use."), "success")
    return redirect(url_for("staff.letter_list"))
