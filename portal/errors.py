"""Error pages in the portal's own layout, never with a stack trace, and never failing themselves.

An error page that needs the database cannot be shown when the database is the problem: after a
failed flush the session refuses every query until it is rolled back, and during an outage every
query fails. So the server-side pages (500, 503) roll the session back first and are drawn as for
a visitor, in the language the cookie or the browser asks for. A database that cannot be reached
gets its own page, 503 with Retry-After, rather than a 500: nothing is wrong with what the person
did, and they should try again (GDPR Art. 32(1)(b)-(c): availability and timely restoration).
If even that page cannot be drawn, a fixed page in both languages says so; never the server's bare
"Internal Server Error".
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from flask import Flask, Response, current_app, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

PAGES = (400, 403, 404, 405, 410, 413, 429, 500, 503)
# How long browsers and monitors are asked to wait before trying again (RFC 9110 §10.2.3).
RETRY_AFTER_SECONDS = 120

# SQLite reports a missing table and a missing file with the same exception class; its primary
# result codes tell an unusable database (busy, locked, unreadable, full, not a database) from a
# mistake in the SQL, which stays a 500. https://www.sqlite.org/rescode.html
SQLITE_UNAVAILABLE = {
    3,  # SQLITE_PERM
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    26,  # SQLITE_NOTADB
}

FALLBACK_PAGE = """<!doctype html>
<html lang="fi">
<head><meta charset="utf-8"><title>Virhe {code} – Error {code}</title></head>
<body>
<h1>Virhe {code}</h1>
<p>Palvelu ei juuri nyt pysty näyttämään tätä sivua. Yritä hetken kuluttua uudelleen.</p>
<h1 lang="en">Error {code}</h1>
<p lang="en">The portal cannot show this page right now. Try again in a moment.</p>
</body>
</html>
"""


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be used right now."""
    for cause in _causes(error):
        if isinstance(cause, sa_exc.TimeoutError):  # every pooled connection is busy
            return True
        if not isinstance(cause, sa_exc.DBAPIError):
            continue
        if cause.connection_invalidated:
            return True
        sqlite_code = getattr(cause.orig, "sqlite_errorcode", None)
        if sqlite_code is not None:
            return sqlite_code & 0xFF in SQLITE_UNAVAILABLE
        # PostgreSQL's OperationalError is about the server's state, not the statement: connection
        # refused or lost, shutdown, deadlock, lock or statement timeout, out of disk or memory.
        if isinstance(cause, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
    return False


def _roll_back() -> None:
    """End the failed transaction so that nothing half-done is kept or retried."""
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.warning("rollback after an error failed", exc_info=True)
        try:
            db.session.close()
        except Exception:
            current_app.logger.warning("closing the session after an error failed", exc_info=True)


def _render(code: int, **context) -> str:
    return render_template("errors/error.html", code=code, **context)


def _page_without_database(code: int, **context) -> Response:
    _roll_back()
    try:
        # Who is signed in comes from the database; the page is drawn as for a visitor instead,
        # and the language falls back to the cookie, the browser's choice or Finnish.
        current_app.login_manager._update_request_context_with_user()
        body = _render(code, **context)
    except Exception:
        current_app.log_exception(sys.exc_info())
        body = FALLBACK_PAGE.format(code=code)
    response = make_response(body, code)
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _log_outage(error: BaseException) -> None:
    # The driver's message only: SQLAlchemy's own text adds the statement's parameters, which can
    # be personal data (GDPR Art. 5(1)(c)), and an outage repeats it on every request.
    cause = getattr(error, "orig", None) or error
    current_app.logger.warning("database unavailable: %s: %s", type(cause).__name__, cause)


def error_page(code: int, **context) -> Response:
    """The page for ``code``; it draws itself without the database when it has to."""
    if code < 500:
        try:
            return make_response(_render(code, **context), code)
        except Exception as error:
            # The layout asked who is signed in, and the database could not answer.
            if database_unavailable(error):
                _log_outage(error)
                code = 503
            else:
                current_app.log_exception(sys.exc_info())
    return _page_without_database(code, **context)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_page(400, csrf=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in PAGES:
            return error
        return error_page(code)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error: sa_exc.SQLAlchemyError):
        if not database_unavailable(error):
            # A mistake in the code, not an outage: Flask logs it and shows the 500 page.
            raise error
        _log_outage(error)
        return _page_without_database(503)

    # Unhandled exceptions reach this as InternalServerError (Flask logs them first).
    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        original = getattr(error, "original_exception", None)
        return _page_without_database(503 if database_unavailable(original) else 500)
