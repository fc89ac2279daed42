"""Error pages in the portal's own layout, never with a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

PAGES = (400, 403, 404, 405, 410, 413, 429, 500)


def register_error_handlers(app: Flask) -> None:
    def render(code: int, **context):
        return render_template("errors/error.html", code=code, **context), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render(400, csrf=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in PAGES:
            return error
        return render(code)

    # Unhandled exceptions reach this as InternalServerError (Flask logs them first).
    app.register_error_handler(InternalServerError, lambda error: render(500))
