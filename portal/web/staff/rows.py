"""The rows of a staff list as plain values: what the table shows of each request, its requester
and its assignee read as columns in one statement, and the pauses of the waiting ones (what a
waiting request waits for, and the date its clock runs to) in one more.

Loaded as whole requests and accounts, 25 rows cost more Python than the rest of the page's work
together (issue 14); a row here holds only what the table reads, so a template that reads more
fails its tests instead of costing a statement a row. The texts each cell shows are worked out
here too (``shown``), once a row in Python: asked for by the template, each date, note and link
was a call through Jinja's context, 70 µs a row.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import format_date, get_locale, get_timezone, ngettext
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import (
    Outcome,
    PauseReason,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
    User,
)
from portal.models.request import Pauses
from portal.subject_requests.clock import compute_due_on
from portal.subject_requests.kinds import KINDS, OUTCOME_NAMES
from portal.web.staff.lists import ASSIGNEE, VIEWS
from portal.web.staff.wording import STAFF_STATUS_NAMES, WAITING_FOR_FEE

REQUESTER = aliased(User, name="requester_user")
COLUMNS = (
    SubjectRequest.id,
    SubjectRequest.reference,
    SubjectRequest.kind,
    SubjectRequest.status,
    SubjectRequest.outcome,
    SubjectRequest.received_at,
    SubjectRequest.due_on,
    SubjectRequest.period_months,
    SubjectRequest.assignee_id,
    REQUESTER.name.label("requester_name"),
    REQUESTER.email.label("requester_email"),
    ASSIGNEE.name.label("assignee_name"),
)


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    asked_at: datetime
    resumed_at: datetime | None
    reason: PauseReason | None


@dataclass(slots=True)
class QueueRow(Pauses):
    """One request as its list row shows it; ``pauses`` only for a waiting request."""

    id: int
    reference: str | None
    kind: RequestKind
    status: RequestStatus
    outcome: Outcome | None
    received_at: datetime
    due_on: date | None
    period_months: int
    assignee_id: int | None
    requester: Person
    assignee: Person | None
    pauses: list[Pause] = field(default_factory=list)


def with_people(query: Select) -> Select:
    """``query`` (over SubjectRequest, outer-joined to ASSIGNEE) joined to the requester too."""
    return query.join(REQUESTER, REQUESTER.id == SubjectRequest.requester_id)


# Built once a worker, as the lists' other statements (issue 14).
_PAUSES = (
    select(
        RequestPause.request_id, RequestPause.asked_at, RequestPause.resumed_at, RequestPause.reason
    )
    .where(RequestPause.request_id.in_(bindparam("ids", expanding=True)))
    .order_by(RequestPause.asked_at)
)


def rows_of(query: Select, parameters: dict | None = None) -> list[QueueRow]:
    """The rows ``query`` (selecting COLUMNS) gives with ``parameters``, in its order, with the
    waiting ones' pauses."""
    rows = [
        QueueRow(
            *values[:9],
            requester=Person(values.requester_name, values.requester_email),
            assignee=Person(values.assignee_name) if values.assignee_id is not None else None,
        )
        for values in db.session.execute(query, parameters)
    ]
    waiting = {row.id: row for row in rows if row.status is RequestStatus.WAITING}
    if waiting:
        pauses = defaultdict(list)
        for request_id, *values in db.session.execute(_PAUSES, {"ids": list(waiting)}):
            pauses[request_id].append(Pause(*values))
        for request_id, row in waiting.items():
            row.pauses = pauses[request_id]
    return rows


@dataclass(slots=True)
class ShownRow:
    """What each cell of a list row shows, as text: the template only places it."""

    id: int
    reference: str | None
    href: str
    choose: str
    seen: int | str
    kind: str
    requester_name: str | None
    requester_email: str
    status: str
    status_text: str
    outcome_text: str
    received: str
    paused: bool
    due_class: str
    due: str
    runs_to: str
    assignee: str


def shown(rows: list[QueueRow], today: date, choosing: bool) -> list[ShownRow]:
    """The texts of ``rows`` as the list shows them on ``today``: the same words and dates the
    ticket page uses. ``choosing``: the rows have a box to choose them for bulk assignment."""
    day = _day_texts()
    due_note = _due_notes()
    choose = _("Choose %(reference)s") if choosing else ""
    ticket_href = _id_links("staff.ticket", "request_id")
    status_names = {key: str(name) for key, name in STAFF_STATUS_NAMES.items()}
    kind_titles = {kind: str(info.title) for kind, info in KINDS.items()}
    outcome_names = {key: str(name) for key, name in OUTCOME_NAMES.items()}
    fee = str(WAITING_FOR_FEE)
    result = []
    for r in rows:
        status = r.status.value
        paused = r.status is RequestStatus.WAITING
        if paused:
            # A paused clock stands still: the stored due date is already behind it, so the list
            # shows the date the clock would run to if the answer came today (GDPR Art. 12(6),
            # EDPB Guidelines 01/2022 §159).
            css, note = "due-paused", ""
            runs_to = _("runs to %(date)s if answered today", date=day(compute_due_on(r, today)))
        else:
            css, note = due_note(r.status, (r.due_on - today).days)
            runs_to = ""
        shown_due = day(r.due_on)
        result.append(
            ShownRow(
                id=r.id,
                reference=r.reference,
                href=ticket_href(r.id),
                choose=choose % {"reference": r.reference} if choosing else "",
                seen=r.assignee_id or "",
                kind=kind_titles[r.kind],
                requester_name=r.requester.name,
                requester_email=r.requester.email or "",
                status=status,
                status_text=fee if paused and r.waits_for_fee else status_names[status],
                outcome_text=outcome_names[r.outcome.value] if r.outcome else "",
                received=day(r.received_at),
                paused=paused,
                due_class=f"due {css}" if css else "due",
                due=f"{shown_due} · {note}" if note else shown_due,
                runs_to=runs_to,
                assignee=r.assignee.name if r.assignee else "–",
            )
        )
    return result


def _id_links(endpoint: str, argument: str) -> Callable[[int], str]:
    """``url_for(endpoint, argument=id)`` for many ids, the route matched once: werkzeug builds
    a URL in about 8 µs, and every id goes in the same place of it."""
    marker = 9_007_199_254_740_993  # no row's id: past every id column's range
    head, tail = url_for(endpoint, **{argument: marker}).split(str(marker))
    return lambda ident: f"{head}{int(ident)}{tail}"


def _day_texts() -> Callable[[date | datetime], str]:
    """Dates as the lists show them, a datetime on the day it is in the controller's time zone
    (Flask-Babel's ``to_user_timezone``), in the page's language."""
    # The same zone as Flask-Babel's, as the standard library's: pytz converted a time in 4 µs.
    locale, zone = str(get_locale()), _zone(str(get_timezone()))

    def day(value: date | datetime) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(zone).date()
        return _day_text(locale, value)

    return day


_zone = functools.cache(ZoneInfo)


# A date's text in a language, kept by the worker: Flask-Babel formats one in about 15 µs, looking
# the language, the time zone and the pattern up again each time, and a page shows 50 (issue 14).
# Every page is formatted with the portal's one (default) date pattern.
@functools.lru_cache(maxsize=2048)
def _day_text(locale: str, value: date) -> str:
    return format_date(value)


def _due_notes() -> Callable[[RequestStatus, int], tuple[str, str]]:
    """The due date's class and note by status and days left, each worked out once a page."""

    @functools.cache
    def due_note(status: RequestStatus, left: int) -> tuple[str, str]:
        if status not in VIEWS["queue"]:
            return "", ""
        if left < 0:
            return "due-overdue", ngettext("%(num)s day overdue", "%(num)s days overdue", -left)
        if left == 0:
            return "due-soon", _("due today")
        css = "due-soon" if left <= 7 else "due-ok"
        return css, ngettext("%(num)s day left", "%(num)s days left", left)

    return due_note
