"""Every main page, as each kind of user sees it, at a desktop and a phone width: axe-core finds
no critical or serious violation (WCAG 2.1 AA, which the Finnish Act on the Provision of Digital
Services 306/2019 asks of public services and which a requester of any kind needs), and nothing
is wider than the screen.

Set SCREENSHOT_DIR to keep a screenshot of each page and width for a person to look at.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from portal.models import RequestKind, Role, SubjectRequest
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

WIDTHS = {"desktop": 1280, "phone": 390}
BLOCKING = {"critical", "serious"}
PASSWORD = "kirsikkapuu kukkii keväällä"
STAFF_PASSWORD = "ville pitää kirjaa kaikesta"


def check_page(
    browser,
    live_server,
    path: str,
    *,
    storage_state=None,
    name: str,
    locale: str = "fi-FI",
    status: int | None = None,
    then=None,
) -> list[str]:
    """axe-core's blocking violations and any horizontal overflow, at each width.

    ``status``: the page's expected status, for the error pages (otherwise any below 400).
    ``then``: what a person does on the page before it is checked (send a form with mistakes)."""
    problems = []
    for label, width in WIDTHS.items():
        # The portal's CSP rightly refuses injected scripts: only axe's own context bypasses it.
        context = browser.new_context(
            base_url=live_server,
            locale=locale,
            viewport={"width": width, "height": 900},
            bypass_csp=True,
            storage_state=storage_state,
        )
        page = context.new_page()
        response = page.goto(path)
        assert response is not None, path
        if status is None:
            assert response.status < 400, (path, response.status)
        else:
            assert response.status == status, (path, response.status)
        if then is not None:
            then(page)
        results = Axe().run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(
                    f"{path} @{width}: {violation['id']} ({violation['impact']}) {targets}"
                )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"{path} @{width}: {overflow} px wider than the screen")
        if directory := os.environ.get("SCREENSHOT_DIR"):
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{directory}/{name}-{label}.png", full_page=True)
        context.close()
    return problems


def signed_in_state(browser, live_server, email, password, app=None) -> dict:
    context = browser.new_context(base_url=live_server, locale="fi-FI")
    page = context.new_page()
    sign_in(page, email, password, app)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def people(app, make_user, make_request_e2e):
    """A requester with two requests (one sharing a customer number with someone else's), and
    the contact person."""
    requester = make_user(email="pekka@example.fi", name="Pekka Pyytäjä", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    other = make_user(email="toinen@example.org", name="Toinen Henkilö", password=PASSWORD)
    access_id = make_request_e2e(requester, RequestKind.ACCESS, customer_number="10042")
    make_request_e2e(other, RequestKind.ERASURE, customer_number="10042")
    return {"access_id": access_id}


@pytest.fixture
def make_request_e2e(app):
    """A confirmed request, made through the services as the web layer makes it."""
    from portal.extensions import db
    from portal.intake import submission
    from portal.models import User
    from portal.tokens import Purpose, make_token

    counter = iter(range(1000))

    def make(requester, kind, **identifiers):
        with app.test_request_context():
            user = db.session.get(User, requester.id)
            made = submission.submit_request(
                user,
                kind,
                submission_key=f"a11y-{next(counter)}",
                description="Haluan tietää, mitä tietoja minusta on.",
                **identifiers,
            )
            db.session.commit()
            submission.confirm_request(make_token(Purpose.CONFIRM_REQUEST, rid=made.id))
            db.session.commit()
            return made.id

    return make


@pytest.fixture
def demo_register(app, tmp_path):
    """The demo WProd register (10 customers, Aino Virtanen among them) on SQLite files, as the
    portal's database systems."""
    from datetime import date

    from portal.register.demo import build_register

    panel, billing = f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    build_register(panel, billing, today=date(2026, 11, 30), customers=10)
    app.config.update(WPROD_PANEL_DATABASE_URL=panel, WPROD_BILLING_DATABASE_URL=billing)
    return panel, billing


def test_public_pages(browser, live_server):
    problems = []
    for path in ("/", "/privacy-notice", "/register", "/login", "/forgot-password"):
        problems += check_page(browser, live_server, path, name="public" + re.sub(r"\W", "-", path))
    assert problems == []


def test_the_notice_in_swedish_and_its_original(browser, live_server):
    # Issue 10, item 8: the Swedish translation with its mark, and the Finnish original shown
    # inside the Swedish page (its text marked lang="fi").
    problems = []
    for path, name in (
        ("/privacy-notice", "public-privacy-notice-sv"),
        ("/privacy-notice?text=original", "public-privacy-notice-sv-original"),
    ):
        problems += check_page(browser, live_server, path, name=name, locale="sv-FI")
    assert problems == []


def test_requester_pages(app, browser, live_server, people):
    state = signed_in_state(browser, live_server, "pekka@example.fi", PASSWORD)
    problems = []
    pages = ["/account", "/requests/", "/requests/new", "/requests/new/objection"]
    pages.append(f"/requests/{people['access_id']}")
    # The confirmation a withdrawal asks for (issue 13, item 7).
    pages.append(f"/requests/{people['access_id']}/withdraw")
    for path in pages:
        problems += check_page(
            browser,
            live_server,
            path,
            storage_state=state,
            name="requester" + re.sub(r"\W", "-", path),
        )
    assert problems == []


def test_staff_pages(app, browser, live_server, people, db):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    reference = db.session.scalar(
        sa.select(SubjectRequest.reference).where(SubjectRequest.id == people["access_id"])
    )
    problems = []
    pages = [
        "/staff/",
        f"/staff/?q={reference}",
        "/staff/closed",
        f"/staff/requests/{people['access_id']}",
        "/staff/intake",
        "/staff/letters",
        "/staff/suppression",
        # The dashboard with its SVG plots, and the yearly report (issue 13).
        "/staff/dashboard",
        f"/staff/reports/{date.today().year}",
    ]
    for path in pages:
        problems += check_page(
            browser, live_server, path, storage_state=state, name="staff" + re.sub(r"\W", "-", path)
        )
    assert problems == []


def test_admin_pages_with_a_request_waiting_for_the_contact_person(
    app, browser, live_server, make_user, make_request_e2e
):
    """The admin's pages, with the banner every admin page shows while a request waits for the
    contact person's staff account (nobody has ville@wprod.fi yet)."""
    make_user(email="admin@wprod.fi", name="Anna Admin", role=Role.ADMIN, password=STAFF_PASSWORD)
    requester = make_user(email="pekka@example.fi", name="Pekka Pyytäjä", password=PASSWORD)
    make_request_e2e(requester, RequestKind.ACCESS)
    state = signed_in_state(browser, live_server, "admin@wprod.fi", STAFF_PASSWORD, app)
    problems = []
    for path in ("/admin/outbox", "/admin/staff", "/admin/notice-additions", "/staff/"):
        problems += check_page(
            browser, live_server, path, storage_state=state, name="admin" + re.sub(r"\W", "-", path)
        )
    assert problems == []


def test_the_page_where_a_letter_requester_claims_their_account(app, browser, live_server, db):
    """The account staff made for a request by letter has no password; its owner chooses one."""
    from portal.models import User
    from portal.tokens import Purpose, make_token

    with app.app_context():
        user = User(email="kirje@example.fi", name="Kirsti Kirjoittaja", locale="fi")
        db.session.add(user)
        db.session.commit()
        token = make_token(
            Purpose.CLAIM_ACCOUNT,
            uid=user.id,
            email=user.email,
            nonce=user.session_nonce,
            locale="fi",
        )
    problems = check_page(browser, live_server, f"/register/claim/{token}", name="claim")
    problems += check_page(
        browser, live_server, f"/register/claim/{token}", then=send_empty, name="claim-mistakes"
    )
    assert problems == []


def test_the_systems_panel_and_the_task_owners_page(
    app, browser, live_server, make_user, make_request_e2e
):
    """The ticket's Systems panel with a task answered and one waiting, and the page without an
    account where a system's owner answers (issue 11, item 2)."""
    from portal.extensions import db
    from portal.models import SubjectRequest, TaskAnswer, User
    from portal.register import tasks
    from portal.tokens import Purpose, make_token

    requester = make_user(email="pekka@example.fi", name="Pekka Pyytäjä", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request_e2e(requester, RequestKind.ERASURE, customer_number="10001")
    with app.test_request_context():
        subject_request = db.session.get(SubjectRequest, request_id)
        staff = db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        answered = tasks.send_task(subject_request, "monitoring", staff, "Myös lokit.")
        waiting = tasks.send_task(subject_request, "newsletter", staff, None)
        tasks.answer_task(
            answered,
            TaskAnswer.CANNOT,
            done_on=None,
            reason="Lokit poistuvat itsestään 30 päivän kuluttua.",
            uploads=[],
        )
        db.session.commit()
        token = make_token(Purpose.SYSTEM_TASK, task=waiting.id, key=waiting.link_jti)
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = check_page(
        browser,
        live_server,
        f"/staff/requests/{request_id}#systems",
        storage_state=state,
        name="systems-ticket",
    )
    problems += check_page(browser, live_server, f"/task/{token}", name="task-owner")
    problems += check_page(browser, live_server, "/task/answered", name="task-answered")
    assert problems == []


def test_the_identity_panel_of_a_possible_impostor_and_the_owners_question(
    app, browser, live_server, make_user, make_request_e2e, demo_register
):
    """The ticket of a request whose customer number belongs to someone else in the register,
    and the page where the owner of the address on file answers."""
    from portal.tokens import Purpose, make_token

    requester = make_user(email="pekka@example.fi", name="Pekka Pyytäjä", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request_e2e(requester, RequestKind.ACCESS, customer_number="10001")
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = check_page(
        browser,
        live_server,
        f"/staff/requests/{request_id}",
        storage_state=state,
        name="identity-ticket",
    )
    with app.app_context():
        token = make_token(Purpose.IDENTITY_CHECK, rid=request_id, system="panel", key="1")
    problems += check_page(browser, live_server, f"/identity/{token}", name="identity-question")
    assert problems == []


def test_the_erasure_panel_with_a_system_done_and_one_down(
    app, browser, live_server, make_user, make_request_e2e, demo_register, tmp_path
):
    """The ticket's Erasure panel (issue 11, item 5): the hosting panel carried out and checked,
    the billing program down with its plan waiting for a retry, the kept rows with their days."""
    from datetime import date

    from portal.extensions import db
    from portal.models import User
    from portal.register.erasure import ticket as erasure
    from portal.web.staff.erasure import identity_of

    _panel, billing = demo_register
    aino = make_user(email="aino.virtanen@example.com", name="Aino Virtanen", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request_e2e(aino, RequestKind.ERASURE, customer_number="10001")
    with app.test_request_context():
        subject_request = db.session.get(SubjectRequest, request_id)
        staff = db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        erasure.make_plans(subject_request, staff, identity_of(subject_request), date.today())
        app.config["WPROD_BILLING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'missing.sqlite'}"
        erasure.carry_out(subject_request, staff, identity_of(subject_request), date.today())
        app.config["WPROD_BILLING_DATABASE_URL"] = billing
        db.session.commit()
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = check_page(
        browser,
        live_server,
        f"/staff/requests/{request_id}#erasure",
        storage_state=state,
        name="erasure-ticket",
    )
    assert problems == []


def test_the_page_where_staff_correct_the_data_in_a_system(
    app, browser, live_server, make_user, make_request_e2e, demo_register
):
    """A rectification's page for one connected system: the person's rows with the fields staff
    may correct, and the rest shown (issue 11, item 5; GDPR Art. 16)."""

    aino = make_user(email="aino.virtanen@example.com", name="Aino Virtanen", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request_e2e(aino, RequestKind.RECTIFICATION, customer_number="10001")
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = check_page(
        browser,
        live_server,
        f"/staff/requests/{request_id}/rectify/panel",
        storage_state=state,
        name="rectify-panel",
    )
    assert problems == []


def test_the_systems_part_of_a_restriction_with_the_panels_flag_set(
    app, browser, live_server, make_user, make_request_e2e, demo_register
):
    """A restriction's ticket after the hosting panel's own flag was set, the other systems
    waiting or waived (issue 11, item 5; GDPR Art. 18(1))."""
    from portal.extensions import db
    from portal.models import User
    from portal.register.erasure import ticket as erasure
    from portal.web.staff.erasure import identity_of

    aino = make_user(email="aino.virtanen@example.com", name="Aino Virtanen", password=PASSWORD)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    request_id = make_request_e2e(aino, RequestKind.RESTRICTION, customer_number="10001")
    with app.test_request_context():
        subject_request = db.session.get(SubjectRequest, request_id)
        staff = db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        identity = identity_of(subject_request)
        erasure.set_flags_in(
            subject_request, staff, identity, erasure.flag_systems("restriction")[0], "restriction"
        )
        erasure.waive(
            subject_request, staff, "billing", "Laskutusohjelma ei markkinoi eikä profiloi."
        )
        db.session.commit()
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = check_page(
        browser,
        live_server,
        f"/staff/requests/{request_id}#erasure",
        storage_state=state,
        name="restriction-ticket",
    )
    assert problems == []


def test_the_inbox_and_a_message_in_it(app, browser, live_server, people, db):
    """The staff inbox beside the queue, and one message: a long unbroken line, attachments, a
    message cut at the size limit and sent by a program (every notice shown at once)."""
    from datetime import UTC, datetime

    from portal.models import ArrivalSource, IncomingMessage

    message = IncomingMessage(
        mailbox="privacy@mail.example/INBOX",
        uidvalidity=1,
        uid=1,
        message_id="a11y@example.fi",
        sender="aino.asiakas@example.fi",
        sender_name="Aino Asiakas",
        subject="Pyyntö: haluan tietää, mitä tietoja minusta on",
        arrived_at=datetime(2026, 11, 27, 14, 30, tzinfo=UTC),
        arrival_source=ArrivalSource.DATE_HEADER,
        body_text="Hei,\n\nhaluan kopion tiedoistani.\n\n" + "x" * 300 + "\n\nTerveisin\nAino",
        attachments=[{"name": "henkilokortti.pdf", "size": 123456, "type": "application/pdf"}],
        automatic="auto-submitted",
        storage_key="a" * 64,
        raw_size=30_000_000,
        stored_size=25 * 1024 * 1024,
        raw_sha256="0" * 64,
        raw_truncated=True,
        defects="unknown charset x-klingon",
    )
    db.session.add(message)
    # A reply from another address that names a request, waiting for staff to decide.
    from portal import audit
    from portal.models import IncomingState

    request = db.session.get(SubjectRequest, people["access_id"])
    other = IncomingMessage(
        mailbox="privacy@mail.example/INBOX",
        uidvalidity=1,
        uid=2,
        sender="joku@example.org",
        subject="Re: Tarvitsemme lisätietoja",
        arrived_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        arrival_source=ArrivalSource.INTERNALDATE,
        body_text="Asiakasnumeroni on 10042.",
        attachments=[],
        storage_key="b" * 64,
        raw_size=900,
        stored_size=900,
        raw_sha256="1" * 64,
        state=IncomingState.WAITING,
        state_reason="sender-differs",
        request_id=request.id,
    )
    db.session.add(other)
    db.session.commit()
    request_id, other_id = request.id, other.id
    # The ticket then shows a reply by email, a message waiting, and a bounce.
    with app.test_request_context():
        from portal.extensions import db as portal_db

        request = portal_db.session.get(SubjectRequest, request_id)
        audit.record(
            "message.requester",
            actor=request.requester,
            request=request,
            public=True,
            body="Tässä pyytämänne tiedot.",
            channel="email",
            incoming_message=other_id,
            files_not_taken=[{"name": "ohjelma.exe", "why": "ei sallittu"}],
        )
        audit.record(
            "email.waiting",
            request=request,
            incoming_message=other_id,
            sender="joku@example.org",
            reason="sender-differs",
        )
        audit.record(
            "email.bounced",
            request=request,
            to="pekka@example.fi",
            status="5.1.1",
            diagnostic="550 5.1.1 user unknown",
            email_subject="Tarvitsemme lisätietoja",
        )
        portal_db.session.commit()
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = []
    for path in (
        "/staff/inbox",
        f"/staff/inbox/{message.id}",
        f"/staff/inbox/{other_id}",
        f"/staff/intake?message={other_id}",
        f"/staff/requests/{request_id}",
    ):
        problems += check_page(
            browser, live_server, path, storage_state=state, name="staff" + re.sub(r"\W", "-", path)
        )
    assert problems == []


# Every other page of the portal (issue 13, item 9) -------------------------------------------


def send_empty(page) -> None:
    """Send the page's form as it is: the page comes back with its mistakes marked."""
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state()


def pending_state(browser, live_server, email: str, password: str) -> dict:
    """A sign-in halfway: the password given, the second factor still to come."""
    context = browser.new_context(base_url=live_server, locale="fi-FI")
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_label("Salasana", exact=True).fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()
    state = context.storage_state()
    context.close()
    return state


def test_pages_without_an_account_and_the_error_pages(browser, live_server):
    problems = []
    for path, status in (
        ("/check-your-email", None),
        ("/confirm/new", None),
        ("/no-such-page", 404),
        ("/confirm/not-a-token", 400),
        ("/reset/not-a-token", 400),
        ("/invitation/not-a-token", 400),
        ("/requests/confirm/not-a-token", 400),
        ("/identity/not-a-token", 400),
        ("/task/not-a-token", 400),
    ):
        problems += check_page(
            browser, live_server, path, status=status, name="other" + re.sub(r"\W", "-", path)
        )
    # Forms sent with their mistakes: each field says what is wrong, and says it to a reader.
    for path in ("/login", "/register", "/forgot-password"):
        problems += check_page(
            browser,
            live_server,
            path,
            then=send_empty,
            name="mistakes" + re.sub(r"\W", "-", path),
        )
    assert problems == []


def test_the_pages_the_links_in_emails_open(app, browser, live_server, make_user):
    """Confirming an address, choosing a new password, a staff invitation and confirming a
    request, each from its link."""
    from portal.extensions import db
    from portal.intake import submission
    from portal.models import User
    from portal.tokens import Purpose, make_token

    new = make_user(email="uusi@example.fi", name="Uusi Käyttäjä", confirmed=False)
    pekka = make_user(email="pekka@example.fi", name="Pekka Pyytäjä", password=PASSWORD)
    with app.test_request_context():
        invited = User(email="kutsuttu@wprod.fi", name="Kaija Kutsuttu", role=Role.STAFF)
        db.session.add(invited)
        user = db.session.get(User, pekka.id)
        unconfirmed = submission.submit_request(
            user, RequestKind.ERASURE, submission_key="a11y-links", description="Poistakaa."
        )
        db.session.commit()
        links = {
            "confirm-email": "/confirm/"
            + make_token(Purpose.CONFIRM_EMAIL, uid=new.id, email=new.email),
            "reset": "/reset/"
            + make_token(Purpose.RESET_PASSWORD, uid=user.id, nonce=user.session_nonce),
            "invitation": "/invitation/"
            + make_token(Purpose.INVITATION, uid=invited.id, nonce=invited.session_nonce),
            "confirm-request": "/requests/confirm/"
            + make_token(Purpose.CONFIRM_REQUEST, rid=unconfirmed.id),
        }
    problems = []
    for name, path in links.items():
        problems += check_page(browser, live_server, path, name="link-" + name)
    # A new password too short, sent: the mistake marked.
    problems += check_page(
        browser, live_server, links["reset"], then=send_empty, name="link-reset-mistakes"
    )
    assert problems == []


def test_the_second_factor_pages(app, browser, live_server, make_user):
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    make_user(
        email="uusi@wprod.fi",
        name="Uusi Työntekijä",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        totp=False,
    )
    problems = check_page(
        browser,
        live_server,
        "/login/code",
        storage_state=pending_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD),
        name="second-factor-code",
    )
    problems += check_page(
        browser,
        live_server,
        "/login/second-factor/new",
        storage_state=pending_state(browser, live_server, "uusi@wprod.fi", STAFF_PASSWORD),
        name="second-factor-enrol",
    )
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems += check_page(
        browser,
        live_server,
        "/account/second-factor?next=/staff/",
        storage_state=state,
        name="second-factor-again",
    )

    def new_recovery_codes(page):
        page.locator("form[action$='/account/recovery-codes'] button").click()
        page.wait_for_load_state()
        assert page.locator(".recovery-codes li").count() > 0

    problems += check_page(
        browser,
        live_server,
        "/account",
        storage_state=state,
        then=new_recovery_codes,
        name="recovery-codes",
    )
    assert problems == []


def test_the_rest_of_the_requesters_pages(app, browser, live_server, people):
    state = signed_in_state(browser, live_server, "pekka@example.fi", PASSWORD)
    pages = ["/account/password"] + [f"/requests/new/{kind.value}" for kind in RequestKind]
    problems = []
    for path in pages:
        problems += check_page(
            browser,
            live_server,
            path,
            storage_state=state,
            name="requester" + re.sub(r"\W", "-", path),
        )
    # A request sent empty, and a new password sent empty: the mistakes marked.
    for path in ("/requests/new/access", "/account/password"):
        problems += check_page(
            browser,
            live_server,
            path,
            storage_state=state,
            then=send_empty,
            name="requester-mistakes" + re.sub(r"\W", "-", path),
        )
    assert problems == []


def test_the_copy_of_the_data_from_preview_to_expiry(app, browser, live_server, people, db):
    """The access package: staff preview its report; the requester's page offers it; after its
    period the page says it is gone."""
    from datetime import timedelta

    from portal.answering import access_package, identity
    from portal.extensions import db as portal_db
    from portal.models import AccessPackage, User, utcnow

    with app.test_request_context():
        subject_request = portal_db.session.get(SubjectRequest, people["access_id"])
        staff = portal_db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        identity.decide(subject_request, staff, "other", "Soitin asiakkaalle.")
        package = access_package.build(subject_request, staff)
        portal_db.session.commit()
        package_id = package.id
    staff_state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    base = f"/staff/requests/{people['access_id']}/access-package/{package_id}"
    problems = check_page(
        browser,
        live_server,
        f"{base}/preview",
        storage_state=staff_state,
        name="package-preview",
    )
    with app.test_request_context():
        package = portal_db.session.get(AccessPackage, package_id)
        staff = portal_db.session.scalar(sa.select(User).where(User.email == "ville@wprod.fi"))
        access_package.release(package, staff)
        portal_db.session.commit()
    state = signed_in_state(browser, live_server, "pekka@example.fi", PASSWORD)
    path = f"/requests/{people['access_id']}"
    problems += check_page(
        browser, live_server, path, storage_state=state, name="requester-package-ready"
    )
    package = db.session.get(AccessPackage, package_id)
    package.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    problems += check_page(
        browser,
        live_server,
        f"{path}/access-package",
        storage_state=state,
        status=410,
        name="requester-package-expired",
    )
    assert problems == []


def test_the_rest_of_the_staff_pages(app, browser, live_server, people):
    state = signed_in_state(browser, live_server, "ville@wprod.fi", STAFF_PASSWORD, app)
    problems = []
    for path in (
        "/staff/unconfirmed",
        "/staff/reports",
        "/staff/letters/reply.general/fi",
        "/staff/letters/resolve.completed.access/sv",
    ):
        problems += check_page(
            browser, live_server, path, storage_state=state, name="staff" + re.sub(r"\W", "-", path)
        )
    # The forms staff fill in most, sent with their mistakes.
    for path in ("/staff/intake", "/staff/suppression"):
        problems += check_page(
            browser,
            live_server,
            path,
            storage_state=state,
            then=send_empty,
            name="staff-mistakes" + re.sub(r"\W", "-", path),
        )
    assert problems == []


def test_the_development_mailbox(app, browser, live_server, people, deliver):
    """The local mailbox the demo reads its mail in, a message, its HTML part (issue 13, item
    10), and the form to write to the privacy mailbox sent empty."""
    deliver()
    messages = sorted(Path(app.config["MAILBOX_DIR"]).glob("*.eml"))
    assert messages
    first = messages[0].stem
    problems = []
    for path in ("/dev/mailbox/", f"/dev/mailbox/{first}", f"/dev/mailbox/{first}/html"):
        problems += check_page(
            browser, live_server, path, name="devmail" + re.sub(r"\W", "-", path)
        )
    problems += check_page(
        browser, live_server, "/dev/mailbox/", then=send_empty, name="devmail-mistakes"
    )
    assert problems == []
