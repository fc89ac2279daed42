"""The compact ticket page in a browser (issue 13, item 6): the request, the requester and the
identity side by side at 1280 px and stacked at 390 px without a sideways scroll; one composer
whose actions are links (the keyboard shortcuts only follow them); a reply refused for a part
still to write comes back with its text; axe-core finds no critical or serious violation.

Set SCREENSHOT_DIR to keep a screenshot of each state for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.test_accessibility import (  # noqa: F401 - the fixtures people needs
    BLOCKING,
    STAFF_PASSWORD,
    make_request_e2e,
    signed_in_state,
)
from tests.e2e.test_accessibility import people as people

pytestmark = pytest.mark.e2e


def blocking(page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]


def shot(page, name: str) -> None:
    if directory := os.environ.get("SCREENSHOT_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/ticket-{name}.png", full_page=True)


WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_ticket_page_at_a_desk_and_on_a_phone(app, browser, live_server, people, width):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    # Not bypassing the CSP for the page itself: the shortcuts' script must load under it.
    context = browser.new_context(
        base_url=live_server,
        locale="fi-FI",
        viewport={"width": width, "height": 900},
        storage_state=state,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    path = f"/staff/requests/{people['access_id']}"
    page.goto(path)
    boxes = [
        page.locator(selector).bounding_box()
        for selector in (
            ".ticket-top > section:nth-child(1)",
            ".ticket-top > section:nth-child(2)",
            "#identity",
        )
    ]
    if width == 1280:
        # Side by side: one row, left to right.
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
        assert abs(boxes[0]["y"] - boxes[2]["y"]) < 2
    else:
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"ticket page height at {width} px: {height} px")
    shot(page, f"{width}")
    assert overflow(page) <= 1, page.evaluate(WIDEST)
    assert blocking(page) == []

    composer = page.locator("#composer")
    # One action open at a time; a tab (a plain link) opens another.
    expect(composer.locator("form")).to_have_count(1)
    expect(composer.locator("form#reply")).to_be_visible()
    composer.get_by_role("link", name="Sisäinen muistiinpano").click()
    expect(composer.locator("form#note")).to_be_visible()
    expect(page.locator("form#reply")).to_have_count(0)
    assert "compose=note" in page.url
    composer.get_by_role("link", name="Sulje pyyntö").click()
    expect(composer.locator("form#resolve")).to_be_visible()
    # An access request: no Art. 19 recipients to account for.
    expect(page.locator("#art19")).to_have_count(0)
    assert blocking(page) == []

    # The shortcuts, from our own script: ? lists them, a letter opens its action.
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    assert blocking(page) == []
    shot(page, f"{width}-shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("e")
    expect(composer.locator("form#extend")).to_be_visible()
    page.keyboard.press("r")
    expect(composer.locator("form#reply")).to_be_visible()
    # Typing in a field is typing, not a shortcut.
    page.locator("#reply-body").click()
    page.keyboard.type("ena")
    expect(page.locator("#reply-body")).to_have_value("ena")
    expect(composer.locator("form#reply")).to_be_visible()

    # A reply with a part still to write: refused, open again, the text kept, the error named.
    composer.get_by_role("link", name="Vastaa").click()
    text = "Hei, tässä tietosi. [KIRJOITA TÄHÄN: mitkä tiedot]"
    page.get_by_label("Vastaus pyytäjälle").fill(text)
    page.get_by_role("button", name="Lähetä vastaus").click()
    expect(composer.locator("form#reply")).to_be_visible()
    expect(page.get_by_label("Vastaus pyytäjälle")).to_have_value(text)
    expect(composer.locator(".error-message")).to_contain_text("KIRJOITA TÄHÄN")
    assert overflow(page) <= 1
    assert blocking(page) == []
    shot(page, f"{width}-reply-error")
    # The refused reply's own 400 is the only error the console may show.
    assert [e for e in errors if "400" not in e] == []
    context.close()
