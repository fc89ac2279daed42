"""Configuration classes: development, testing, production.

Every setting can be given as an environment variable of the same name; the README lists them.
Production refuses to start when a setting it cannot do without is missing (see
``ProductionConfig.check``), rather than falling back to a value that is unsafe to run with.
"""

from __future__ import annotations

import math
import os
import string
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


# Keys that sign sessions and links, or key the suppression list's hashes, must resist guessing
# offline: at least 128 bits of strength (NIST SP 800-57 Part 1 §5.6; GDPR Art. 32(1)). How a key
# was made cannot be seen, so its strength is estimated from what it looks like: the size of the
# character classes it uses, counting neither characters that repeat what came before nor runs such
# as "aaaa", "abcd" or "9876". A key from `secrets.token_urlsafe(48)` gives about 400 bits.
SECRET_MIN_LENGTH = 32
SECRET_MIN_BITS = 128
SECRET_MIN_DISTINCT = 10
KEY_ADVICE = (
    'Generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))" '
    "(README, 'Settings')."
)
_CHARACTER_CLASSES = (
    string.ascii_lowercase,
    string.ascii_uppercase,
    string.digits,
    string.punctuation + " ",
)


def _alphabet_size(key: str) -> int:
    size = sum(len(chars) for chars in _CHARACTER_CLASSES if any(c in chars for c in key))
    known = "".join(_CHARACTER_CLASSES)
    # Letters beyond ASCII: counted as one more class of modest size, not as all of Unicode.
    return size + (64 if any(c not in known for c in key) else 0)


def _repeat_length(key: str, start: int) -> int:
    """How far key[start:] repeats text that begins earlier (overlapping, as in "abab…")."""
    earlier = key.find(key[start : start + 4], 0, start + 3)
    if len(key) - start < 4 or earlier == -1:
        return 0
    length = 0
    while start + length < len(key) and key[earlier + length] == key[start + length]:
        length += 1
    return length


def _continues_run(key: str, index: int) -> bool:
    """Whether key[index] is the third or later of a run like "aaa", "abc" or "cba"."""
    if index < 2:
        return False
    step = ord(key[index]) - ord(key[index - 1])
    return abs(step) <= 1 and step == ord(key[index - 1]) - ord(key[index - 2])


def estimated_secret_bits(key: str) -> float:
    """A rough estimate of the guessing entropy of ``key`` in bits, low for keys with a pattern."""
    counted = 0
    index = 0
    while index < len(key):
        repeated = _repeat_length(key, index)
        if repeated >= 4:
            index += repeated
        elif _continues_run(key, index):
            index += 1
        else:
            counted += 1
            index += 1
    return counted * math.log2(_alphabet_size(key)) if counted else 0.0


def secret_problem(name: str, key: str) -> str | None:
    """Why ``key`` is too weak for the secret setting ``name``, or None when it will do."""
    if len(key) < SECRET_MIN_LENGTH:
        return f"{name} must be at least {SECRET_MIN_LENGTH} characters of random data."
    if len(set(key)) < SECRET_MIN_DISTINCT:
        return (
            f"{name} uses too few different characters ({len(set(key))}) to be random data; "
            f"at least {SECRET_MIN_DISTINCT} are needed."
        )
    if "not-secret" in key.lower():
        # The development and testing keys are published with the code (OWASP ASVS 4.0 V2.10.4).
        return f"{name} is built from a key that is published with the portal's code."
    bits = estimated_secret_bits(key)
    if bits < SECRET_MIN_BITS:
        return (
            f"{name} does not look random: it repeats itself or runs in sequence, which leaves "
            f"about {bits:.0f} bits of entropy where at least {SECRET_MIN_BITS} are needed."
        )
    return None


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"

    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(_env("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # A SQLite database file is kept in write-ahead-log mode: a commit appends to the log and
    # waits for one sync of it instead of the rollback journal's several, and pages are read
    # while a commit is written. "FULL" keeps every commit durable across a power cut (the mail
    # sender's record of a delivery must not be lost, or the message goes out again).
    SQLITE_WAL = True
    SQLITE_SYNCHRONOUS = _env("SQLITE_SYNCHRONOUS", "FULL")

    # Links in email are built from this, never from the request's Host header, so that a forged
    # Host cannot send someone a password-reset link that points elsewhere.
    PORTAL_BASE_URL = _env("PORTAL_BASE_URL", "http://127.0.0.1:5000")

    # The controller's privacy notice as data; another controller points this at its own file.
    NOTICE_FILE = _env("NOTICE_FILE", str(BASE_DIR / "portal" / "notice" / "wprod.toml"))

    # Languages: Finnish first, then Swedish (Finland's other national language) and English;
    # the language switch offers them in this order.
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = _env("PORTAL_TIMEZONE", "Europe/Helsinki")
    LANGUAGES = ("fi", "sv", "en")

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
    # Seconds to connect to one of the register's databases, and for each statement there: a
    # database that is down or silent is shown as unreachable, never holds up a page for long.
    REGISTER_TIMEOUT = _env_int("REGISTER_TIMEOUT", 5)
    # The whole of one delivery (connect, greeting, TLS, login, message): a server that drips one
    # byte at a time cannot hold the sender for longer. Below OUTBOX_CLAIM_SECONDS (checked).
    MAIL_DELIVERY_DEADLINE = _env_int("MAIL_DELIVERY_DEADLINE", 60)
    MAIL_SUPPRESS_SEND = False
    # The Reply-To of mail about a request, with {token} for the request's reply token, e.g.
    # "tietosuoja+{token}@wprod.fi": the mail server must deliver every such address to the
    # privacy mailbox. Unset: no Reply-To (replies go to MAIL_DEFAULT_SENDER).
    MAIL_REPLY_TO_TEMPLATE = _env("MAIL_REPLY_TO_TEMPLATE")
    # The right-hand side of the portal's Message-IDs; the sender's domain when unset.
    MAIL_MESSAGE_ID_DOMAIN = _env("MAIL_MESSAGE_ID_DOMAIN")
    MAILBOX_DIR = _env("MAILBOX_DIR", str(INSTANCE_DIR / "mailbox"))
    DEV_MAILBOX = False
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_RETRY_BASE_SECONDS = _env_int("OUTBOX_RETRY_BASE_SECONDS", 60)
    OUTBOX_BATCH_SIZE = _env_int("OUTBOX_BATCH_SIZE", 50)
    # A sender that crashed mid-delivery leaves its claim; others may take the message after this.
    OUTBOX_CLAIM_SECONDS = _env_int("OUTBOX_CLAIM_SECONDS", 300)

    # The privacy mailbox the portal reads (`flask inbox fetch`). INBOX_SECURITY is "tls"
    # (IMAPS, port 993), "starttls" (port 143) or "none" (loopback only: tests, a local relay).
    INBOX_HOST = _env("INBOX_HOST")
    INBOX_PORT = _env_int("INBOX_PORT", 993)
    INBOX_USER = _env("INBOX_USER")
    INBOX_PASSWORD = _env("INBOX_PASSWORD")
    INBOX_SECURITY = _env("INBOX_SECURITY", "tls")
    # The certificate of a private CA that signed the IMAP server's; unset: the system's CAs.
    INBOX_CA_FILE = _env("INBOX_CA_FILE")
    INBOX_FOLDER = _env("INBOX_FOLDER", "INBOX")
    # Stored messages get the keyword INBOX_PROCESSED_FLAG; with INBOX_PROCESSED_FOLDER set they
    # are also moved there, out of the way of people reading the mailbox.
    INBOX_PROCESSED_FLAG = _env("INBOX_PROCESSED_FLAG", "$PortalStored")
    INBOX_PROCESSED_FOLDER = _env("INBOX_PROCESSED_FOLDER")
    # The raw message kept as evidence is cut at this size (the cut is recorded).
    INBOX_MAX_BYTES = _env_int("INBOX_MAX_BYTES", 25 * 1024 * 1024)
    INBOX_TIMEOUT = _env_int("INBOX_TIMEOUT", 30)
    # The most one step may take in all (connecting and logging in, reading one message): a
    # server that drips a byte at a time cannot hold the fetcher for longer.
    INBOX_DEADLINE = _env_int("INBOX_DEADLINE", 300)
    INBOX_BATCH_SIZE = _env_int("INBOX_BATCH_SIZE", 50)
    # The authserv-id of the privacy mailbox's own receiving server (as in its
    # Authentication-Results headers, e.g. "mx.wprod.fi"). Set, a message that would join a
    # request must have passed DMARC (or DKIM/SPF without a DMARC policy) there, or it waits for
    # staff. Unset: the check is off (the mail server does no such checks).
    INBOX_AUTHSERV_ID = _env("INBOX_AUTHSERV_ID")
    # Mail decided not to be a request, and part of none, is emptied this many days after the
    # decision (`flask requests purge`); mail of a request goes with the request's records.
    INBOX_KEEP_DAYS = _env_int("INBOX_KEEP_DAYS", 90)

    # Signed links in email, each purpose with its own lifetime.
    CONFIRM_EMAIL_MAX_AGE = _env_int("CONFIRM_EMAIL_MAX_AGE", 3 * 24 * 3600)
    RESET_PASSWORD_MAX_AGE = _env_int("RESET_PASSWORD_MAX_AGE", 2 * 3600)
    INVITATION_MAX_AGE = _env_int("INVITATION_MAX_AGE", 7 * 24 * 3600)
    # A task for a system's owner (a person, not a connection); never after the request closes.
    SYSTEM_TASK_MAX_AGE = _env_int("SYSTEM_TASK_MAX_AGE", 14 * 24 * 3600)
    # The owner of the address on file is asked whether they made a request; never after it closes.
    IDENTITY_CHECK_MAX_AGE = _env_int("IDENTITY_CHECK_MAX_AGE", 7 * 24 * 3600)

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
    # Lifting a restriction (GDPR Art. 18(3)) waits for the notice to the person to be delivered;
    # when it cannot be (no address, or the email failed), it ends after this many days.
    RESTRICTION_LIFT_AFTER_DAYS = _env_int("RESTRICTION_LIFT_AFTER_DAYS", 3)
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
    # "Remember me": requesters only, at most 14 days (portal.accounts.sessions.REMEMBER_DAYS).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # Staff are signed out after this many minutes without a request.
    STAFF_IDLE_MINUTES = _env_int("STAFF_IDLE_MINUTES", 30)
    # Releasing a copy of someone's data, completing an erasure or exporting data asks staff for
    # their second factor again when the last check is older than this.
    SECOND_FACTOR_FRESH_MINUTES = _env_int("SECOND_FACTOR_FRESH_MINUTES", 15)

    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none; trust nothing).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    # Sent as Strict-Transport-Security when set (production): see ProductionConfig.
    STRICT_TRANSPORT_SECURITY: str | None = None

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    AUTH_RATE_LIMIT = _env("AUTH_RATE_LIMIT", "10 per minute; 100 per hour")
    # Failed sign-ins per account typed, and wrong current passwords per account: a backoff.
    ACCOUNT_GUESS_LIMIT = _env("ACCOUNT_GUESS_LIMIT", "5 per 15 minutes; 10 per hour; 20 per day")
    # Reset and confirmation requests answer no sooner than this, whether or not the address has
    # an account, so that timing does not tell (no user enumeration).
    ACCOUNT_RESPONSE_FLOOR_MS = _env_int("ACCOUNT_RESPONSE_FLOOR_MS", 400)

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
    # Replies from the development mailbox find their request by token, as on a real server.
    MAIL_REPLY_TO_TEMPLATE = _env("MAIL_REPLY_TO_TEMPLATE", "tietosuoja+{token}@wprod.example")
    OUTBOX_RETRY_BASE_SECONDS = _env_int("OUTBOX_RETRY_BASE_SECONDS", 5)
    # The demo notice's database systems (wprod.toml's [[systems]] url_env): the demo register
    # that `flask demo seed` builds, unless the environment points them elsewhere.
    WPROD_PANEL_DATABASE_URL = database_url(
        _env("WPROD_PANEL_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'wprod-panel.sqlite'}")
    )
    WPROD_BILLING_DATABASE_URL = database_url(
        _env("WPROD_BILLING_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'wprod-billing.sqlite'}")
    )


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
    ACCOUNT_RESPONSE_FLOOR_MS = 0  # the tests that need it set it
    OUTBOX_RETRY_BASE_SECONDS = 60
    # The rollback journal: the outage tests take a SQLite database away with an exclusive lock,
    # which in WAL mode would not stop a reader (tests/integration/test_outbox_faults.py).
    SQLITE_WAL = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Browsers then refuse plain HTTP to the portal for two years, so a network attacker cannot
    # strip TLS from the sign-in form (OWASP ASVS 4.0 V14.4.5; GDPR Art. 32(1)(a)). Browsers ignore
    # it on a plain-HTTP response (RFC 6797 §8.1), so it is sent on every response.
    STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
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
    # Keys the portal itself relies on for secrecy; each must be random enough when set.
    SECRETS = ("SECRET_KEY", "SUPPRESSION_KEY")

    @classmethod
    def check_mapping(cls, settings: dict) -> None:
        missing = [cls.ENV_NAMES.get(name, name) for name in cls.REQUIRED if not settings.get(name)]
        if missing:
            raise ConfigError(
                "The portal cannot start in production without these settings: "
                + ", ".join(missing)
                + ". Set them as environment variables (see README, 'Settings')."
            )
        for name in cls.SECRETS:
            value = settings.get(name)
            problem = secret_problem(name, value) if value else None
            if problem:
                raise ConfigError(f"{problem} {KEY_ADVICE}")
        if settings.get("SUPPRESSION_KEY") == settings["SECRET_KEY"]:
            # The suppression list must outlive a rotation of SECRET_KEY (GDPR Art. 21(3)).
            raise ConfigError("SUPPRESSION_KEY must differ from SECRET_KEY. " + KEY_ADVICE)
        if settings.get("MAIL_TRANSPORT") != "smtp":
            raise ConfigError("In production MAIL_TRANSPORT must be 'smtp'.")
        deadline = settings.get("MAIL_DELIVERY_DEADLINE", cls.MAIL_DELIVERY_DEADLINE)
        if deadline >= settings.get("OUTBOX_CLAIM_SECONDS", cls.OUTBOX_CLAIM_SECONDS):
            # A claim that ends mid-delivery lets a second sender deliver the message again.
            raise ConfigError("MAIL_DELIVERY_DEADLINE must be shorter than OUTBOX_CLAIM_SECONDS.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
