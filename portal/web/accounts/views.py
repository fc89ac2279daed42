"""Accounts: register, confirm, sign in and out, passwords, profile, staff invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal.accounts import second_factor, services, sessions
from portal.extensions import db, limiter
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.tokens import Purpose, TokenExpired, TokenInvalid, TokenUsed, load_token
from portal.urls import safe_next
from portal.web.accounts import throttle
from portal.web.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)
from portal.web.accounts.guard import begin_pending, current_sign_in, sign_in, sign_out

bp = Blueprint("auth", __name__)


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _link_problem(kind: str, problem: str, token: str | None = None):
    """Each problem with a link gets its own page, and each offers a way on."""
    status = {"invalid": 400, "expired": 410, "used": 410}[problem]
    return (
        render_template(
            "auth/link_problem.html",
            kind=kind,
            problem=problem,
            token=token,
            form=ConfirmForm(),
            email_form=EmailOnlyForm(),
        ),
        status,
    )


# Registration and confirmation ------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=current_language(),
            notice_version=current_app.extensions["notice"].version,
        )
        db.session.commit()
        return redirect(url_for("auth.check_mailbox", why="register"))
    return render_template("auth/register.html", form=form)


@bp.route("/check-your-email")
def check_mailbox():
    return render_template("auth/check_mailbox.html", why=request.args.get("why", "register"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    form = ConfirmForm()
    try:
        if request.method == "POST":
            if not form.validate_on_submit():
                return redirect(url_for("auth.confirm_email", token=token))
            try:
                user = services.confirm_email(token)
            except services.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for("main.index"))
            db.session.commit()
            flash(
                _("Thank you. Your email address %(email)s is confirmed.", email=user.email),
                "success",
            )
            if current_user.is_authenticated:
                return redirect(url_for("auth.profile"))
            return redirect(url_for("auth.login"))
        payload, user = services.check_confirmation(token)
    except TokenExpired:
        return _link_problem("confirm", "expired", token)
    except TokenUsed:
        return _link_problem("confirm", "used")
    except TokenInvalid:
        return _link_problem("confirm", "invalid")
    return render_template("auth/confirm_email.html", form=form, address=payload["email"])


@bp.post("/confirm/<token>/renew")
@limiter.limit(_auth_limit)
def renew_confirmation(token: str):
    """An expired link: its signature is good, so send a fresh one to the same address."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            load_token(Purpose.CONFIRM_EMAIL, token)
        except TokenExpired as exc:
            services.resend_confirmation_for_expired(exc.payload)
            db.session.commit()
        except (TokenInvalid, TokenUsed):
            pass
    return redirect(url_for("auth.check_mailbox", why="confirm"))


@bp.route("/confirm/new", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def resend_confirmation():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        floor = throttle.ResponseFloor()
        services.resend_confirmation(form.email.data)
        db.session.commit()
        floor.wait()
        return redirect(url_for("auth.check_mailbox", why="confirm"))
    return render_template("auth/resend_confirmation.html", form=form)


# Signing in and out -----------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
@throttle.sign_in_guesses
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is None:
            # One message for an unknown address and a wrong password alike.
            flash(_("The email address or the password is not correct."), "error")
            return render_template("auth/login.html", form=form), 200
        if user.needs_second_factor:
            # Staff: nothing is signed in until the code (or, the first time, enrolment).
            begin_pending(user, request.args.get("next"))
            if user.has_second_factor:
                return redirect(url_for("auth.second_factor_code"))
            return redirect(url_for("auth.enrol_second_factor"))
        sign_in(user, remember=form.remember.data)
        db.session.commit()
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        sign_out()
        db.session.commit()
        flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


# Passwords --------------------------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        floor = throttle.ResponseFloor()
        services.request_password_reset(form.email.data)
        db.session.commit()
        floor.wait()
        return redirect(url_for("auth.check_mailbox", why="reset"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(
        Purpose.RESET_PASSWORD,
        "reset",
        token,
        services.reset_password,
        _("Your new password is saved. Sign in with it."),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(
        Purpose.INVITATION,
        "invitation",
        token,
        services.accept_invitation,
        _("Your password is saved. Sign in to start working."),
    )


def _set_password_page(purpose: Purpose, kind: str, token: str, action, done_message: str):
    try:
        _payload, user = services.check_password_link(purpose, token)
    except TokenExpired:
        return _link_problem(kind, "expired", token)
    except TokenUsed:
        return _link_problem(kind, "used")
    except TokenInvalid:
        return _link_problem(kind, "invalid")
    form = SetPasswordForm()
    form.strength_context = lambda: {"email": user.email, "name": user.name}
    if form.validate_on_submit():
        try:
            action(token, form.password.data)
        except (TokenUsed, TokenInvalid):
            db.session.rollback()
            return _link_problem(kind, "used")
        if current_user.is_authenticated:
            sign_out()
        db.session.commit()
        if purpose is Purpose.INVITATION and user.needs_second_factor:
            # The link proved the mailbox and the password is new: enrol the second factor now,
            # before any staff page.
            begin_pending(user, None)
            flash(_("Your password is saved. Now set up your second factor."), "success")
            return redirect(url_for("auth.enrol_second_factor"))
        flash(done_message, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, kind=kind, user=user)


@bp.post("/invitation/<token>/renew")
@limiter.limit(_auth_limit)
def renew_invitation(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            load_token(Purpose.INVITATION, token)
        except TokenExpired as exc:
            services.resend_invitation_for_expired(exc.payload)
            db.session.commit()
        except (TokenInvalid, TokenUsed):
            pass
    return redirect(url_for("auth.check_mailbox", why="invitation"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@throttle.password_guesses
def change_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.password.data,
                keep=current_sign_in(),
            )
        except services.AccountError as exc:
            db.session.rollback()
            form.current_password.errors.append(str(exc))
            return render_template("auth/change_password.html", form=form)
        db.session.commit()
        flash(_("Your password is changed."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


# Profile ----------------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET" and current_user.pending_email:
        form.email.data = current_user.pending_email
    if form.validate_on_submit():
        pending = services.update_profile(
            current_user, name=form.name.data, email=form.email.data, locale=form.locale.data
        )
        db.session.commit()
        if pending:
            flash(
                _(
                    "We sent a confirmation link to %(email)s. The new address is used once you "
                    "confirm it.",
                    email=services.normalize_email(form.email.data),
                ),
                "info",
            )
        else:
            flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.profile"))
    user = current_user._get_current_object()
    return render_template(
        "auth/profile.html",
        form=form,
        logout_form=ConfirmForm(),
        sign_ins=sessions.live(user),
        this_sign_in=current_sign_in(),
        describe_device=sessions.describe_device,
        recovery_codes_left=(
            second_factor.recovery_codes_left(user) if user.has_second_factor else None
        ),
    )
