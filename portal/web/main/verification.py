"""The page where the owner of the address on file answers whether they made a request.

It needs no account: the link reached the address the register holds, which is the proof the
controller trusts (GDPR Art. 12(6)). GET only shows the question, so a mail scanner that opens
links answers nothing; the answer is a POST with the form's CSRF token, used once.

The route joins the main blueprint.
"""

from __future__ import annotations

from flask import render_template
from wtforms import SubmitField

from portal.answering.identity import verification
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.subject_requests.kinds import KINDS
from portal.tokens import TokenExpired, TokenInvalid, TokenUsed
from portal.web.forms import PortalForm
from portal.web.main.views import bp


class AnswerForm(PortalForm):
    it_was_me = SubmitField(_l("Yes, I made this request"))
    not_me = SubmitField(_l("This was not me"))


def _problem(problem: str):
    status = {"invalid": 400, "expired": 410, "used": 410}[problem]
    return render_template("main/identity_link_problem.html", problem=problem), status


@bp.route("/identity/<token>", methods=["GET", "POST"])
def identity_verification(token: str):
    try:
        _payload, subject_request = verification.load(token)
    except TokenExpired:
        return _problem("expired")
    except TokenUsed:
        return _problem("used")
    except TokenInvalid:
        return _problem("invalid")
    form = AnswerForm()
    if form.validate_on_submit() and (form.it_was_me.data or form.not_me.data):
        try:
            verification.answer(token, it_was_me=bool(form.it_was_me.data))
        except (TokenUsed, TokenInvalid):
            db.session.rollback()
            return _problem("used")
        db.session.commit()
        return render_template("main/identity_answered.html", it_was_me=bool(form.it_was_me.data))
    return render_template(
        "main/identity_verification.html",
        form=form,
        subject_request=subject_request,
        kind_title=KINDS[subject_request.kind].title,
    )
