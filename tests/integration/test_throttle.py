"""Password guessing is slowed per account across workers, and the reset page's timing does not
tell which addresses have accounts (no user enumeration).

Two apps on one database stand for two gunicorn workers; they share a real Redis, as the README
tells operators to configure for more than one worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent
from tests.conftest import csrf_token, free_port, submit

GUESSES = 20
LIMIT = 5


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("REDIS_REQUIRED") == "1":
            pytest.fail(f"REDIS_REQUIRED=1 but {reason}")
        pytest.skip(reason)
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    client.close()
    process.terminate()
    process.wait(10)


@pytest.fixture
def workers(app, make_app, redis_url):
    """Two workers sharing the rate-limit store; the per-address limit set out of the way.

    The limiter is one object per process, set up by the app made last: ``app`` (limits off)
    comes first."""
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "AUTH_RATE_LIMIT": "1000 per minute",
        "ACCOUNT_GUESS_LIMIT": f"{LIMIT} per 15 minutes",
    }
    import redis

    redis.Redis.from_url(redis_url).flushall()
    return [make_app(**settings), make_app(**settings)]


def failures_recorded(db, user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "account.login_failed", AuditEvent.subject_user_id == user_id)
    )


def guess(clients, email: str, count: int) -> list[int]:
    codes = []
    for i in range(count):
        client = clients[i % len(clients)]
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={"csrf_token": csrf_token(page), "email": email, "password": f"arvaus {i}"},
        )
        codes.append(response.status_code)
    return codes


def test_guesses_spread_over_two_workers_stop_at_the_accounts_limit(workers, make_user, db):
    maija = make_user(email="maija@example.fi")
    clients = [worker.test_client() for worker in workers]

    codes = guess(clients, "maija@example.fi", GUESSES)

    assert codes[:LIMIT] == [200] * LIMIT
    assert codes[LIMIT:] == [429] * (GUESSES - LIMIT)
    # Only the guesses within the limit reached the password check.
    assert failures_recorded(db, maija.id) == LIMIT


def test_the_limit_is_per_account_and_says_nothing_about_which_addresses_exist(workers, make_user):
    make_user(email="maija@example.fi")
    clients = [worker.test_client() for worker in workers]
    guess(clients, "maija@example.fi", LIMIT + 1)

    # Another account is not slowed by guesses against Maija's.
    other = make_user(email="pekka@example.fi", password="pekan oma salasana")
    page = clients[0].get("/login").get_data(as_text=True)
    response = clients[0].post(
        "/login",
        data={
            "csrf_token": csrf_token(page),
            "email": other.email,
            "password": "pekan oma salasana",
        },
    )
    assert response.status_code == 302
    # An address without an account is throttled exactly like one with an account.
    fresh = [worker.test_client() for worker in workers]
    assert guess(fresh, "ei-ketaan@example.fi", LIMIT + 1) == [200] * LIMIT + [429]


def test_wrong_current_passwords_are_limited_per_account(workers, make_user):
    make_user()
    client = workers[0].test_client()
    assert (
        submit(
            client, "/login", {"email": "maija@example.fi", "password": "kettu juoksee metsässä"}
        ).status_code
        == 302
    )

    codes = [
        submit(
            client,
            "/account/password",
            {
                "current_password": f"väärä {i}",
                "password": "uusi pitkä salasana tähän",
                "password_again": "uusi pitkä salasana tähän",
            },
        ).status_code
        for i in range(LIMIT + 2)
    ]

    assert codes == [200] * LIMIT + [429, 429]


@pytest.mark.parametrize("path", ["/forgot-password", "/confirm/new"])
def test_link_requests_take_as_long_with_or_without_an_account(make_app, make_user, path):
    floor_ms = 300
    client = make_app(ACCOUNT_RESPONSE_FLOOR_MS=floor_ms).test_client()
    make_user(email="maija@example.fi", confirmed=path == "/forgot-password")

    timings = {}
    for address in ("maija@example.fi", "ei-ketaan@example.fi"):
        page = client.get(path).get_data(as_text=True)
        started = time.monotonic()
        response = client.post(path, data={"csrf_token": csrf_token(page), "email": address})
        timings[address] = time.monotonic() - started
        assert response.status_code == 302

    # Both answers wait for the floor, so the one that does more work is not the slower one.
    assert min(timings.values()) >= floor_ms / 1000
