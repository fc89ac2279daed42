"""The privacy-request portal: an app factory made of small ``register_*`` steps."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import BASE_DIR, CONFIGS, INSTANCE_DIR, ConfigError


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app.

    ``config`` is an environment name ("development", "testing", "production") or a mapping of
    settings laid over the testing configuration (used by the tests). Without it the environment
    comes from ``PORTAL_ENV`` and defaults to production, so that a forgotten variable on a server
    fails safe: production refuses to start without its settings.
    """
    overrides: dict = {}
    if isinstance(config, dict):
        overrides = config
        env_name = "testing"
    else:
        env_name = config or os.environ.get("PORTAL_ENV", "production")
    if env_name not in CONFIGS:
        raise ConfigError(f"Unknown PORTAL_ENV {env_name!r}; use one of: {', '.join(CONFIGS)}.")
    config_class = CONFIGS[env_name]

    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if env_name == "production":
        config_class.check_mapping(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Client addresses (rate limits, logs) and https come from the proxy's headers.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)

    register_notice(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    return app


def register_notice(app: Flask) -> None:
    from portal.notice import load_notice

    # A malformed notice stops start-up here, with a NoticeError naming the bad field.
    app.extensions["notice"] = load_notice(app.config["NOTICE_FILE"])


def register_extensions(app: Flask) -> None:
    from portal import i18n
    from portal.extensions import (
        babel,
        csrf,
        db,
        init_mail,
        init_migrations,
        init_sqlite,
        limiter,
        login_manager,
    )

    db.init_app(app)
    init_sqlite(app)
    init_migrations(app, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    init_mail(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    i18n.init_app(app, babel)

    from portal.web.accounts import guard

    # Sessions are checked on the server: the loader, the idle timeout, signing in and out.
    guard.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.answering import access_package
    from portal.web.accounts import claim as _claim  # noqa: F401 - adds its routes
    from portal.web.accounts import second_factor as _second_factor  # noqa: F401 - adds routes
    from portal.web.accounts.views import bp as auth_bp
    from portal.web.admin import staff as _admin_staff  # noqa: F401 - adds its routes
    from portal.web.admin import waiting as _admin_waiting  # noqa: F401 - the layout's banner
    from portal.web.admin.views import bp as admin_bp
    from portal.web.incoming import register_input
    from portal.web.main import verification as _verification  # noqa: F401 - adds its route
    from portal.web.main.views import bp as main_bp
    from portal.web.requester import access as _requester_access  # noqa: F401 - adds its routes
    from portal.web.requester.views import bp as requests_bp
    from portal.web.staff import access as _staff_access  # noqa: F401 - adds its routes to bp
    from portal.web.staff import casefile as _staff_casefile  # noqa: F401 - the case file ZIP
    from portal.web.staff import dashboard as _staff_dashboard  # noqa: F401 - figures, report
    from portal.web.staff import erasure as _staff_erasure  # noqa: F401 - the Erasure panel
    from portal.web.staff import identity as _staff_identity  # noqa: F401 - the Identity panel
    from portal.web.staff import inbox as _staff_inbox  # noqa: F401 - the privacy mailbox
    from portal.web.staff import intake as _staff_intake  # noqa: F401 - adds its routes to bp
    from portal.web.staff import letters as _staff_letters  # noqa: F401 - adds its routes to bp
    from portal.web.staff import queue as _staff_queue  # noqa: F401 - the queue and the register
    from portal.web.staff import rectify as _staff_rectify  # noqa: F401 - corrections
    from portal.web.staff import suppression as _staff_suppression  # noqa: F401 - the same
    from portal.web.staff import systems as _staff_systems  # noqa: F401 - the Systems panel
    from portal.web.staff.views import bp as staff_bp
    from portal.web.tasks.views import bp as tasks_bp

    # Before the routes: ids in paths stop at the database's range (a larger one is a 404).
    register_input(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(tasks_bp)
    # Access packages: helpers for the ticket and request pages.
    access_package.init_app(app)
    if app.config.get("DEV_MAILBOX"):
        # The mailbox page exists in development only: it shows everyone's mail.
        from portal.web.devmail.views import bp as devmail_bp

        app.register_blueprint(devmail_bp)


def register_errors(app: Flask) -> None:
    from portal.errors import register_error_handlers

    register_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from portal.notice.render import register_filters

    register_filters(app)

    @app.context_processor
    def inject_notice() -> dict:
        from portal.files import limit_mb
        from portal.i18n import current_language
        from portal.subject_requests.kinds import KINDS, OUTCOME_NAMES, STATUS_NAMES

        return {
            "request_kinds": KINDS,
            "status_names": STATUS_NAMES,
            "outcome_names": OUTCOME_NAMES,
            "notice": app.extensions["notice"],
            "lang": current_language(),
            "languages": app.config["LANGUAGES"],
            "upload_limits": {
                "count": app.config["ATTACHMENT_MAX_FILES"],
                "mb": limit_mb(),
                "types": ", ".join(app.config["ATTACHMENT_TYPES"]),
            },
        }


def register_security_headers(app: Flask) -> None:
    from flask import request, session

    # Who is signed in is read from the session cookie, not the database: the headers must be
    # right on an error page drawn during an outage too.
    signed_in_key = "_user_id"  # where Flask-Login keeps the signed-in user's id
    staff_blueprints = {"staff", "admin"}

    @app.after_request
    def set_headers(response):
        # Nothing is loaded from another host, no inline script runs, and no plug-in content
        # (object/embed) is allowed at all (OWASP ASVS 4.0 V14.4.3).
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault(
                "Strict-Transport-Security", app.config["STRICT_TRANSPORT_SECURITY"]
            )
        # Pages for a signed-in person, and every staff page, show personal data: no browser
        # or proxy may keep a copy, which the next user of a shared computer could open from the
        # history (GDPR Art. 32(1)(b); OWASP ASVS 4.0 V8.2.1). Style sheets stay cacheable.
        if request.endpoint != "static" and (
            request.blueprint in staff_blueprints or session.get(signed_in_key)
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


def register_cli(app: Flask) -> None:
    from portal.cli import register_commands

    register_commands(app)
