"""The erasure plan, computed from a finding and the schema files beside the notice, with no
database: what goes, what is blanked, what is kept under the Accounting Act and until when."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from portal.notice import NoticeError, load_notice
from portal.register.connections.inspection import needed_columns
from portal.register.erasure import SystemPlan, plan_system, retained_until
from portal.register.findings import Finding, FoundPerson

NOTICE = load_notice(Path(__file__).resolve().parents[2] / "portal" / "notice" / "wprod.toml")
PANEL = NOTICE.system("panel").schema
BILLING = NOTICE.system("billing").schema
YEARS = {"billing_records": 6, "books": 10}
TODAY = date(2026, 11, 30)


def finding(system: str, rows: dict[str, list[tuple]]) -> Finding:
    """``rows``: table -> [(key, root key, kept_from)]."""
    result = Finding(system, "found", people=[FoundPerson(1, "a@example.com", ("email",), "x")])
    for table, entries in rows.items():
        result.tables[table] = [{} for _ in entries]
        result.keys[table] = [key for key, _root, _date in entries]
        result.roots[table] = [root for _key, root, _date in entries]
        if any(kept_from is not None for _k, _r, kept_from in entries):
            result.kept_from[table] = [kept_from for _k, _r, kept_from in entries]
    return result


def test_the_accounting_act_counts_six_years_from_the_end_of_the_year():
    assert retained_until(date(2026, 1, 2), 6, TODAY) == date(2032, 12, 31)
    assert retained_until(date(2019, 12, 31), 6, TODAY) == date(2025, 12, 31)
    assert retained_until(datetime(2020, 5, 1, 12, 0), 6, TODAY) == date(2026, 12, 31)
    # No date to count from: the whole period from the erasure, never shorter.
    assert retained_until(None, 6, TODAY) == date(2032, 12, 31)


def test_invoices_within_six_years_are_kept_with_their_days_and_an_older_one_goes():
    plan = plan_system(
        "billing",
        BILLING,
        finding(
            "billing",
            {
                "billing_customers": [(1, 1, date(2026, 11, 10))],
                "invoices": [
                    (10, 1, date(2019, 3, 15)),
                    (11, 1, date(2022, 3, 15)),
                    (12, 1, date(2026, 11, 10)),
                ],
                "invoice_lines": [
                    (100, 1, date(2019, 3, 15)),
                    (101, 1, date(2022, 3, 15)),
                    (102, 1, date(2026, 11, 10)),
                ],
            },
        ),
        YEARS,
        TODAY,
    )
    invoices = plan.table("invoices")
    assert invoices.delete == (10,) and invoices.expired == 1
    assert [(h.key, h.until) for h in invoices.keep] == [
        (11, date(2028, 12, 31)),
        (12, date(2032, 12, 31)),
    ]
    assert {h.category for h in invoices.keep} == {"billing_records"}
    assert plan.table("invoice_lines").delete == (100,)
    [customer] = plan.table("billing_customers").keep
    assert (customer.key, customer.until) == (1, date(2032, 12, 31))


def test_the_panel_deletes_the_user_and_services_blanks_the_customer_and_keeps_recent_orders():
    plan = plan_system(
        "panel",
        PANEL,
        finding(
            "panel",
            {
                "customers": [(1, 1, None)],
                "panel_users": [(5, 1, None)],
                "services": [(7, 1, None), (8, 1, None)],
                "orders": [(20, 1, date(2018, 2, 1)), (21, 1, date(2022, 3, 1))],
            },
        ),
        YEARS,
        TODAY,
    )
    assert plan.table("panel_users").delete == (5,)
    assert plan.table("services").delete == (7, 8)
    orders = plan.table("orders")
    assert orders.delete == (20,) and [h.key for h in orders.keep] == [21]
    customers = plan.table("customers")
    assert customers.update == (1,) and customers.delete == ()
    assert "email" in customers.mask and "phone" in customers.blank and "name" in customers.blank
    assert set(customers.kept_columns) == {"customer_number", "business_id"}
    # The customer number ties the kept order to the invoices: held as long as that order.
    assert [(h.key, h.until) for h in customers.keep] == [(1, date(2028, 12, 31))]


def test_a_parent_outlives_the_rows_under_it_that_are_kept():
    # The billing record's own date says 2019, but an invoice under it is kept to 2032.
    plan = plan_system(
        "billing",
        BILLING,
        finding(
            "billing",
            {
                "billing_customers": [(1, 1, date(2019, 1, 1))],
                "invoices": [(12, 1, date(2026, 11, 10))],
            },
        ),
        YEARS,
        TODAY,
    )
    customers = plan.table("billing_customers")
    assert customers.delete == () and customers.expired == 0
    assert [(h.key, h.until) for h in customers.keep] == [(1, date(2032, 12, 31))]


def test_a_system_that_holds_nothing_or_cannot_be_reached_plans_nothing():
    assert plan_system("panel", PANEL, Finding("panel", "not_found"), YEARS, TODAY).tables == ()
    down = plan_system(
        "panel", PANEL, Finding("panel", "unreachable", problem="timeout"), YEARS, TODAY
    )
    assert (down.state, down.problem, down.tables) == ("unreachable", "timeout", ())


def test_the_fingerprint_changes_with_any_row_and_survives_the_record():
    rows = {"customers": [(1, 1, None)], "services": [(7, 1, None)]}
    plan = plan_system("panel", PANEL, finding("panel", rows), YEARS, TODAY)
    assert SystemPlan.from_record(plan.as_record()).fingerprint == plan.fingerprint
    more = {"customers": [(1, 1, None)], "services": [(7, 1, None), (9, 1, None)]}
    assert plan_system("panel", PANEL, finding("panel", more), YEARS, TODAY).fingerprint != (
        plan.fingerprint
    )
    # The same rows a year later: the older order's day has passed, so the plan differs.
    dated = {"customers": [(1, 1, None)], "orders": [(20, 1, date(2020, 6, 1))]}
    now = plan_system("panel", PANEL, finding("panel", dated), YEARS, TODAY)
    later = plan_system("panel", PANEL, finding("panel", dated), YEARS, date(2027, 1, 2))
    assert now.table("orders").keep and later.table("orders").delete == (20,)
    assert now.fingerprint != later.fingerprint


def test_a_flag_in_the_schema_file_must_name_a_column_and_a_true_or_false(tmp_path):
    folder = Path(__file__).resolve().parents[2] / "portal" / "notice"
    for name in ("wprod.toml", "wprod-panel.toml", "wprod-billing.toml"):
        shutil.copy(folder / name, tmp_path / name)
    assert PANEL.table("customers").flag("restriction").column == "processing_restricted"
    assert PANEL.table("customers").flag("marketing_objection").value is False
    # flask systems check looks for them in the live database too.
    assert {"processing_restricted", "marketing_allowed"} <= set(
        needed_columns(PANEL.table("customers"))
    )
    panel = tmp_path / "wprod-panel.toml"
    panel.write_text(
        panel.read_text(encoding="utf-8").replace(
            'column = "processing_restricted", value = true',
            'column = "processing_restricted", value = "yes"',
        ),
        encoding="utf-8",
    )
    with pytest.raises(NoticeError) as refused:
        load_notice(tmp_path / "wprod.toml")
    assert refused.value.field == "tables[0].restriction_flag.value"
