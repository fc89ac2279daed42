"""Production refuses secret keys that look guessable, naming the setting and never the key."""

from __future__ import annotations

import pytest

from config import ConfigError, ProductionConfig

# Made once by the generators named beside them, and fixed so that no test depends on luck.
URLSAFE_48 = "cC8VgXM_3V_JMsa9UgY23bGQxX0SydypaARHfvpUhRWYed7Pxxs-FnEC-7TslbMm"
URLSAFE_48_OTHER = "ZJXqicKY8M67ISmQYHUpIWyaownI60vJt-MiosEKTO721eFHwYHj3YOa-0rLbtAo"


def production_settings(**changes) -> dict:
    settings = {
        "SECRET_KEY": URLSAFE_48,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db/portal",
        "PORTAL_BASE_URL": "https://tietosuoja.wprod.fi",
        "MAIL_SERVER": "smtp.wprod.fi",
        "MAIL_DEFAULT_SENDER": "WProd Oy <tietosuoja@wprod.fi>",
        "MAIL_TRANSPORT": "smtp",
        "SUPPRESSION_KEY": None,
    }
    return {**settings, **changes}


@pytest.mark.parametrize(
    "key",
    [
        URLSAFE_48,  # secrets.token_urlsafe(48), what the README tells operators to run
        "XXTyBWa2tB0ojC2xYuutJraPKZeSNBF0",  # secrets.token_urlsafe(24)
        # secrets.token_hex(32), as Flask's documentation suggests
        "3b112ea9a0c6382cf1e7cb91f64ee3baaf129106e1e0a4df960a24c8b8550d38",
        # secrets.token_hex(16): 128 bits, the least that will do
        "b4e4a9718a150863b2b712106c1b1760",
    ],
)
def test_random_keys_are_accepted(key):
    ProductionConfig.check_mapping(
        production_settings(SECRET_KEY=key, SUPPRESSION_KEY=URLSAFE_48_OTHER)
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x" * 32, "too few different characters"),
        ("x" * 64, "too few different characters"),
        ("abcd" * 10, "too few different characters"),
        ("Kissa123!" * 5, "too few different characters"),
        ("abcdefghijklmnopqrstuvwxyz0123456789", "does not look random"),
        ("0123456789" * 4, "does not look random"),
        ("Q7v#kP2m9xLz" * 3, "does not look random"),
        ("zyxwvutsrqponmlkjihgfedcba9876543210", "does not look random"),
        ("development-only-not-secret" + "-padded-to-length", "published with the portal's code"),
        ("lyhyt", "at least 32 characters"),
    ],
)
def test_guessable_secret_keys_are_refused_naming_the_setting(key, reason):
    with pytest.raises(ConfigError) as refused:
        ProductionConfig.check_mapping(production_settings(SECRET_KEY=key))
    message = str(refused.value)
    assert message.startswith("SECRET_KEY ")
    assert reason in message
    assert "secrets.token_urlsafe" in message  # how to make a good one
    assert key not in message  # a secret never goes to the logs


def test_a_weak_suppression_key_is_refused_too():
    with pytest.raises(ConfigError, match=r"^SUPPRESSION_KEY .*does not look random"):
        ProductionConfig.check_mapping(
            production_settings(SUPPRESSION_KEY="abcdefghijklmnopqrstuvwxyz0123456789")
        )


def test_suppression_key_may_be_unset_but_not_the_secret_key_again():
    ProductionConfig.check_mapping(production_settings(SUPPRESSION_KEY=None))
    with pytest.raises(ConfigError, match="SUPPRESSION_KEY must differ from SECRET_KEY"):
        ProductionConfig.check_mapping(production_settings(SUPPRESSION_KEY=URLSAFE_48))
