"""The register of requests as CSV and XLSX: every request of a queue view as filtered, with what
a controller must be able to show about each (GDPR Art. 5(2) accountability, Art. 12(3)-(4)
deadlines): when it came, by which channel, when it was due and answered, how, and whether on
time. No requester's name or address is in it: the register shows the handling, not the people
(Art. 5(1)(c) data minimisation); the reference leads to the ticket.

Both formats are written in constant memory, whatever the number of requests: the rows are read
from the database in batches through one cursor (a server-side one on PostgreSQL), and what each
batch needs beyond its own columns (the pauses, the identity decisions) is read with one query
per batch, never one per row. CSV goes out as it is made; XLSX is written by XlsxWriter in its
constant-memory mode to a temporary file, which is then sent in pieces and deleted.
Each export is on the audit trail with who made it, of what, and how many rows it held.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response, current_app, send_file, stream_with_context
from sqlalchemy import Select, func, select

from portal import audit
from portal.deadlines import local_date, paused_days
from portal.extensions import db
from portal.i18n import gettext as _
from portal.intake.manual import CHANNEL_NAMES
from portal.models import AuditEvent, RequestPause, RequestStatus, SubjectRequest, User
from portal.subject_requests.clock import controller_today
from portal.subject_requests.kinds import KINDS, OUTCOME_NAMES
from portal.web.csv_safe import safe_cell
from portal.web.staff.wording import IDENTITY_DECISION_NAMES, STAFF_STATUS_NAMES

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Day 0 of a spreadsheet's serial dates (1900 system, past its leap-year bug of 1900-02-29).
EXCEL_EPOCH = date(1899, 12, 30)
# Rows read and written at a time: the memory an export needs, whatever its length.
BATCH = 1000


def columns(assignee: type[User]) -> tuple:
    """What the export reads of each request: plain columns, no whole objects."""
    return (
        SubjectRequest.id,
        SubjectRequest.reference,
        SubjectRequest.kind,
        SubjectRequest.channel,
        SubjectRequest.received_at,
        SubjectRequest.confirmed_at,
        SubjectRequest.due_on,
        SubjectRequest.period_months,
        SubjectRequest.status,
        SubjectRequest.outcome,
        SubjectRequest.closed_at,
        assignee.name.label("assignee_name"),
    )


def header() -> list[str]:
    return [
        _("Reference"),
        _("Type"),
        _("Channel"),
        _("Received"),
        _("Confirmed"),
        _("Due"),
        _("Extended to"),
        _("Paused days"),
        _("Status"),
        _("Outcome"),
        _("Closed"),
        _("Days taken"),
        _("On time"),
        _("Assignee"),
        _("Identity decision"),
    ]


class _Names:
    """The words of one export, looked up once (not once per row)."""

    def __init__(self) -> None:
        self.kinds = {kind.value: str(info.title) for kind, info in KINDS.items()}
        self.channels = {key: str(name) for key, name in CHANNEL_NAMES.items()}
        self.statuses = {key: str(name) for key, name in STAFF_STATUS_NAMES.items()}
        self.outcomes = {key: str(name) for key, name in OUTCOME_NAMES.items()}
        self.decisions = {key: str(name) for key, name in IDENTITY_DECISION_NAMES.items()}
        self.yes, self.no = _("yes"), _("no")


def _pauses_of(ids: list[int]) -> dict[int, list[tuple[date, date | None]]]:
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    found = defaultdict(list)
    rows = db.session.execute(
        select(RequestPause.request_id, RequestPause.asked_at, RequestPause.resumed_at).where(
            RequestPause.request_id.in_(ids)
        )
    )
    for request_id, asked_at, resumed_at in rows:
        found[request_id].append(
            (
                local_date(asked_at, timezone),
                local_date(resumed_at, timezone) if resumed_at else None,
            )
        )
    return found


def _decisions_of(ids: list[int]) -> dict[int, str]:
    """The latest identity decision of each request (the events are append-only; the last
    one is the current decision, portal/answering/identity/record.py)."""
    rows = db.session.execute(
        select(
            AuditEvent.request_id, AuditEvent.occurred_at, AuditEvent.id, AuditEvent.details
        ).where(AuditEvent.request_id.in_(ids), AuditEvent.action == "identity.decided")
    )
    # The latest is picked here, not by an ORDER BY: sorting by time makes the database walk
    # the trail's time index instead of the request's (0.3 s a batch at 100,000 requests).
    latest: dict[int, tuple] = {}
    for request_id, occurred_at, event_id, details in rows:
        if request_id not in latest or (occurred_at, event_id) > latest[request_id][:2]:
            latest[request_id] = (occurred_at, event_id, (details or {}).get("how", ""))
    return {request_id: how for request_id, (_at, _id, how) in latest.items()}


def register_rows(query: Select, names: _Names) -> Iterator[list]:
    """The register's rows (dates as dates, numbers as numbers), batch by batch. ``names``
    are looked up before the response starts, while the signed-in user's language is known."""
    today = controller_today()
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]

    def day(moment: datetime | None) -> date | None:
        return local_date(moment, timezone) if moment else None

    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        ids = [row.id for row in batch]
        pauses, decisions = _pauses_of(ids), _decisions_of(ids)
        for row in batch:
            received, closed = day(row.received_at), day(row.closed_at)
            try:
                paused = paused_days(pauses.get(row.id, ()), today)
            except ValueError:
                paused = None  # a pause recorded as ending before it began: shown as unknown
            on_time = None
            if closed and row.status is RequestStatus.CLOSED:
                on_time = closed <= row.due_on
            elif row.status is RequestStatus.OPEN and row.due_on < today:
                on_time = False  # already late, though not answered yet
            decision = decisions.get(row.id)
            yield [
                row.reference,
                names.kinds.get(row.kind.value, row.kind.value),
                names.channels.get(row.channel.value, row.channel.value),
                received,
                day(row.confirmed_at),
                row.due_on,
                row.due_on if row.period_months > 1 else None,
                paused,
                names.statuses.get(row.status.value, row.status.value),
                names.outcomes.get(row.outcome.value, "") if row.outcome else None,
                closed,
                (closed - received).days if closed and received else None,
                None if on_time is None else (names.yes if on_time else names.no),
                row.assignee_name,
                names.decisions.get(decision, decision) if decision else None,
            ]


def _csv_cell(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def csv_chunks(titles: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The file in pieces of about a batch each. A byte-order mark first: Excel reads UTF-8
    (ä, ö, å) right only with one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in titles])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(rows: Iterable[list], target) -> int:
    """Write the register to ``target`` (a file name or a binary file); the number of rows."""
    # Imported here: only this export needs it, and a web worker would hold it (issue 14).
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {
            # Each row is written to disk as it comes and never held (XlsxWriter's
            # constant-memory mode); rows must then come in order, as they do.
            "constant_memory": True,
            # A text that looks like a formula, a number or a link stays text: nothing in a
            # cell runs or fetches anything when the file is opened (OWASP "CSV Injection").
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(_("Requests"))
    bold = workbook.add_format({"bold": True})
    day_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 14, 14)
    for column, title in enumerate(header()):
        sheet.write_string(0, column, title, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                # A day is its serial number in a date format: what write_datetime stores, a
                # fifth faster for a hundred thousand rows.
                sheet.write_number(count, column, (value - EXCEL_EPOCH).days, day_format)
            elif isinstance(value, int):
                sheet.write_number(count, column, value)
            else:
                sheet.write_string(count, column, str(value))
    workbook.close()
    return count


def respond(file_format: str, query: Select, *, staff: User, what: dict) -> Response:
    """The export as a download; on the audit trail before anything leaves (GDPR Art. 5(2),
    32: a copy of the register in someone's hands is a disclosure worth knowing of)."""
    filename = f"register-{what['view']}-{controller_today().isoformat()}.{file_format}"
    if file_format == "csv":
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        audit.record("register.exported", actor=staff, format=file_format, rows=total, **what)
        db.session.commit()
        return Response(
            stream_with_context(csv_chunks(header(), register_rows(query, _Names()))),
            mimetype=FORMATS["csv"],
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )
    # Deleted by the operating system once closed; send_file closes it after the last piece.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by send_file
    try:
        total = write_xlsx(register_rows(query, _Names()), spool)
    except BaseException:
        spool.close()
        raise
    audit.record("register.exported", actor=staff, format=file_format, rows=total, **what)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=FORMATS["xlsx"], as_attachment=True, download_name=filename)
