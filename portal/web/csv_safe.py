"""CSV files for download, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before reading one of those) is read as a formula by Excel and LibreOffice, and a
formula can fetch URLs or run commands when the file is opened. Addresses and names come from
outside, so every cell of every export goes through ``safe_cell``: such a cell gets a leading
apostrophe, which the spreadsheet shows as text (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return body.getvalue()


def csv_response(
    filename: str, header: Iterable, rows: Iterable[Iterable], headers: dict | None = None
) -> Response:
    """A CSV attachment named ``filename``, every cell made safe."""
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}", **(headers or {})},
    )
