"""Configuration classes: development, testing, production.

Every setting can be given as an environment variable of the same name; the README lists them.
Production refuses to start when a setting it cannot do without is missing (see
``ProductionConfig.check``), rather than falling back to a value that is unsafe to run with.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """A setting the portal cannot run without is missing or invalid."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(value: str | None) -> str | None:
    """Accept the usual postgres:// and postgresql:// forms and use the psycopg 3 driver."""
    if value is None:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"

    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(_env("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Links in email are built from this, never from the request's Host header, so that a forged
    # Host cannot send someone a password-reset link that points elsewhere.
    PORTAL_BASE_URL = _env("PORTAL_BASE_URL", "http://127.0.0.1:5000")

    # The controller's privacy notice as data; another controller points this at its own file.
    NOTICE_FILE = _env("NOTICE_FILE", str(BASE_DIR / "portal" / "notice" / "wprod.toml"))

    # Languages: Finnish first, English complete.
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = _env("PORTAL_TIMEZONE", "Europe/Helsinki")
    LANGUAGES = ("fi", "en")

    # Mail. MAIL_TRANSPORT is "smtp" or "mailbox" (development: files read in the browser).
    MAIL_TRANSPORT = _env("MAIL_TRANSPORT", "smtp")
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 20)
    MAIL_SUPPRESS_SEND = False
    MAILBOX_DIR = _env("MAILBOX_DIR", str(INSTANCE_DIR / "mailbox"))
    DEV_MAILBOX = False
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_RETRY_BASE_SECONDS = _env_int("OUTBOX_RETRY_BASE_SECONDS", 60)
    OUTBOX_BATCH_SIZE = _env_int("OUTBOX_BATCH_SIZE", 50)
    # A sender that crashed mid-delivery leaves its claim; others may take the message after this.
    OUTBOX_CLAIM_SECONDS = _env_int("OUTBOX_CLAIM_SECONDS", 300)

    # Signed links in email, each purpose with its own lifetime.
    CONFIRM_EMAIL_MAX_AGE = _env_int("CONFIRM_EMAIL_MAX_AGE", 3 * 24 * 3600)
    RESET_PASSWORD_MAX_AGE = _env_int("RESET_PASSWORD_MAX_AGE", 2 * 3600)
    INVITATION_MAX_AGE = _env_int("INVITATION_MAX_AGE", 7 * 24 * 3600)

    # A request never confirmed lapses when its link expires.
    REQUEST_CONFIRM_MAX_AGE = _env_int("REQUEST_CONFIRM_MAX_AGE", 7 * 24 * 3600)
    # Reference numbers such as WP-2026-0042.
    REQUEST_REFERENCE_PREFIX = _env("REQUEST_REFERENCE_PREFIX", "WP")
    # Whose public holidays move deadlines (Reg. 1182/71 Art. 2(1), Art. 3(4)).
    HOLIDAY_COUNTRY = _env("HOLIDAY_COUNTRY", "FI")
    STAFF_QUEUE_PAGE_SIZE = _env_int("STAFF_QUEUE_PAGE_SIZE", 25)
    # How long the records of a closed, withdrawn or lapsed request are kept before
    # `flask requests purge` anonymises them (GDPR Art. 5(1)(e)). Unset: the notice's period for
    # its "privacy_requests" category, in calendar years from the day of closure (three for WProd
    # Oy). A number of days here replaces it; the notice should then say the same.
    REQUEST_RETENTION_DAYS = (
        int(_env("REQUEST_RETENTION_DAYS")) if _env("REQUEST_RETENTION_DAYS") else None
    )

    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10)
    # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 65536)

    # Keys the suppression list's address hashes (GDPR Art. 21(3)). Set it in production: without
    # it a key is derived from SECRET_KEY, and rotating SECRET_KEY would then orphan the list.
    SUPPRESSION_KEY = _env("SUPPRESSION_KEY")
    # Attachments: evidence, a data copy. Stored outside the web root and served only to the
    # requester (logged in) and staff.
    UPLOAD_DIR = _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    ATTACHMENT_MAX_BYTES = _env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    ATTACHMENT_MAX_FILES = _env_int("ATTACHMENT_MAX_FILES", 5)
    ATTACHMENT_TYPES = (
        _env("ATTACHMENT_TYPES", "pdf,png,jpg,jpeg,txt,csv,json,zip,docx,xlsx,odt,ods") or ""
    ).split(",")
    # The answer to an access request (GDPR Art. 15) waits on the requester's page, behind the
    # login, for this many days after staff release it; then it is no longer served.
    ACCESS_PACKAGE_DAYS = _env_int("ACCESS_PACKAGE_DAYS", 30)
    # A whole form with its files; larger posts get the 413 page.
    MAX_CONTENT_LENGTH = _env_int(
        "MAX_CONTENT_LENGTH", ATTACHMENT_MAX_FILES * ATTACHMENT_MAX_BYTES + 1024 * 1024
    )
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none; trust nothing).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    AUTH_RATE_LIMIT = _env("AUTH_RATE_LIMIT", "10 per minute; 100 per hour")

    @classmethod
    def check(cls) -> None:
        """Raise ConfigError when this environment cannot run with the settings it has."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    # A development-only key: it signs nothing that leaves this machine.
    SECRET_KEY = _env("SECRET_KEY", "development-only-not-secret")
    SQLALCHEMY_DATABASE_URI = database_url(
        _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}")
    )
    MAIL_TRANSPORT = _env("MAIL_TRANSPORT", "mailbox")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "WProd Oy <tietosuoja@wprod.example>")
    DEV_MAILBOX = True
    OUTBOX_RETRY_BASE_SECONDS = _env_int("OUTBOX_RETRY_BASE_SECONDS", 5)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PORTAL_BASE_URL = "http://localhost"
    MAIL_TRANSPORT = "smtp"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # tests that send mail point this at their SMTP sink
    MAIL_TIMEOUT = 5
    MAIL_DEFAULT_SENDER = "WProd Oy <tietosuoja@wprod.example>"
    MAILBOX_DIR = None
    # Cheap hashing keeps the suite fast; the algorithm (argon2id) is the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    RATELIMIT_ENABLED = False
    OUTBOX_RETRY_BASE_SECONDS = 60


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PORTAL_BASE_URL = _env("PORTAL_BASE_URL")
    MAIL_SERVER = _env("MAIL_SERVER")

    REQUIRED = (
        "SECRET_KEY",
        "SQLALCHEMY_DATABASE_URI",
        "PORTAL_BASE_URL",
        "MAIL_SERVER",
        "MAIL_DEFAULT_SENDER",
    )
    ENV_NAMES = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL"}

    @classmethod
    def check_mapping(cls, settings: dict) -> None:
        missing = [cls.ENV_NAMES.get(name, name) for name in cls.REQUIRED if not settings.get(name)]
        if missing:
            raise ConfigError(
                "The portal cannot start in production without these settings: "
                + ", ".join(missing)
                + ". Set them as environment variables (see README, 'Settings')."
            )
        if len(settings["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters of random data.")
        if settings.get("MAIL_TRANSPORT") != "smtp":
            raise ConfigError("In production MAIL_TRANSPORT must be 'smtp'.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
