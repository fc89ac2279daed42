"""Absolute links for email, and redirect targets that stay on the site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on the configured PORTAL_BASE_URL.

    Never built from the request's Host header: a forged Host must not be able to point a
    password-reset link at someone else's server. Works outside requests (flask commands) too.
    """
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str | None:
    """A redirect target after sign-in, only if it stays on this site (no open redirect).

    Checked as a browser reads it: browsers drop tabs and line breaks anywhere in a URL, trim
    spaces and control characters, and read a backslash as a slash. So a target with any of them
    is refused whole: ``/%09/evil.example`` arrives as "/", a tab, "/evil.example", which a
    browser follows to ``//evil.example/``, another site."""
    if not target or len(target) > 2000:
        return None
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
