"""The case file's report.html, opened from the ZIP as the authority opens it: axe-core finds no
critical or serious violation and nothing is wider than the screen, at a desktop and a phone
width (the same bar as the portal's own pages, tests/e2e/test_accessibility.py)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.test_accessibility import (  # noqa: F401 - fixtures
    BLOCKING,
    STAFF_PASSWORD,
    WIDTHS,
    make_request_e2e,
    people,
    signed_in_state,
)

pytestmark = pytest.mark.e2e


def test_the_case_file_report_reads_on_a_desktop_and_a_phone(
    app,
    browser,
    live_server,
    people,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    context = browser.new_context(base_url=live_server, storage_state=state)
    response = context.request.get(f"/staff/requests/{people['access_id']}/case-file")
    assert response.status == 200 and response.headers["content-type"] == "application/zip"
    report = tmp_path / "report.html"
    report.write_bytes(zipfile.ZipFile(io.BytesIO(response.body())).read("report.html"))
    context.close()
    problems = []
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.goto(report.as_uri())
        assert page.locator("#verification").is_visible()
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in BLOCKING:
                problems.append(f"report @{width}: {violation['id']} ({violation['impact']})")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"report @{width}: {overflow} px wider than the screen")
        if directory := os.environ.get("SCREENSHOT_DIR"):
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{directory}/case-file-report-{label}.png", full_page=True)
        context.close()
    assert problems == []
