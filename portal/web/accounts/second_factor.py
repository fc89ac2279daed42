"""The second factor's pages (code after the password, enrolment with a QR code, the code again
before a sensitive action, new recovery codes) and the list of sign-ins on the profile.

The routes join the ``auth`` blueprint.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.accounts import second_factor, sessions
from portal.extensions import db, limiter
from portal.i18n import gettext as _
from portal.models import SignInSession
from portal.urls import safe_next
from portal.web.accounts.forms import CodeForm, ConfirmForm
from portal.web.accounts.guard import (
    code_error,
    confirm_code,
    current_sign_in,
    fresh_second_factor_required,
    home_for,
    pending_next,
    pending_user,
    sign_in,
    sign_out,
)
from portal.web.accounts.views import _auth_limit, bp


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _start_over():
    flash(_("Sign in with your email address and password first."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def second_factor_code():
    user = pending_user()
    if user is None:
        return _start_over()
    if not user.has_second_factor:
        return redirect(url_for("auth.enrol_second_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        result = second_factor.check(user, form.code.data, purpose="sign_in")
        if result.ok:
            next_url = pending_next()
            sign_in(user, second_factor=True)
            db.session.commit()
            if result is second_factor.Check.RECOVERY_CODE:
                left = second_factor.recovery_codes_left(user)
                flash(
                    _(
                        "You used a recovery code; %(left)s are left. If your phone is lost, "
                        "ask an administrator to reset your second factor.",
                        left=left,
                    ),
                    "info",
                )
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_url or home_for(user))
        db.session.commit()  # the failure is on record and counts towards the limit
        form.code.errors.append(code_error(result))
        return render_template("auth/second_factor_code.html", form=form), 200
    return render_template("auth/second_factor_code.html", form=form)


@bp.route("/login/second-factor/new", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def enrol_second_factor():
    """A staff member's first sign-in (or the first after a reset): scan, enter a code, and get
    the recovery codes. No staff page opens before this is done."""
    user = pending_user()
    if user is None:
        return _start_over()
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor_code"))
    form = CodeForm()
    second_factor.begin_enrolment(user)
    db.session.commit()
    if form.validate_on_submit():
        codes = second_factor.complete_enrolment(user, form.code.data)
        if codes is not None:
            next_url = pending_next()
            sign_in(user, second_factor=True)
            db.session.commit()
            return _no_store(
                render_template(
                    "auth/recovery_codes.html", codes=codes, next_url=next_url or home_for(user)
                )
            )
        db.session.commit()
        form.code.errors.append(code_error(second_factor.Check.WRONG))
    uri = second_factor.provisioning_uri(user)
    return _no_store(
        render_template(
            "auth/second_factor_enrol.html",
            form=form,
            user=user,
            qr_code=second_factor.qr_code_data_uri(uri),
            secret=second_factor.grouped(user.totp_secret),
        )
    )


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(_auth_limit, methods=["POST"])
def confirm_second_factor():
    """The code again, before a sensitive action reached by a link (an export)."""
    if not current_user.needs_second_factor:
        abort(404)
    next_url = safe_next(request.args.get("next")) or home_for(current_user)
    form = CodeForm()
    if form.validate_on_submit():
        result = confirm_code(form.code.data, purpose="confirm")
        if result.ok:
            return redirect(next_url)
        form.code.errors.append(code_error(result))
    return render_template("auth/second_factor_confirm.html", form=form, next_url=next_url)


@bp.post("/account/recovery-codes")
@login_required
@fresh_second_factor_required
def new_recovery_codes():
    if not current_user.has_second_factor or not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.profile"))
    codes = second_factor.new_recovery_codes(current_user._get_current_object())
    db.session.commit()
    return _no_store(
        render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.profile"))
    )


# Sign-ins ---------------------------------------------------------------------------------------


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    record = db.session.get(SignInSession, session_id)
    if record is None or record.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        if record.id == current_sign_in().id:
            sign_out()
            db.session.commit()
            flash(_("You have signed out."), "info")
            return redirect(url_for("main.index"))
        sessions.end(record, "revoked", actor=current_user._get_current_object())
        db.session.commit()
        flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.profile", _anchor="sessions"))


@bp.post("/account/sessions/end-all")
@login_required
def end_all_sessions():
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object()
        sessions.end_all(user, "signed_out_everywhere", actor=user)
        sign_out()  # this browser's cookies go too
        db.session.commit()
        flash(_("You are signed out everywhere, on this device too."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.profile", _anchor="sessions"))
