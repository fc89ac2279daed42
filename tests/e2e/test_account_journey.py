"""Register → read the confirmation in the local mailbox → confirm → sign in, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "kirsikkapuu kukkii keväällä"


def test_register_confirm_from_mailbox_and_sign_in(page, deliver):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("WProd Oy")

    page.get_by_role("navigation").get_by_role("link", name="Rekisteröidy").click()
    page.get_by_label("Nimi", exact=True).fill("Liisa Lahtinen")
    page.get_by_label("Sähköpostiosoite").fill("liisa@example.fi")
    page.get_by_label("Salasana", exact=True).fill(PASSWORD)
    page.get_by_label("Salasana uudelleen").fill(PASSWORD)
    page.get_by_label("Olen lukenut tietosuojaselosteen.").check()
    page.get_by_role("button", name="Luo tili").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tarkista sähköpostisi")

    # The mail sender runs (as `flask outbox send` does) and the message lands in the mailbox.
    assert deliver().sent
    page.goto("/dev/mailbox/")
    page.get_by_role("link", name="Vahvista sähköpostiosoitteesi").click()
    expect(page.locator(".mail-body")).to_contain_text("Liisa Lahtinen")
    page.locator(".mail-body a").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vahvista sähköpostiosoitteesi")
    page.get_by_role("button", name="Vahvista sähköpostiosoitteeni").click()
    expect(page.locator(".flash-success")).to_contain_text("on vahvistettu")

    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Sähköpostiosoite").fill("liisa@example.fi")
    page.get_by_label("Salasana", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.locator(".flash-success")).to_contain_text("Tervetuloa, Liisa Lahtinen.")

    page.get_by_role("link", name="Omat tiedot").click()
    expect(page.locator(".facts")).to_contain_text("liisa@example.fi")
    expect(page.locator(".facts")).to_contain_text("vahvistettu")


def test_language_switch_in_the_browser(page):
    page.goto("/privacy-notice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tietosuoja")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
