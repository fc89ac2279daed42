"""Erasure carried out in the connected systems, and proven (issue 11, item 5; GDPR Art. 17).

Aino Virtanen (customer 10001 of the demo register) asks for erasure through the pages; staff
make the plan on the ticket, approve it, and the portal changes the hosting panel and the billing
program, each in its own transaction, then looks again. Her invoices within the Accounting Act's
six years stay, with their days, on the hold list; the one past them goes; her letter says so.
The register lives on the same kind of database as the portal's own (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), a fresh one per test, since each test changes it. At the end, the
same for a rectification (Art. 16): her fields corrected in the panel, before -> after on record.
"""

from __future__ import annotations

import os
import secrets
import warnings
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from config import database_url
from portal.models import AuditEvent, RequestStatus, RetentionHold, Role, SubjectRequest
from portal.register.demo import build_register
from tests.conftest import csrf_token, free_port, sign_in, submit, text_of
from tests.integration.conftest import all_recipients_told
from tests.integration.pages import PASSWORD, ask_through_pages, signed_in_contact_person
from tests.integration.test_letters import textarea

AINO = "aino.virtanen@example.com"
TODAY = date.today()
YEAR = TODAY.year


@pytest.fixture
def register(db_backend, tmp_path):
    """A fresh demo register (30 customers) on the portal's own kind of database."""
    if db_backend.startswith("sqlite"):
        urls = (
            f"sqlite:///{tmp_path / 'panel.sqlite'}",
            f"sqlite:///{tmp_path / 'billing.sqlite'}",
        )
        drop = None
    else:
        base = database_url(os.environ["TEST_DATABASE_URL"])
        engine = sa.create_engine(base)
        schemas = [f"erase_{name}_{secrets.token_hex(4)}" for name in ("panel", "billing")]
        with engine.begin() as connection:
            for schema in schemas:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        urls = tuple(f"{base}{separator}options=-csearch_path%3D{s}" for s in schemas)

        def drop():
            with engine.begin() as connection:
                for schema in schemas:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()

    build_register(*urls, today=TODAY, customers=30)
    yield urls
    if drop:
        drop()


@pytest.fixture
def app_settings(app_settings, register):
    panel, billing = register
    return {
        **app_settings,
        "WPROD_PANEL_DATABASE_URL": panel,
        "WPROD_BILLING_DATABASE_URL": billing,
        "REGISTER_TIMEOUT": 3,
    }


@pytest.fixture
def staff(app, make_user):
    return signed_in_contact_person(app, make_user)


def ask_erasure(app, make_user, mailbox, deliver, email=AINO, kind="erasure", **identifiers) -> int:
    return ask_through_pages(
        app, make_user, mailbox, deliver, email, kind, "Poistakaa tietoni.", **identifiers
    )


def page_of(staff, request_id) -> str:
    return staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)


def panel_of(staff, request_id) -> str:
    page = page_of(staff, request_id)
    return page[page.index('id="erasure"') :].split("</section>")[0]


def hidden(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="')[1].split('"')[0]


def erasure_action(staff, request_id, action, **data):
    page = page_of(staff, request_id)
    form = {
        "csrf_token": csrf_token(page),
        "state": hidden(page, "state"),
        "erasure_state": hidden(page, "erasure_state"),
        **data,
    }
    return staff.post(f"/staff/requests/{request_id}/erasure/{action}", data=form)


def events(db, request_id, action):
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == request_id, AuditEvent.action == action)
        .order_by(AuditEvent.id)
    ).all()


def rows(url, table, **where):
    engine = sa.create_engine(url)
    try:
        with warnings.catch_warnings():
            # SQLite's reflection skips the index on lower(email); only the columns matter.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        query = sa.select(reflected)
        for column, value in where.items():
            query = query.where(reflected.c[column] == value)
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
    finally:
        engine.dispose()


def aino_ids(register):
    panel, billing = register
    [customer] = rows(panel, "customers", customer_number=10001)
    [billed] = rows(billing, "billing_customers", customer_number=10001)
    return customer["id"], billed["id"]


def test_ainos_erasure_deletes_blanks_keeps_the_invoices_with_their_days_and_her_letter_says_so(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, billing = register
    customer_id, billed_id = aino_ids(register)
    other_before = len(rows(panel, "services")) - len(
        rows(panel, "services", customer_id=customer_id)
    )
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")

    assert erasure_action(staff, request_id, "plan").status_code == 302
    shown = panel_of(staff, request_id)
    assert (
        "invoices" in shown
        and f"31.12.{(TODAY - timedelta(days=20)).year + 6}" in shown
        and f"31.12.{YEAR + 2}" in shown
    )
    # Nothing changed yet: a plan only looks.
    assert len(rows(panel, "services", customer_id=customer_id)) == 2

    assert erasure_action(staff, request_id, "carry-out").status_code == 302
    # The panel: the user and services gone, the customer row blanked and masked, the recent
    # order kept, the one past six years deleted.
    assert rows(panel, "panel_users", customer_id=customer_id) == []
    assert rows(panel, "services", customer_id=customer_id) == []
    [customer] = rows(panel, "customers", id=customer_id)
    assert customer["name"] is None and customer["phone"] is None
    assert customer["email"].endswith("@erased.invalid")
    assert customer["customer_number"] == 10001
    assert [o["ordered_on"].year for o in rows(panel, "orders", customer_id=customer_id)] == [
        YEAR - 4
    ]
    # Nobody else's rows were touched.
    assert len(rows(panel, "services")) == other_before
    # The billing program: the invoice past six years and its lines gone, the rest kept.
    invoices = rows(billing, "invoices", billing_customer_id=billed_id)
    assert sorted(i["issued_on"] for i in invoices) == [
        date(YEAR - 4, 3, 15),
        date(YEAR - 1, 3, 15),
        TODAY - timedelta(days=20),
    ]

    done_panel, done_billing = _by_system(events(db, request_id, "erasure.carried_out"))
    assert done_panel.details["evidence"]["clean"] and done_billing.details["evidence"]["clean"]
    assert done_billing.details["evidence"]["deleted"]["invoices"] == 1
    # Counts and keys on the record, never the values.
    assert AINO not in str(done_panel.details) and "Virtanen" not in str(done_billing.details)
    holds = db.session.scalars(select(RetentionHold).where(RetentionHold.request_id == request_id))
    by_table = {}
    for hold in holds:
        by_table.setdefault((hold.system_key, hold.table_name), []).append(hold.kept_until)
    assert sorted(by_table[("billing", "invoices")]) == [
        date(YEAR + 2, 12, 31),
        date(YEAR + 5, 12, 31),
        date((TODAY - timedelta(days=20)).year + 6, 12, 31),
    ]
    assert by_table[("panel", "orders")] == [date(YEAR + 2, 12, 31)]
    shown = panel_of(staff, request_id)
    assert "Katsottiin uudelleen" in shown or "Looked again" in shown

    # Every system settled: the two databases done, the task systems answered or waived.
    for key in ("newsletter", "monitoring"):
        assert (
            erasure_action(
                staff,
                request_id,
                f"waive/{key}",
                reason="Ei asiakkaan tietoja tässä järjestelmässä.",
            ).status_code
            == 302
        )
    # The default erasure letter: its kept-records part now says what the systems keep.
    page = staff.get(f"/staff/requests/{request_id}?letter=resolve.completed.erasure").get_data(
        as_text=True
    )
    letter = textarea(page, "resolve-reasons")
    kept = "Laskut, tositteet ja liikekirjeenvaihto"
    newest = (TODAY - timedelta(days=20)).year + 6
    assert f"- Laskutusohjelma, {kept}: " in letter and f"kpl, 31.12.{newest} asti" in letter
    response = submit(
        staff,
        f"/staff/requests/{request_id}/resolve",
        {
            "state": hidden(page, "state"),
            "outcome": "completed",
            "reasons": letter,
            **all_recipients_told(),
        },
        page=f"/staff/requests/{request_id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    deliver()
    text = text_of(mailbox.to(AINO)[-1])
    assert f"31.12.{newest}" in text and f"31.12.{YEAR + 2}" in text
    assert f"- Hallintapaneelin asiakastietokanta, {kept}: 2 kpl, 31.12.{YEAR + 2} asti" in text
    # Said once: the letter lists the kept records, so the email adds no second list.
    assert text.count(f"31.12.{newest}") == 1


def _by_system(found):
    by = {e.details["system"]: e for e in found}
    return by["panel"], by["billing"]


def insert(url, table, values):
    engine = sa.create_engine(url)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            next_id = connection.scalar(sa.select(sa.func.max(reflected.c.id))) + 1
            connection.execute(sa.insert(reflected).values(id=next_id, **values))
        return next_id
    finally:
        engine.dispose()


def test_data_changed_after_the_plan_means_nothing_done_there_and_a_new_plan(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, _billing = register
    customer_id, _billed_id = aino_ids(register)
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    assert erasure_action(staff, request_id, "plan").status_code == 302
    [first] = [
        e for e in events(db, request_id, "erasure.planned") if e.details["system"] == "panel"
    ]

    # Another program adds a service for Aino between the preview and the approval.
    insert(
        panel,
        "services",
        {
            "customer_id": customer_id,
            "domain": "ainonblogi.example",
            "plan": "Webhotelli S",
            "started_on": TODAY,
        },
    )
    response = erasure_action(staff, request_id, "carry-out")
    assert response.status_code == 302
    # Nothing was done in the panel: every service is still there, the customer unchanged.
    assert len(rows(panel, "services", customer_id=customer_id)) == 3
    [customer] = rows(panel, "customers", id=customer_id)
    assert customer["email"] == AINO
    [stale] = events(db, request_id, "erasure.stale")
    assert stale.details["system"] == "panel"
    newer = [e for e in events(db, request_id, "erasure.planned") if e.details["system"] == "panel"]
    assert newer[-1].id > first.id
    [services] = [t for t in newer[-1].details["plan"]["tables"] if t["table"] == "services"]
    assert services["found"] == 3
    # The billing program's data had not changed: it was carried out.
    assert [e.details["system"] for e in events(db, request_id, "erasure.carried_out")] == [
        "billing"
    ]
    follow = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "muuttuivat" in follow or "changed after the plan" in follow

    # The new plan, approved, is carried out.
    assert erasure_action(staff, request_id, "carry-out").status_code == 302
    assert rows(panel, "services", customer_id=customer_id) == []
    assert {e.details["system"] for e in events(db, request_id, "erasure.carried_out")} == {
        "panel",
        "billing",
    }


def test_a_person_whose_rows_are_all_under_retention_keeps_everything_and_is_told(
    app, make_user, mailbox, deliver, staff, db, register
):
    _panel, billing = register
    email = "tilitoimisto.asiakas@example.org"
    # Only in the billing program, with one invoice from this year: all of it is accounting
    # material kept six years (Kirjanpitolaki 2:10 §).
    billed = insert(
        billing,
        "billing_customers",
        {
            "customer_number": 99001,
            "name": "Kaisa Kallio",
            "email": email,
            "last_invoice_on": TODAY,
        },
    )
    invoice = insert(
        billing,
        "invoices",
        {
            "billing_customer_id": billed,
            "invoice_number": "INV-99001",
            "issued_on": TODAY,
            "due_on": TODAY + timedelta(days=14),
            "total": 10,
        },
    )
    request_id = ask_erasure(app, make_user, mailbox, deliver, email=email)
    assert erasure_action(staff, request_id, "plan").status_code == 302
    assert erasure_action(staff, request_id, "carry-out").status_code == 302

    [done] = events(db, request_id, "erasure.carried_out")
    assert sum(done.details["evidence"]["deleted"].values()) == 0
    assert done.details["evidence"]["clean"]
    assert rows(billing, "invoices", id=invoice) and rows(billing, "billing_customers", id=billed)
    holds = db.session.scalars(
        select(RetentionHold).where(RetentionHold.request_id == request_id)
    ).all()
    assert {(h.table_name, h.kept_until) for h in holds} == {
        ("billing_customers", date(YEAR + 6, 12, 31)),
        ("invoices", date(YEAR + 6, 12, 31)),
    }
    # The panel holds nothing about her: settled without a waiver.
    assert "erasure-no_data" in panel_of(staff, request_id)

    for key in ("newsletter", "monitoring"):
        erasure_action(staff, request_id, f"waive/{key}", reason="Ei tietoja.")
    page = page_of(staff, request_id)
    response = submit(
        staff,
        f"/staff/requests/{request_id}/resolve",
        {"state": hidden(page, "state"), "outcome": "completed", **all_recipients_told()},
        page=f"/staff/requests/{request_id}",
    )
    assert response.status_code == 302
    deliver()
    text = text_of(mailbox.to(email)[-1])
    assert f"31.12.{YEAR + 6}" in text
    assert "ei voitu vielä poistaa mitään" in text


def test_an_address_shared_by_two_records_shows_both_before_anything_is_done(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, _billing = register
    # Aino is also the contact of her own small company, with the same address.
    company = insert(
        panel,
        "customers",
        {
            "customer_number": 99002,
            "kind": "company",
            "name": "Ainon Valokuvaus Oy",
            "email": AINO,
            "processing_restricted": False,
        },
    )
    request_id = ask_erasure(app, make_user, mailbox, deliver)
    assert erasure_action(staff, request_id, "plan").status_code == 302
    shown = panel_of(staff, request_id)
    warning = shown.split('class="banner banner-warning">')[1].split("</p>")[0]
    assert f"{company} (" in warning and "customers" in warning
    [planned] = [
        e for e in events(db, request_id, "erasure.planned") if e.details["system"] == "panel"
    ]
    assert len(planned.details["plan"]["people"]) == 2
    # Nothing changed by looking.
    assert rows(panel, "customers", id=company)[0]["email"] == AINO


def test_no_erasure_is_carried_out_for_an_impostor_without_an_identity_decision(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, _billing = register
    customer_id, _ = aino_ids(register)
    # Someone who knows Aino's customer number asks from their own address (issue 11, "Why").
    request_id = ask_erasure(
        app, make_user, mailbox, deliver, email="huijari@example.net", customer_number="10001"
    )
    assert events(db, request_id, "identity.decided") == []
    assert erasure_action(staff, request_id, "plan").status_code == 302
    response = erasure_action(staff, request_id, "carry-out")
    assert response.status_code == 302
    follow = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kirjaa ensin, miten pyytäjän henkilöllisyys varmistettiin" in follow, follow[
        follow.find("flash") : follow.find("flash") + 600
    ]
    assert events(db, request_id, "erasure.carried_out") == []
    assert len(rows(panel, "services", customer_id=customer_id)) == 2
    assert rows(panel, "customers", id=customer_id)[0]["email"] == AINO


def test_a_system_that_is_down_is_marked_the_others_are_done_and_a_retry_works(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, billing = register
    customer_id, billed_id = aino_ids(register)
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    assert erasure_action(staff, request_id, "plan").status_code == 302

    app.config["WPROD_BILLING_DATABASE_URL"] = (
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2"
    )
    response = erasure_action(staff, request_id, "carry-out")
    assert response.status_code == 302
    [failed] = events(db, request_id, "erasure.failed")
    assert (failed.details["system"], failed.details["state"]) == ("billing", "unreachable")
    assert [e.details["system"] for e in events(db, request_id, "erasure.carried_out")] == ["panel"]
    assert rows(panel, "services", customer_id=customer_id) == []
    assert len(rows(billing, "invoices", billing_customer_id=billed_id)) == 4
    shown = panel_of(staff, request_id)
    assert "erasure-failed" in shown
    # The request cannot be completed while a system is not done.
    for key in ("newsletter", "monitoring"):
        erasure_action(staff, request_id, f"waive/{key}", reason="Ei tietoja.")
    page = page_of(staff, request_id)
    refused = submit(
        staff,
        f"/staff/requests/{request_id}/resolve",
        {"state": hidden(page, "state"), "outcome": "completed", **all_recipients_told()},
        page=f"/staff/requests/{request_id}",
    )
    assert refused.status_code != 302
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN

    app.config["WPROD_BILLING_DATABASE_URL"] = billing
    assert erasure_action(staff, request_id, "carry-out").status_code == 302
    assert len(rows(billing, "invoices", billing_customer_id=billed_id)) == 3
    assert {e.details["system"] for e in events(db, request_id, "erasure.carried_out")} == {
        "panel",
        "billing",
    }


def test_a_double_click_on_approve_carries_the_plan_out_once(
    app, make_user, mailbox, deliver, staff, db, register
):
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    assert erasure_action(staff, request_id, "plan").status_code == 302
    page = page_of(staff, request_id)
    form = {
        "csrf_token": csrf_token(page),
        "state": hidden(page, "state"),
        "erasure_state": hidden(page, "erasure_state"),
    }
    first = staff.post(f"/staff/requests/{request_id}/erasure/carry-out", data=form)
    second = staff.post(f"/staff/requests/{request_id}/erasure/carry-out", data=form)
    assert (first.status_code, second.status_code) == (302, 409)
    assert len(events(db, request_id, "erasure.carried_out")) == 2  # one per system
    held = db.session.scalars(
        select(RetentionHold).where(RetentionHold.request_id == request_id)
    ).all()
    assert len(held) == len({(h.system_key, h.table_name, h.row_key) for h in held})


def test_two_colleagues_approving_at_the_same_moment_carry_the_plan_out_once(
    app, make_user, mailbox, deliver, staff, db, register
):
    from tests.integration.test_concurrent_staff import at_once

    make_user(email="kollega@wprod.fi", name="Kaisa Kollega", role=Role.STAFF, password=PASSWORD)
    colleague = app.test_client()
    assert sign_in(colleague, "kollega@wprod.fi", PASSWORD).status_code == 302
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    assert erasure_action(staff, request_id, "plan").status_code == 302
    url = f"/staff/requests/{request_id}/erasure/carry-out"
    posts = []
    for client in (staff, colleague):
        page = page_of(client, request_id)
        data = {
            "csrf_token": csrf_token(page),
            "state": hidden(page, "state"),
            "erasure_state": hidden(page, "erasure_state"),
        }
        posts.append((client, url, data))
    assert sorted(at_once(posts)) == [302, 409]
    assert len(events(db, request_id, "erasure.carried_out")) == 2  # one per system
    held = db.session.scalars(
        select(RetentionHold).where(RetentionHold.request_id == request_id)
    ).all()
    assert len(held) == len({(h.system_key, h.table_name, h.row_key) for h in held})


def test_the_daily_job_deletes_rows_whose_hold_ended_and_keeps_a_row_whose_date_moved(
    app, make_user, mailbox, deliver, staff, db, register, runner
):
    _panel, billing = register
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    erasure_action(staff, request_id, "plan")
    erasure_action(staff, request_id, "carry-out")
    holds = db.session.scalars(
        select(RetentionHold).where(
            RetentionHold.request_id == request_id, RetentionHold.table_name == "invoices"
        )
    ).all()
    oldest = min(holds, key=lambda h: h.kept_until)
    newest = max(holds, key=lambda h: h.kept_until)
    # Years pass for the oldest kept invoice: its date and its hold both lie in the past.
    engine = sa.create_engine(billing)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE invoice_lines SET issued_on = :day WHERE invoice_id = :id"),
            {"day": date(YEAR - 8, 1, 1), "id": int(oldest.row_key)},
        )
        connection.execute(
            sa.text("UPDATE invoices SET issued_on = :day WHERE id = :id"),
            {"day": date(YEAR - 8, 1, 1), "id": int(oldest.row_key)},
        )
    engine.dispose()
    lines = db.session.scalars(
        select(RetentionHold).where(
            RetentionHold.request_id == request_id, RetentionHold.table_name == "invoice_lines"
        )
    ).all()
    line_keys = {r["id"] for r in rows(billing, "invoice_lines", invoice_id=int(oldest.row_key))}
    yesterday = TODAY - timedelta(days=1)
    for hold in [oldest, newest, *[h for h in lines if int(h.row_key) in line_keys]]:
        hold.kept_until = yesterday
    db.session.commit()

    result = runner.invoke(args=["requests", "end-holds"])
    assert result.exit_code == 0, result.output
    assert rows(billing, "invoices", id=int(oldest.row_key)) == []
    assert rows(billing, "invoice_lines", invoice_id=int(oldest.row_key)) == []
    # The newest invoice's own date still says six more years: held to that day, not deleted.
    assert rows(billing, "invoices", id=int(newest.row_key))
    db.session.expire_all()
    assert db.session.get(RetentionHold, newest.id).ended_at is None
    assert db.session.get(RetentionHold, newest.id).kept_until > TODAY
    assert db.session.get(RetentionHold, oldest.id).ended_how.value == "deleted"
    assert "holds ended" in result.output
    assert events(db, request_id, "retention_hold.deleted")
    assert events(db, request_id, "retention_hold.extended")
    # Run again: nothing more is due.
    again = runner.invoke(args=["requests", "end-holds"])
    assert "holds ended 0" in again.output


def test_a_waiver_needs_a_reason_in_plain_text_and_the_requester_cannot_act(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, _billing = register
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    for reason in ("", "   ", "Ei tietoja\x00"):
        response = erasure_action(staff, request_id, "waive/newsletter", reason=reason)
        assert response.status_code == 400
    assert erasure_action(staff, request_id, "waive/nosuch", reason="Syy.").status_code == 400
    assert events(db, request_id, "erasure.waived") == []

    # Aino herself, signed in, cannot reach the staff actions of her own ticket.
    client = app.test_client()
    sign_in(client, AINO, PASSWORD)
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    for action in ("plan", "carry-out", "waive/newsletter"):
        response = client.post(
            f"/staff/requests/{request_id}/erasure/{action}",
            data={"csrf_token": csrf_token(page), "reason": "Minä itse."},
        )
        assert response.status_code in (403, 404)
    assert events(db, request_id, "erasure.planned") == []
    assert events(db, request_id, "erasure.waived") == []
    customer_id, _ = aino_ids(register)
    assert len(rows(panel, "services", customer_id=customer_id)) == 2


# Rectification (GDPR Art. 16) ------------------------------------------------------------------


def correction_page(staff, request_id):
    return staff.get(f"/staff/requests/{request_id}/rectify/panel").get_data(as_text=True)


def save_row(staff, request_id, table, key, **new):
    page = correction_page(staff, request_id)
    form = page.split(
        f'name="table" value="{table}"><input type="hidden" name="key" value="{key}"'
    )[1].split("</form>")[0]
    fields = {
        part.split('name="')[1].split('"')[0]: part.split('value="')[1].split('"')[0]
        for part in form.split("<input")[1:]
        if 'name="new-' in part
    }
    data = {
        "csrf_token": csrf_token(page),
        "state": hidden(page, "state"),
        "table": table,
        "key": str(key),
        "seen": form.split('name="seen" value="')[1].split('"')[0],
        **fields,
        **{f"new-{name}": value for name, value in new.items()},
    }
    return staff.post(f"/staff/requests/{request_id}/rectify/panel", data=data)


def test_staff_correct_ainos_city_in_the_panel_before_and_after_on_the_record(
    app, make_user, mailbox, deliver, staff, db, register
):
    panel, _billing = register
    customer_id, _ = aino_ids(register)
    request_id = ask_erasure(
        app, make_user, mailbox, deliver, kind="rectification", customer_number="10001"
    )
    page = correction_page(staff, request_id)
    assert "Tampere" in page and "password_hash" not in page

    assert save_row(staff, request_id, "customers", customer_id, city="Espoo").status_code == 302
    [customer] = rows(panel, "customers", id=customer_id)
    assert customer["city"] == "Espoo" and customer["email"] == AINO
    [corrected] = events(db, request_id, "rectification.carried_out")
    assert corrected.details["changes"] == {"city": ["Tampere", "Espoo"]}
    assert (corrected.details["system"], corrected.details["table"]) == ("panel", "customers")

    # Changed by another program after the page was drawn: not overwritten.
    page = correction_page(staff, request_id)
    engine = sa.create_engine(panel)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE customers SET phone = '+358 40 000 0000' WHERE id = :id"),
            {"id": customer_id},
        )
    engine.dispose()
    form = page.split('name="table" value="customers">')[1].split("</form>")[0]
    data = {
        "csrf_token": csrf_token(page),
        "state": hidden(page, "state"),
        "table": "customers",
        "key": str(customer_id),
        "seen": form.split('name="seen" value="')[1].split('"')[0],
        "new-city": "Vantaa",
    }
    staff.post(f"/staff/requests/{request_id}/rectify/panel", data=data)
    assert rows(panel, "customers", id=customer_id)[0]["city"] == "Espoo"
    assert len(events(db, request_id, "rectification.carried_out")) == 1

    # Another customer's row (the namesake, 10003) cannot be reached from Aino's request.
    [other] = rows(panel, "customers", customer_number=10003)
    forged = {**data, "key": str(other["id"]), "seen": "0" * 16, "new-city": "Oulu"}
    assert staff.post(f"/staff/requests/{request_id}/rectify/panel", data=forged).status_code == 404
    assert rows(panel, "customers", id=other["id"])[0]["city"] != "Oulu"

    # A value that is not text, or longer than any register's column, is refused whole.
    for bad in ("Es\x00poo", "E" * 300):
        staff.post(
            f"/staff/requests/{request_id}/rectify/panel",
            data={
                **data,
                "seen": hidden(correction_page(staff, request_id), "seen"),
                "new-city": bad,
            },
        )
        assert rows(panel, "customers", id=customer_id)[0]["city"] == "Espoo"

    # Completing waits for every system; then it closes.
    for key in ("billing", "newsletter", "monitoring"):
        assert (
            erasure_action(
                staff, request_id, f"waive/{key}", reason="Tiedot olivat oikein."
            ).status_code
            == 302
        )
    ticket = page_of(staff, request_id)
    response = submit(
        staff,
        f"/staff/requests/{request_id}/resolve",
        {"state": hidden(ticket, "state"), "outcome": "completed", **all_recipients_told()},
        page=f"/staff/requests/{request_id}",
    )
    assert response.status_code == 302
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.CLOSED


# Restriction (GDPR Art. 18) and objection to direct marketing (Art. 21(3)) --------------------


@pytest.mark.parametrize(
    ("kind", "column", "value"),
    [
        ("restriction", "processing_restricted", True),
        ("marketing_objection", "marketing_allowed", False),
    ],
)
def test_a_restriction_or_a_marketing_objection_sets_the_panels_own_flag(
    app, make_user, mailbox, deliver, staff, db, register, kind, column, value
):
    panel, _billing = register
    customer_id, _ = aino_ids(register)
    [other] = rows(panel, "customers", customer_number=10003)
    request_id = ask_erasure(app, make_user, mailbox, deliver, kind=kind, customer_number="10001")
    shown = panel_of(staff, request_id)
    assert f"customers.{column} = {str(value).lower()}" in shown

    assert erasure_action(staff, request_id, "flag/panel").status_code == 302
    assert rows(panel, "customers", id=customer_id)[0][column] is value
    # Nobody else's record changed.
    assert rows(panel, "customers", id=other["id"])[0][column] == other[column]
    [done] = events(db, request_id, "flags.set")
    assert done.details["tables"]["customers"]["keys"] == [customer_id]
    assert done.details["tables"]["customers"]["verified"] == 1
    # The billing program has no such column: it is waived with a reason, or no completion.
    assert erasure_action(staff, request_id, "flag/billing").status_code == 404
    for key in ("billing", "newsletter", "monitoring"):
        erasure_action(
            staff, request_id, f"waive/{key}", reason="Ei markkinointia eikä käsittelyä."
        )
    ticket = page_of(staff, request_id)
    data = {"state": hidden(ticket, "state"), "outcome": "completed", **all_recipients_told()}
    if kind == "marketing_objection":
        data = {"state": hidden(ticket, "state"), "outcome": "completed", "external_done": "y"}
    response = submit(
        staff, f"/staff/requests/{request_id}/resolve", data, page=f"/staff/requests/{request_id}"
    )
    assert response.status_code == 302
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.CLOSED


# MariaDB, where most hosting panels and billing programs keep their data ------------------------

MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


@pytest.fixture
def mariadb_register():
    """The demo register in two MariaDB databases of its own; skipped without a server, unless
    MARIADB_REQUIRED is set (CI)."""
    pytest.importorskip("pymysql")
    server = sa.engine.make_url(MARIADB_URL)
    engine = sa.create_engine(server)
    try:
        engine.connect().close()
    except sa.exc.OperationalError:
        engine.dispose()
        if os.environ.get("MARIADB_REQUIRED"):
            raise
        pytest.skip("no MariaDB server")
    names = [f"erase_{name}_{secrets.token_hex(4)}" for name in ("panel", "billing")]
    with engine.begin() as connection:
        for name in names:
            connection.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    urls = tuple(
        server.set(database=name, query={"charset": "utf8mb4"}).render_as_string(
            hide_password=False
        )
        for name in names
    )
    build_register(*urls, today=TODAY, customers=30)
    yield urls
    with engine.begin() as connection:
        for name in names:
            connection.execute(sa.text(f"DROP DATABASE `{name}`"))
    engine.dispose()


def test_ainos_erasure_and_a_marketing_objection_on_mariadb(
    app, make_user, mailbox, deliver, staff, db, mariadb_register, db_backend
):
    if not db_backend.startswith("sqlite"):
        pytest.skip("the register's kind matters here, not the portal's: once is enough")
    panel, billing = mariadb_register
    app.config.update(WPROD_PANEL_DATABASE_URL=panel, WPROD_BILLING_DATABASE_URL=billing)
    customer_id, billed_id = aino_ids(mariadb_register)
    request_id = ask_erasure(app, make_user, mailbox, deliver, customer_number="10001")
    assert erasure_action(staff, request_id, "plan").status_code == 302
    assert erasure_action(staff, request_id, "carry-out").status_code == 302
    done = {e.details["system"]: e for e in events(db, request_id, "erasure.carried_out")}
    assert set(done) == {"panel", "billing"}
    assert all(e.details["evidence"]["clean"] for e in done.values())
    assert rows(panel, "services", customer_id=customer_id) == []
    assert rows(panel, "customers", id=customer_id)[0]["email"].endswith("@erased.invalid")
    assert len(rows(billing, "invoices", billing_customer_id=billed_id)) == 3

    # A flag already at its value still counts as set (MariaDB reports changed rows unless asked
    # for matched ones): the namesake 10003 has marketing_allowed false from the start.
    email = "aino.virtanen-koski@example.net"
    objection = ask_erasure(
        app, make_user, mailbox, deliver, email=email, kind="marketing_objection"
    )
    assert erasure_action(staff, objection, "flag/panel").status_code == 302
    [flagged] = events(db, objection, "flags.set")
    assert flagged.details["tables"]["customers"]["verified"] == 1
