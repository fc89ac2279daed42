"""The queue on a busy day, in a real browser (issue 13, items 2, 5 and 8): the demo's forty
requests; the queue uses the width at 1280 px with references on one line; sorting by a column
header; bulk assignment with checkboxes; the register downloaded as CSV and XLSX and read back;
axe-core finds no critical or serious violation at 1280 and 390 px.

Set SCREENSHOT_DIR to keep a screenshot of each page and width for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.e2e.test_accessibility import STAFF_PASSWORD, check_page, signed_in_state

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_day(app, make_user):
    """The demo seed's requests, worked by the contact person; a colleague to assign to."""
    from portal.cli.demo_requests import seed_requests
    from portal.extensions import db
    from portal.models import User

    contact = make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    make_user(email="anna@wprod.fi", name="Anna Kollega", role=Role.STAFF, password=STAFF_PASSWORD)
    with app.app_context():
        added, _kept = seed_requests(db.session.get(User, contact.id))
    assert added >= 38
    return contact


def test_queue_pages_pass_axe_at_both_widths(app, browser, live_server, demo_day):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = []
    for path in (
        "/staff/",
        "/staff/?sort=-assignee&due=week",
        "/staff/?page=2",
        "/staff/unconfirmed",
        "/staff/closed?sort=reference",
    ):
        problems += check_page(
            browser, live_server, path, storage_state=state, name="queue" + re.sub(r"\W", "-", path)
        )
    assert problems == []


def test_a_busy_day_sort_assign_and_export(app, browser, live_server, demo_day, tmp_path):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    context = browser.new_context(
        base_url=live_server,
        locale="fi-FI",
        viewport={"width": 1280, "height": 900},
        storage_state=state,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/staff/")

    # The whole table fits at 1280 px (no scroll bar hiding the assignee), references unwrapped.
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("e => e.scrollWidth - e.clientWidth") <= 1
    heights = page.locator("td.ref a").evaluate_all(
        "els => els.map(e => e.getClientRects().length)"
    )
    assert heights and set(heights) == {1}

    # Sorting by a header: the reference column, then the other way round.
    page.get_by_role("link", name="Viite").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Viite")
    ascending = page.locator("td.ref a").all_inner_texts()
    assert ascending == sorted(ascending)
    page.get_by_role("link", name="Viite").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Viite")
    descending = page.locator("td.ref a").all_inner_texts()
    assert descending == sorted(descending, reverse=True) and descending[0] >= ascending[-1]

    # Bulk assignment: two requests to the colleague.
    chosen = page.locator("td.ref a").all_inner_texts()[:2]
    for reference in chosen:
        page.get_by_label(f"Valitse {reference}").check()
    page.get_by_label("Anna valitut pyynnöt käsittelijälle").select_option(label="Anna Kollega")
    page.get_by_role("button", name="Anna valitut").click()
    expect(page.locator(".flash-success")).to_contain_text("2 pyyntöä annettiin")
    page.goto("/staff/?assignee=" + str(_colleague_id(app)))
    assert sorted(page.locator("td.ref a").all_inner_texts()) == sorted(chosen)

    # The register of the queue as filtered: the page's requests, read back from both files.
    page.goto("/staff/?due=overdue")
    overdue = page.locator("td.ref a").all_inner_texts()
    assert overdue
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Viite" and [r[0] for r in rows[1:]] == overdue
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    cells = [[c.value for c in row] for row in book.active.iter_rows()]
    assert [r[0] for r in cells[1:]] == overdue
    assert all(r[12] == "ei" for r in cells[1:])  # overdue: not on time
    context.close()


def _colleague_id(app) -> int:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "anna@wprod.fi"))


def test_tabs_follow_a_count_and_a_saved_view_becomes_a_tab(app, browser, live_server, demo_day):
    """Issue 13 item 5: a tab's count is the length of the list it opens; a view saved with a
    name comes back as a tab of its own, marked current on its list, and can be deleted."""
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    context = browser.new_context(
        base_url=live_server,
        locale="fi-FI",
        viewport={"width": 1280, "height": 900},
        storage_state=state,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/staff/")
    tabs = page.locator(".queue-tabs")
    expect(tabs.locator("a[aria-current=page]")).to_contain_text("Avoimet")
    overdue = tabs.get_by_role("link", name=re.compile("^Myöhässä"))
    count = int(overdue.locator(".tab-count").inner_text())
    assert count > 0
    overdue.click()
    expect(tabs.locator("a[aria-current=page]")).to_contain_text("Myöhässä")
    assert page.locator("td.ref a").count() == min(count, 25)

    # Save the overdue list sorted by reference as a view of one's own.
    page.get_by_role("link", name="Viite").click()
    page.locator(".saved-views summary").click()
    page.get_by_label("Tallenna tämä näkymä nimellä").fill("Myöhässä viitteen mukaan")
    page.get_by_role("button", name="Tallenna tämä näkymä").click()
    expect(page.locator(".flash-success")).to_contain_text("Myöhässä viitteen mukaan")
    saved = tabs.get_by_role("link", name="Myöhässä viitteen mukaan")
    expect(saved).to_have_attribute("aria-current", "page")
    page.goto("/staff/")
    tabs.get_by_role("link", name="Myöhässä viitteen mukaan").click()
    assert page.url.endswith("/staff/?due=overdue&sort=reference")
    references = page.locator("td.ref a").all_inner_texts()
    assert references == sorted(references) and len(references) == min(count, 25)

    page.locator(".saved-views summary").click()
    page.get_by_role("button", name="Poista näkymä Myöhässä viitteen mukaan").click()
    expect(page.locator(".flash-success")).to_contain_text("poistettiin")
    expect(tabs.get_by_role("link", name="Myöhässä viitteen mukaan")).to_have_count(0)
    problems = check_page(
        browser, live_server, "/staff/?due=overdue", storage_state=state, name="queue-tabs"
    )
    assert problems == []
    context.close()
