"""Who is signed in, on the server's word: the session loader, signing in and out, the pending
sign-in between the password and the second factor, and ``fresh_second_factor_required``.

The session cookie (and the requester's "remember me" cookie) carry ``<user id>:<token>`` of a
row in ``sign_in_session``; ``portal.accounts.sessions`` decides whether it is still live.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_login import current_user, login_url, login_user, logout_user

from portal.accounts import second_factor, sessions
from portal.extensions import db, login_manager
from portal.i18n import gettext as _
from portal.models import SignInSession, User, utcnow
from portal.urls import safe_next

PENDING = "pending_sign_in"
# Between the password and the code: after this, start again with the password.
PENDING_MINUTES = 10


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_check_sign_in)


def _load_user(identity: str) -> User | None:
    found = sessions.load(identity)
    if found.ended is not None:
        # Tell the person why, in their own language, on the page they land on.
        g.sign_in_ended = {"reason": found.ended, "lang": found.user.locale}
    g.sign_in = found.sign_in
    if found.touched:
        # The loader runs first thing in the request (``_check_sign_in``), before a view has
        # changed anything, so this commits only the session's own bookkeeping.
        db.session.commit()
    return found.user if found.sign_in is not None else None


def _check_sign_in() -> None:
    if request.endpoint == "static":
        return
    current_user._get_current_object()  # runs the loader now
    ended = g.pop("sign_in_ended", None)
    if ended is not None:
        with force_locale(ended["lang"]):
            if ended["reason"] == "idle":
                message = _(
                    "You were signed out because you were away for more than %(minutes)s "
                    "minutes. Sign in again to go on.",
                    minutes=current_app.config["STAFF_IDLE_MINUTES"],
                )
            else:
                message = _("Sign in again to go on.")
        flash(message, "info")
        g.told_why_signed_out = True


def _unauthorized():
    if not g.get("told_why_signed_out"):
        flash(_("Sign in to see this page."), "info")
    return redirect(login_url("auth.login", next_url=request.url))


def current_sign_in() -> SignInSession | None:
    return g.get("sign_in")


# Signing in and out -----------------------------------------------------------------------------


def sign_in(user: User, *, remember: bool = False, second_factor: bool = False) -> SignInSession:
    """Start a sign-in on the server and give this browser its cookie; the caller commits."""
    record, token = sessions.start(
        user,
        remember=remember,
        user_agent=request.user_agent.string,
        second_factor=second_factor,
    )
    user.sign_in_token = token
    session.pop(PENDING, None)
    login_user(user, remember=record.remember, duration=timedelta(days=sessions.REMEMBER_DAYS))
    g.sign_in = record
    return record


def sign_out(reason: str = "signed_out") -> None:
    """End this sign-in on the server, then forget the cookies (the remember cookie too)."""
    record = current_sign_in()
    if record is not None:
        sessions.end(record, reason, actor=record.user)
    logout_user()
    g.sign_in = None


def begin_pending(user: User, next_url: str | None) -> None:
    """The password was right; the second factor comes next. Nothing is signed in yet."""
    session[PENDING] = {
        "uid": user.id,
        # A password change or reset in the meantime ends the pending sign-in too.
        "nonce": user.session_nonce,
        "since": utcnow().isoformat(),
        "next": safe_next(next_url),
    }


def pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    since = datetime.fromisoformat(pending.get("since", "1970-01-01T00:00:00+00:00"))
    user = db.session.get(User, pending.get("uid"))
    if (
        utcnow() - since > timedelta(minutes=PENDING_MINUTES)
        or user is None
        or user.session_nonce != pending.get("nonce")
    ):
        session.pop(PENDING, None)
        return None
    return user


def pending_next() -> str | None:
    pending = session.get(PENDING)
    return pending.get("next") if isinstance(pending, dict) else None


def home_for(user: User) -> str:
    return url_for("staff.dashboard") if user.is_staff else url_for("main.index")


# Sensitive actions ------------------------------------------------------------------------------

CODE_FIELD = "second_factor_code"


def fresh_second_factor_required(view=None, *, when=None):
    """Ask staff for the second factor again unless this sign-in passed it within
    ``SECOND_FACTOR_FRESH_MINUTES``. Put it under the decorator that checks the role.

    ``when(**view_args)`` limits it to some requests (completing an erasure, not refusing one).
    A GET goes to the code page and comes back; a POST is answered with a code prompt that sends
    the same form again with the code, so nothing typed is lost. A form with files cannot be
    sent again that way: the person enters the code, then repeats the action.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if (
                current_user.is_authenticated
                and current_user.needs_second_factor
                and (when is None or when(*args, **kwargs))
                and not sessions.second_factor_is_fresh(current_sign_in())
            ):
                refusal = _ask_again()
                if refusal is not None:
                    return refusal
            return view(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def confirm_code(code: str, purpose: str) -> second_factor.Check:
    """Check a code for this sign-in; a pass makes the second factor fresh. Commits either way,
    so that a failure counts towards the limit."""
    user = current_user._get_current_object()
    result = second_factor.check(user, code, purpose=purpose)
    if result.ok:
        sessions.confirm_second_factor(current_sign_in())
    db.session.commit()
    return result


def code_error(result: second_factor.Check) -> str:
    if result is second_factor.Check.LOCKED:
        return _(
            "Too many wrong codes. For your safety no code is accepted for 15 minutes. "
            "Try again after that."
        )
    if result is second_factor.Check.REPLAYED:
        return _("This code was already used. Wait for the next code in your app.")
    return _("The code is not correct. Enter the 6-digit code your app shows now.")


def _page_before() -> str | None:
    """The page the form was on (this site only), to come back to after the code."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def _ask_again():
    if request.method == "GET":
        flash(_("Enter the code from your authenticator app to go on."), "info")
        return redirect(url_for("auth.confirm_second_factor", next=request.full_path))
    if any(upload.filename for upload in request.files.values()):
        flash(
            _("Enter the code from your authenticator app, then attach the files and try again."),
            "info",
        )
        return redirect(url_for("auth.confirm_second_factor", next=_page_before()))
    error = None
    if CODE_FIELD in request.form:
        result = confirm_code(request.form[CODE_FIELD], purpose=request.endpoint or "")
        if result.ok:
            return None
        error = code_error(result)
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", CODE_FIELD)
    ]
    return (
        render_template(
            "auth/second_factor_again.html",
            fields=fields,
            action=request.full_path if request.query_string else request.path,
            error=error,
        ),
        401,
    )
