"""A person whose request came by letter, by email or in person, and who registers later with the
address staff recorded: the emailed link lets them choose a password for the account that holds
their requests.

The routes join the accounts blueprint. Registering shows the same page whether or not such an
account exists (``portal.accounts.services.register``); only the address's owner gets the link.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField
from wtforms.validators import InputRequired

from portal.accounts import services
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.tokens import TokenExpired, TokenInvalid, TokenUsed
from portal.web.accounts.forms import SetPasswordForm
from portal.web.accounts.guard import sign_out
from portal.web.accounts.views import _link_problem, bp


class ClaimAccountForm(SetPasswordForm):
    # The person acknowledges the notice here, as on registration: whoever filled in the
    # registration form may not be the one who opened the link.
    acknowledge = BooleanField(
        _l("I have read the privacy notice."),
        validators=[
            InputRequired(message=_l("Read the privacy notice and tick the box to continue."))
        ],
    )


@bp.route("/register/claim/<token>", methods=["GET", "POST"])
def claim_account(token: str):
    try:
        _payload, user = services.check_claim_link(token)
    except TokenExpired:
        return _link_problem("claim", "expired", token)
    except TokenUsed:
        return _link_problem("claim", "used")
    except TokenInvalid:
        return _link_problem("claim", "invalid")
    form = ClaimAccountForm()
    form.strength_context = lambda: {"email": user.email, "name": user.name}
    if form.validate_on_submit():
        try:
            services.claim_account(
                token,
                form.password.data,
                notice_version=current_app.extensions["notice"].version,
            )
        except (TokenUsed, TokenInvalid):
            db.session.rollback()
            return _link_problem("claim", "used")
        if current_user.is_authenticated:
            sign_out()
        db.session.commit()
        flash(_("Your account is ready. Sign in to follow your requests."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/claim_account.html", form=form, user=user)
