"""What arrives in a request, made safe before a view reads it: ids in paths, parameters of the
query string, the names of form fields.

Werkzeug's ``int`` converter and ``int()`` accept any number of digits, and the database does
not: PostgreSQL's ``integer`` ends at 2**31 - 1 and SQLite's at 2**63 - 1, and a query with a
larger number fails with a 500. So an id beyond the columns' range names nothing (404), and a
query parameter that cannot be valid is treated as such before it reaches a query.
"""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, ValidationError

from portal.web.forms import has_control_characters

# Every id column is an ``Integer`` (portal/models/): PostgreSQL's 4-byte integer.
ID_MAX = 2**31 - 1
# Pages of the staff queue; far past the last page, and far below any overflow of OFFSET.
PAGE_MAX = 1_000_000
# A search or filter value typed into the queue's form.
TEXT_ARG_MAX = 200


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: an id beyond the columns' range is no match, so a 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if len(value) > len(str(self.max or ID_MAX)):
            raise ValidationError()
        return super().to_python(value)


class _NamedFieldsParser(FormDataParser):
    """Drops form fields that have no name: a multipart part whose header is cut by a line break
    arrives without one, and Flask-WTF's CSRF check fails on it with an AttributeError."""

    def parse(self, *args, **kwargs):
        stream, form, files = super().parse(*args, **kwargs)
        if None in form or None in files:
            form = self.cls((k, v) for k, v in form.items(multi=True) if k is not None)
            files = self.cls((k, v) for k, v in files.items(multi=True) if k is not None)
        return stream, form, files


class PortalRequest(Request):
    form_data_parser_class = _NamedFieldsParser


def register_input(app: Flask) -> None:
    """Before any route is added (routes take their converters when they are added)."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = PortalRequest


def id_value(text: str | None) -> int | None:
    """``text`` as an id (1 … ID_MAX), or None."""
    if not text or len(text) > len(str(ID_MAX)) or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def page_arg(name: str = "page") -> int:
    """The page asked for in the query string; 1 when it is missing or not a page number."""
    text = request.args.get(name, "")
    if not text.isascii() or not text.isdigit() or len(text) > len(str(PAGE_MAX)):
        return 1
    return min(max(int(text), 1), PAGE_MAX)


def text_args(*names: str, max_length: int = TEXT_ARG_MAX) -> tuple[dict[str, str], bool]:
    """Text parameters of the query string ('' when missing), and whether all of them can be
    valid: none has control characters or is longer than ``max_length``. A view answers an
    invalid one with no match and a message, never with a query the database refuses."""
    values = {name: request.args.get(name, "") for name in names}
    valid = all(
        len(value) <= max_length and not has_control_characters(value) for value in values.values()
    )
    return values, valid
