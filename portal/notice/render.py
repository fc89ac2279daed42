"""Rendering the notice's light markup (paragraphs and "- " bullet lists) as safe HTML."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape


def notice_html(text: str) -> Markup:
    """Blank lines separate paragraphs; consecutive lines starting with "- " form a list."""
    blocks: list[str] = []
    for chunk in text.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append(f"<p>{escape(' '.join(lines))}</p>")
    return Markup("\n".join(blocks))  # noqa: S704 - every piece of text above is escaped


def register_filters(app: Flask) -> None:
    from portal.i18n import current_language

    app.jinja_env.filters["notice_html"] = notice_html

    def localized(value) -> str:
        return value.in_language(current_language())

    app.jinja_env.filters["localized"] = localized

    def isodate(value: str | None) -> str:
        """A date kept as ISO text in an event's details, shown in the locale's format."""
        from datetime import date

        from flask_babel import format_date

        return format_date(date.fromisoformat(value)) if value else "–"

    app.jinja_env.filters["isodate"] = isodate
