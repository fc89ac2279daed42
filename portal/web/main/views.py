"""Public pages: the landing page, the privacy notice, the language switch."""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.services import set_locale
from portal.extensions import db
from portal.i18n import LANGUAGE_COOKIE, current_language, supported
from portal.urls import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("main/index.html")


@bp.route("/privacy-notice")
def notice():
    """The notice in the reader's language. A translation is marked as one and links to the
    original, which is the controller's own text (``?text=original`` shows it, the page around
    it staying in the reader's language)."""
    original = current_app.extensions["notice"].original_language
    language = current_language()
    text_language = original if request.args.get("text") == "original" else language
    return render_template(
        "main/notice.html",
        text_language=text_language,
        original_name=Locale.parse(original).get_language_name(language),
    )


@bp.post("/language")
def set_language():
    """The visible language switch: remembered in a cookie, and on the account when signed in."""
    language = supported(request.form.get("lang")) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        set_locale(current_user, language)
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")) or url_for("main.index"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
