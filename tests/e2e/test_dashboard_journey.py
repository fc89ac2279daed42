"""The contact person's dashboard in a real browser: staff land on it after signing in, its plots
are inline SVG, a count opens the queue filtered the same way, and the yearly report prints
without the site's header and navigation.

Set SCREENSHOT_DIR to keep a screenshot of each for a person to look at.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.models import Outcome, RequestKind, RequestStatus, Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

STAFF_PASSWORD = "ville laskee luvut illalla"


@pytest.fixture
def a_working_year(app, make_user):
    """Requests of this year in several states: two overdue, one due today, answers on time
    and late. Returns the references of the overdue ones and of one that is not."""
    from portal.extensions import db
    from portal.intake import submission
    from portal.models import SubjectRequest, User
    from portal.subject_requests.clock import controller_today
    from portal.tokens import Purpose, make_token

    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    requester = make_user(email="ella@example.fi", name="Ella Esimerkki")
    kinds = [RequestKind.ACCESS, RequestKind.ERASURE, RequestKind.RECTIFICATION]
    references = {"overdue": [], "other": []}
    with app.test_request_context():
        today = controller_today()
        user = db.session.get(User, requester.id)
        for n in range(14):
            made = submission.submit_request(
                user, kinds[n % 3], submission_key=f"dashboard-{n}", description="Tiedot."
            )
            db.session.commit()
            submission.confirm_request(make_token(Purpose.CONFIRM_REQUEST, rid=made.id))
            db.session.commit()
            made = db.session.get(SubjectRequest, made.id)
            received = datetime(today.year, 1 + n % max(today.month, 1), 3, 9, tzinfo=UTC)
            made.received_at = min(received, datetime.now(UTC) - timedelta(days=1))
            if n < 2:
                made.due_on = today - timedelta(days=3 + n)
                references["overdue"].append(made.reference)
            elif n == 2:
                made.due_on = today
                references["other"].append(made.reference)
            else:
                made.status = RequestStatus.CLOSED
                made.outcome = Outcome.COMPLETED if n % 4 else Outcome.REFUSED
                made.closed_at = made.received_at + timedelta(days=4 + 3 * n)
                made.due_on = (made.received_at + timedelta(days=30 if n % 5 else 20)).date()
            db.session.commit()
    return references


def _screenshot(page, name: str) -> None:
    if directory := os.environ.get("SCREENSHOT_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/{name}.png", full_page=True)


def test_staff_land_on_the_dashboard_and_follow_a_count_to_the_queue(
    app, page, live_server, a_working_year
):
    sign_in(page, "ville@wprod.fi", STAFF_PASSWORD, app)
    expect(page).to_have_url(re.compile(r"/staff/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilannekuva")
    plots = page.locator("svg.plot-svg")
    expect(plots).to_have_count(3)
    for index in range(3):
        assert plots.nth(index).bounding_box()["width"] > 300
    _screenshot(page, "dashboard-journey-desktop")

    page.get_by_role("link", name=re.compile(r"^2 myöhässä$")).click()
    expect(page).to_have_url(re.compile(r"/staff/\?status=open&due=overdue"))
    queue = page.locator("table").first
    for reference in a_working_year["overdue"]:
        expect(queue).to_contain_text(reference)
    for reference in a_working_year["other"]:
        expect(queue).not_to_contain_text(reference)


def test_the_yearly_report_prints_without_the_sites_navigation(
    app, page, live_server, a_working_year
):
    sign_in(page, "ville@wprod.fi", STAFF_PASSWORD, app)
    year = datetime.now(UTC).year
    page.goto(f"/staff/reports/{year}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tilivelvollisuusraportti {year}")
    expect(page.locator("svg.plot-svg")).to_have_count(3)
    # The year chooser.
    page.get_by_label("Vuosi").select_option(str(year))
    page.get_by_role("button", name="Näytä").click()
    expect(page).to_have_url(re.compile(rf"/staff/reports/{year}$"))
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_label("Vuosi")).to_be_hidden()
    expect(page.get_by_role("heading", name="Myöhässä vastatut pyynnöt")).to_be_visible()
    _screenshot(page, "yearly-report-print")


def test_the_dashboard_and_the_report_with_their_plots_pass_axe_at_both_widths(
    app, browser, live_server, a_working_year
):
    """With data in every plot: axe-core finds no critical or serious violation, and nothing
    is wider than a 390 px phone (the tables scroll inside their own box)."""
    from tests.e2e.test_accessibility import check_page, signed_in_state

    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    year = datetime.now(UTC).year
    problems = []
    for path in ("/staff/dashboard", f"/staff/reports/{year}", f"/staff/reports/{year}?lang=sv"):
        problems += check_page(
            browser, live_server, path, storage_state=state, name="plots" + re.sub(r"\W", "-", path)
        )
    assert problems == []
