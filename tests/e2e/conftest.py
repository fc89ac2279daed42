"""A real browser (Debian's chromium, driven by Playwright) against the portal on loopback.

Playwright's own browser download does not work on our machines, so the browser is the system's
chromium. Without it these tests skip with the reason, unless E2E_REQUIRED=1 (set by CI), which
turns a missing browser into a failure.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import totp_code

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app_settings(app_settings, tmp_path):
    # The development mailbox instead of SMTP: the person reads their mail in the browser.
    return {
        **app_settings,
        "MAIL_TRANSPORT": "mailbox",
        "MAILBOX_DIR": str(tmp_path / "mailbox"),
        "DEV_MAILBOX": True,
    }


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, email: str, password: str, app=None) -> None:
    page.goto("/login")
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_label("Salasana", exact=True).fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    if app is not None:
        # Staff: the code from the authenticator app comes next.
        expect(page.get_by_role("heading", level=1)).to_have_text("Kirjoita koodisi")
        page.get_by_label("Koodi").fill(totp_code(app, email))
        page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.locator(".flash-success")).to_contain_text("Tervetuloa")
