"""Language choice: Finnish first, English complete.

The language is the signed-in person's saved choice, else the language cookie set by the switch,
else the browser's Accept-Language, else Finnish.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"fi": "Suomi", "en": "English"}


def supported(value: str | None) -> str | None:
    if value and value in current_app.config["LANGUAGES"]:
        return value
    return None


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        chosen = supported(current_user.locale)
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(
        current_app.config["LANGUAGES"], default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
