"""Language choice: Finnish first, Swedish (Finland's other national language) and English.

The language is the signed-in person's saved choice, else the language cookie set by the switch,
else the browser's Accept-Language, else Finnish.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

LANGUAGE_COOKIE = "lang"
# Each language by its own name, as the switch and the profile form offer it.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def supported(value: str | None) -> str | None:
    if value and value in current_app.config["LANGUAGES"]:
        return value
    return None


def language_choices() -> list[SelectChoice]:
    """The portal's languages for a form, read when the form is drawn (``LANGUAGES``)."""
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


def browser_language(header_values, languages, default: str) -> str:
    """The first language the browser accepts that the portal speaks.

    Ranges are taken by quality, and in the header's order where equal; a regional range counts
    as its language ("sv-FI" is Swedish). Werkzeug's ``best_match`` is not used: it prefers any
    exact match of a lower quality to a regional one ("fi-FI, en;q=0.5" gave English), and among
    equal qualities it takes the portal's order, not the browser's.
    """
    ranked = sorted(enumerate(header_values), key=lambda item: (-item[1][1], item[0]))
    for _index, (value, quality) in ranked:
        if quality <= 0:
            break
        if value == "*":
            return default
        language = value.replace("_", "-").split("-", 1)[0].lower()
        if language in languages:
            return language
    return default


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
    return browser_language(
        request.accept_languages,
        current_app.config["LANGUAGES"],
        current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
