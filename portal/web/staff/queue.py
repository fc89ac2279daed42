"""The queue: open, unconfirmed and closed requests, filtered, searched, sorted and paged; bulk
assignment; and the register of requests (CSV, XLSX) of exactly the queue as filtered.

One function decides which requests a view with its filters holds (``filtered``) and one their
order (``ordered``): the page and the exports both use them, so the register handed to a
controller or a regulator is the list staff were looking at (GDPR Art. 5(2), 30).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Date, Integer, Select, and_, bindparam, false, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.extensions import db
from portal.models import RequestKind, RequestStatus, Role, SavedView, SubjectRequest, User
from portal.models.saved_view import NAME_MAX
from portal.subject_requests import actions, search
from portal.subject_requests.clock import compute_due_on, controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS, OUTCOME_NAMES
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm, has_control_characters
from portal.web.incoming import id_value, page_arg, text_args
from portal.web.staff import export
from portal.web.staff.views import bp, staff_required
from portal.web.staff.wording import STAFF_STATUS_NAMES, WAITING_FOR_FEE

VIEWS = {
    "queue": (RequestStatus.OPEN, RequestStatus.WAITING),
    "unconfirmed": (RequestStatus.UNCONFIRMED, RequestStatus.LAPSED),
    "closed": (RequestStatus.CLOSED, RequestStatus.WITHDRAWN),
}
FILTERS = ("status", "kind", "assignee", "due", "q")
# The assignee as a second join of the user table: the search joins the requester.
ASSIGNEE = aliased(User, name="assignee_user")
# Only these columns sort, each by a real column (never a name taken from the query string).
SORTS = {
    "reference": SubjectRequest.reference,
    "kind": SubjectRequest.kind,
    "status": SubjectRequest.status,
    "received": SubjectRequest.received_at,
    "due": SubjectRequest.due_on,
    "assignee": ASSIGNEE.name,
}
DEFAULT_SORT = {"queue": "due", "unconfirmed": "-received", "closed": "-received"}
# One bulk assignment changes at most a page of the largest size (max_per_page below).
BULK_MAX = 200


@dataclass(frozen=True)
class QueueFilters:
    """What the query string asks of one view: filters, the search, the sort."""

    view_name: str
    values: dict[str, str]
    valid: bool
    sort: str

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def args(self, **changes) -> dict[str, str]:
        """The query string of this view as it is (the default sort left out), with changes."""
        values = {name: value for name, value in self.values.items() if value}
        if self.sort != DEFAULT_SORT[self.view_name]:
            values["sort"] = self.sort
        values.update(changes)
        return {name: value for name, value in values.items() if value}

    def sort_link(self, key: str) -> dict[str, str]:
        """The query string that sorts by ``key``: ascending first, then the other way."""
        ascending_now = self.sort_key == key and not self.descending
        return self.args(sort=f"-{key}" if ascending_now else key)

    def aria_sort(self, key: str) -> str | None:
        if self.sort_key != key:
            return None
        return "descending" if self.descending else "ascending"


def read_filters(view_name: str) -> QueueFilters:
    values, valid = text_args(*FILTERS, "sort")
    sort = values.pop("sort")
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT[view_name]
    return QueueFilters(view_name, values, valid, sort)


def filtered(
    query: Select, filters: QueueFilters, staff: User, status: RequestStatus | None = None
) -> Select:
    """``query`` (over SubjectRequest, outer-joined to ASSIGNEE) limited to the view's requests
    that match the filters and the search. Every value is a bound parameter. ``status``: only
    the view's requests in that one status (a branch of ``page_ids``)."""
    today = controller_today()
    statuses = VIEWS[filters.view_name]
    values = filters.values
    if status is None:
        query = query.where(SubjectRequest.status.in_(statuses))
    else:
        query = query.where(SubjectRequest.status == status)
    if not filters.valid:
        # A search the database cannot run (control characters, too long) finds nothing.
        return query.where(false())
    if values["status"] in {s.value for s in statuses}:
        query = query.where(SubjectRequest.status == RequestStatus(values["status"]))
    if values["kind"] in {k.value for k in RequestKind}:
        query = query.where(SubjectRequest.kind == RequestKind(values["kind"]))
    if values["assignee"] == "none":
        query = query.where(SubjectRequest.assignee_id.is_(None))
    elif values["assignee"] == "me":
        query = query.where(SubjectRequest.assignee_id == staff.id)
    elif values["assignee"].isdigit():
        # An id beyond the column's range is nobody's.
        assignee_id = id_value(values["assignee"])
        query = query.where(SubjectRequest.assignee_id == assignee_id if assignee_id else false())
    if values["due"] == "overdue":
        query = query.where(SubjectRequest.due_on < today)
    elif values["due"] == "today":
        query = query.where(SubjectRequest.due_on == today)
    elif values["due"] == "week":
        query = query.where(SubjectRequest.due_on.between(today, today + timedelta(days=7)))
    if values["q"].strip():
        query = query.where(SubjectRequest.id.in_(search.matching_ids(values["q"])))
    return query


def ordered(query: Select, filters: QueueFilters) -> Select:
    column = SORTS[filters.sort_key]
    if filters.descending:
        # The id breaks ties, so a page boundary never shows a request twice or skips one.
        return query.order_by(column.desc().nulls_last(), SubjectRequest.id.desc())
    return query.order_by(column.asc().nulls_last(), SubjectRequest.id)


def requests_of(filters: QueueFilters, staff: User, *columns) -> Select:
    """The view's requests as filtered and sorted: whole requests, or the given columns."""
    query = select(*columns) if columns else select(SubjectRequest)
    query = query.select_from(SubjectRequest).outerjoin(
        ASSIGNEE, SubjectRequest.assignee_id == ASSIGNEE.id
    )
    return ordered(filtered(query, filters, staff), filters)


# The sorts an index of (status, column, id) holds in order (migration 0012).
INDEXED_SORTS = {"due": SubjectRequest.due_on, "received": SubjectRequest.received_at}


def page_ids(filters: QueueFilters, staff: User, offset: int, limit: int) -> Select | None:
    """The ids (and sort keys) of one page, for the sorts the list indexes hold; None for the
    other sorts.

    A list shows two statuses (open and waiting; closed and withdrawn). ``status IN (a, b)
    ORDER BY due_on`` cannot be read in order from the (status, due_on, id) index, so both
    databases read and sort every request of the list, or walk the due-date index past every
    closed one (issue 14: 356 ms at 100,000 requests). One branch per status reads its own
    range of the index in order and the database merges the two as it reads them (SQLite's
    MERGE, PostgreSQL's Merge Append): page 1 reads 25 entries of each, page 500 the 12,500
    before it, from the index alone."""
    column = INDEXED_SORTS.get(filters.sort_key)
    if column is None or not filters.valid or filters.values["q"].strip():
        # Other sorts, and the search (whose matches are few), go the ordinary way.
        return None
    statuses = VIEWS[filters.view_name]
    if filters.values["status"] in {s.value for s in statuses}:
        statuses = (RequestStatus(filters.values["status"]),)
    branches = [
        filtered(select(SubjectRequest.id, column.label("key")), filters, staff, status)
        for status in statuses
    ]
    if len(branches) == 1:
        merged = branches[0]
    elif db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL merges the branches in order (Merge Append) only when each is limited on
        # its own; unlimited, it sorts both (70 ms for the closed list's page 500; now 3.5 ms).
        order = (column.desc(), SubjectRequest.id.desc())
        if not filters.descending:
            order = (column.asc(), SubjectRequest.id.asc())
        limited = [b.order_by(*order).limit(offset + limit) for b in branches]
        inner = union_all(*limited).subquery()
        merged = select(inner.c.id, inner.c.key)
    else:
        merged = union_all(*branches)
    key, ident = merged.selected_columns.key, merged.selected_columns.id
    order = (key.desc(), ident.desc()) if filters.descending else (key.asc(), ident.asc())
    return merged.order_by(*order).limit(limit).offset(offset)


class QueuePagination(Pagination):
    """One page of a list: the ids from the indexes (``page_ids``), then those requests; and how
    many the list holds, counted on the requests alone (no join)."""

    def _query_items(self) -> list:
        filters, staff, query = (self._query_args[k] for k in ("filters", "staff", "query"))
        ids = page_ids(filters, staff, self._query_offset, self.per_page)
        if ids is None:
            query = query.limit(self.per_page).offset(self._query_offset)
            return list(db.session.execute(query).unique().scalars())
        wanted = [row[0] for row in db.session.execute(ids)]
        if not wanted:
            return []
        rows = db.session.scalars(
            query.where(SubjectRequest.id.in_(wanted)).order_by(None)
        ).unique()
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def _query_count(self) -> int:
        filters, staff = self._query_args["filters"], self._query_args["staff"]
        count = filtered(select(func.count()).select_from(SubjectRequest), filters, staff)
        return db.session.scalar(count)


def row_formatters(today):
    """The table's dates and due notes, each worked out once a page for each value (a page of
    25 rows by due date repeats its dates): Flask-Babel's filter and the shared due macro cost
    about 1 ms a row each (issue 14: Python per row). The same texts as the macro's."""

    @functools.cache
    def day_of(value: date) -> str:
        return format_date(value)

    def day(value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = to_user_timezone(value).date()
        return day_of(value)

    @functools.cache
    def due_note(status: RequestStatus, left: int) -> tuple[str, str]:
        if status not in VIEWS["queue"]:
            return "", ""
        if status is RequestStatus.WAITING:
            return "due-paused", _("clock paused")
        if left < 0:
            return "due-overdue", ngettext("%(num)s day overdue", "%(num)s days overdue", -left)
        if left == 0:
            return "due-soon", _("due today")
        css = "due-soon" if left <= 7 else "due-ok"
        return css, ngettext("%(num)s day left", "%(num)s days left", left)

    def due(r: SubjectRequest) -> tuple[str, str]:
        return due_note(r.status, (r.due_on - today).days)

    return day, due


def staff_members() -> list[User]:
    # Served by the (role, name) index: no scan of every requester's account (issue 14).
    return db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name)
    ).all()


@dataclass(frozen=True)
class Tab:
    """A tab over the lists: a view with fixed filters, its label and (when cheap) its count."""

    key: str
    label: str
    view_name: str
    args: dict[str, str]
    count: int | None = None
    saved_id: int | None = None

    @property
    def endpoint(self) -> str:
        return "staff.queue" if self.view_name == "queue" else f"staff.{self.view_name}"


# The fixed tabs: each is a view and the filters a link to it sets (issue 13 item 5).
TABS = (
    ("open", _l("Open"), "queue", {}),
    ("mine", _l("Mine"), "queue", {"assignee": "me"}),
    ("unassigned", _l("Unassigned"), "queue", {"assignee": "none"}),
    ("overdue", _l("Overdue"), "queue", {"due": "overdue"}),
    ("today", _l("Due today"), "queue", {"due": "today"}),
    ("waiting", _l("Waiting for the requester"), "queue", {"status": "waiting"}),
    ("unconfirmed", _l("Unconfirmed"), "unconfirmed", {}),
    ("closed", _l("Closed"), "closed", {}),
)


# A tab counts up to this many; more shows as "999+". The list's own page counts exactly.
TAB_COUNT_MAX = 1000


def _tab_counts_statement() -> tuple[list[str], Select]:
    active = SubjectRequest.status.in_(VIEWS["queue"])
    today = bindparam("today", type_=Date)
    conditions = {
        "open": active,
        "mine": and_(active, SubjectRequest.assignee_id == bindparam("staff_id", type_=Integer)),
        "unassigned": and_(active, SubjectRequest.assignee_id.is_(None)),
        "overdue": and_(active, SubjectRequest.due_on < today),
        "today": and_(active, SubjectRequest.due_on == today),
        "waiting": SubjectRequest.status == RequestStatus.WAITING,
        "unconfirmed": SubjectRequest.status.in_(VIEWS["unconfirmed"]),
        "closed": SubjectRequest.status.in_(VIEWS["closed"]),
    }
    counts = [
        select(func.count())
        .select_from(select(SubjectRequest.id).where(condition).limit(TAB_COUNT_MAX).subquery())
        .scalar_subquery()
        for condition in conditions.values()
    ]
    return list(conditions), select(*counts)


# Built once, with the day and the staff member as parameters: built on every page it cost
# 3-6 ms of Python, more than the database's counting (1.2 ms with it built once).
_TAB_KEYS, _TAB_COUNTS = _tab_counts_statement()


def tab_counts(staff: User) -> dict[str, int]:
    """Every fixed tab's count in one statement: one scalar subquery per tab, each a range of
    one of the list indexes (status with due date or assignee) read no further than
    TAB_COUNT_MAX entries, so the tabs cost the same at 1,000 requests and at 100,000 (issue 14:
    counting every open and closed request took 18-29 ms a page at 100,000)."""
    row = db.session.execute(_TAB_COUNTS, {"staff_id": staff.id, "today": controller_today()}).one()
    return dict(zip(_TAB_KEYS, row, strict=True))


def saved_args(args: dict[str, str]) -> dict[str, str]:
    """A saved view's query string as the queue reads it: only its own names, each a value the
    query string could hold (text_args' limits), the default sort left out."""
    return {
        name: value
        for name, value in args.items()
        if name in (*FILTERS, "sort")
        and isinstance(value, str)
        and value
        and len(value) <= 200
        and not has_control_characters(value)
    }


def tabs_of(filters: QueueFilters, staff: User) -> tuple[list[Tab], list[Tab], str | None]:
    """The fixed tabs with their counts, the staff member's saved views, and which tab the
    page shows (None when its filters are no tab's)."""
    counts = tab_counts(staff)
    fixed = [Tab(key, str(label), view, args, counts[key]) for key, label, view, args in TABS]
    saved = [
        Tab(f"saved-{v.id}", v.name, v.view_name, saved_args(v.args), saved_id=v.id)
        for v in db.session.scalars(
            select(SavedView).where(SavedView.staff_id == staff.id).order_by(SavedView.name)
        )
        if v.view_name in VIEWS
    ]
    shown = filters.args()
    current = next(
        (t.key for t in (*fixed, *saved) if t.view_name == filters.view_name and t.args == shown),
        None,
    )
    return fixed, saved, current


SAVED_VIEWS_MAX = 30


class SaveViewForm(PortalForm):
    name = StringField(
        _l("Name of the view"),
        validators=[
            InputRequired(_l("Give the view a name.")),
            Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.")),
        ],
    )
    view_name = HiddenField()
    args = HiddenField()

    def validate_name(self, field) -> None:
        if not field.data.strip():
            raise ValidationError(_l("Give the view a name."))


class DeleteViewForm(PortalForm):
    pass


class BulkAssignForm(PortalForm):
    assignee = SelectField(
        _l("Assign the chosen requests to"), coerce=int, validators=[InputRequired()]
    )


def _queue(view_name: str):
    """One list view; the number of SQL queries does not depend on the page size."""
    filters = read_filters(view_name)
    if not filters.valid:
        flash(_("Search with at most 200 characters, without control characters."), "error")
    query = requests_of(filters, current_user).options(
        selectinload(SubjectRequest.requester),
        selectinload(SubjectRequest.assignee),
        selectinload(SubjectRequest.pauses),  # the badge says what a waiting request waits for
    )
    page = QueuePagination(
        page=page_arg(),
        per_page=current_app.config["STAFF_QUEUE_PAGE_SIZE"],
        max_per_page=BULK_MAX,
        error_out=False,
        query=query,
        filters=filters,
        staff=current_user,
    )
    today = controller_today()
    staff_users = staff_members()
    bulk_form = BulkAssignForm()
    bulk_form.assignee.choices = [(user.id, user.name) for user in staff_users]
    tabs, saved_tabs, current_tab = tabs_of(filters, current_user)
    return render_template(
        "staff/queue.html",
        view_name=view_name,
        page=page,
        today=today,
        filters=filters,
        statuses=VIEWS[view_name],
        kinds=KINDS,
        staff_users=staff_users,
        # Each name translated once a page, not once a row (issue 14: Python per row).
        staff_status_names={key: str(name) for key, name in STAFF_STATUS_NAMES.items()},
        kind_titles={kind: str(info.title) for kind, info in KINDS.items()},
        outcome_titles={key: str(name) for key, name in OUTCOME_NAMES.items()},
        formatters=row_formatters(today),
        waiting_for_fee=WAITING_FOR_FEE,
        # A paused clock stands still: the request's stored due date is already behind it, so
        # the queue shows the date the clock would run to if the answer came today
        # (GDPR Art. 12(6), EDPB Guidelines 01/2022 §159). The pauses are loaded with the page.
        runs_to={
            r.id: compute_due_on(r, today) for r in page.items if r.status is RequestStatus.WAITING
        },
        bulk_form=bulk_form,
        tabs=tabs,
        saved_tabs=saved_tabs,
        current_tab=current_tab,
        tab_count_max=TAB_COUNT_MAX,
        # What "Save this view" saves: the list and its query string as shown.
        save_args=urlencode(filters.args()),
        back=request.full_path,
    )


@bp.route("/")
@staff_required
def queue():
    return _queue("queue")


@bp.route("/unconfirmed")
@staff_required
def unconfirmed():
    return _queue("unconfirmed")


@bp.route("/closed")
@staff_required
def closed():
    return _queue("closed")


@bp.route("/register/<view_name>.<file_format>")
@staff_required
def export_register(view_name: str, file_format: str):
    """The register of requests of one view, as filtered and sorted on the page."""
    if view_name not in VIEWS or file_format not in export.FORMATS:
        abort(404)
    filters = read_filters(view_name)
    staff = current_user._get_current_object()
    return export.respond(
        file_format,
        requests_of(filters, staff, *export.columns(ASSIGNEE)),
        staff=staff,
        # What was exported, as the queue's address says it: the view, its filters, the order.
        what={"view": view_name, "filters": filters.args(), "valid": filters.valid},
    )


def _back_to_queue() -> str:
    """Where the bulk form was sent from, if that is one of our queue pages; else the queue."""
    back = request.form.get("back", "")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or "\\" in back or not back.startswith("/staff"):
        return url_for("staff.queue")
    return back


@bp.post("/assign")
@staff_required
def bulk_assign():
    """Assign several requests at once, each as the ticket's own assign action does it: locked,
    checked against what the page showed, and on the audit trail one by one (GDPR Art. 5(2))."""
    form = BulkAssignForm()
    form.assignee.choices = [(user.id, user.name) for user in staff_members()]
    chosen = sorted({id_value(v) for v in request.form.getlist("request")} - {None})
    if not form.validate_on_submit() or not chosen or len(chosen) > BULK_MAX:
        flash(_("Choose the requests and the staff member to assign them to."), "error")
        return redirect(_back_to_queue())
    assignee = db.session.get(User, form.assignee.data)
    assigned, skipped = 0, 0
    try:
        # Locked in the order of their ids: two bulk assignments at once never wait on each
        # other in a circle; each request's own actions wait for this one's commit.
        for request_id in chosen:
            subject_request = lock_request(request_id)
            if subject_request is None:
                skipped += 1
                continue
            seen = request.form.get(f"seen-{request_id}", "")
            now = "" if subject_request.assignee_id is None else str(subject_request.assignee_id)
            if seen != now or subject_request.status not in VIEWS["queue"]:
                # Someone else assigned (or closed) it after this page was drawn: the page's
                # choice was made on a state nobody sees any more, so it is left alone.
                skipped += 1
                continue
            actions.assign(subject_request, current_user, assignee)
            assigned += 1
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_back_to_queue())
    db.session.commit()
    if assigned:
        flash(
            ngettext(
                "%(num)s request was assigned to %(name)s.",
                "%(num)s requests were assigned to %(name)s.",
                assigned,
                name=assignee.name,
            ),
            "success",
        )
    if skipped:
        flash(
            ngettext(
                "%(num)s request was left as it is: it changed after the page was shown.",
                "%(num)s requests were left as they are: they changed after the page was shown.",
                skipped,
            ),
            "error",
        )
    return redirect(_back_to_queue())


def _view_url(view_name: str, args: dict[str, str]) -> str:
    endpoint = "staff.queue" if view_name == "queue" else f"staff.{view_name}"
    return url_for(endpoint, **args)


@bp.post("/views")
@staff_required
def save_view():
    """Save the list as shown (its view, filters and sort) under a name, as a tab of the signed-in
    staff member's own."""
    form = SaveViewForm()
    view_name = form.view_name.data if form.view_name.data in VIEWS else "queue"
    raw = form.args.data or ""
    args = saved_args(dict(parse_qsl(raw))) if len(raw) <= 2000 else {}
    back = _view_url(view_name, args)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    name = " ".join(form.name.data.split())
    mine = db.session.scalars(select(SavedView.name).where(SavedView.staff_id == current_user.id))
    names = {existing.casefold() for existing in mine}
    if name.casefold() in names:
        flash(_("You already have a view named %(name)s.", name=name), "error")
        return redirect(back)
    if len(names) >= SAVED_VIEWS_MAX:
        flash(_("You can keep at most %(num)d views.", num=SAVED_VIEWS_MAX), "error")
        return redirect(back)
    db.session.add(SavedView(staff_id=current_user.id, name=name, view_name=view_name, args=args))
    try:
        db.session.commit()
    except IntegrityError:
        # The same name saved twice at once: the unique constraint kept one.
        db.session.rollback()
        flash(_("You already have a view named %(name)s.", name=name), "error")
        return redirect(back)
    flash(_("The view %(name)s was saved.", name=name), "success")
    return redirect(back)


@bp.post("/views/<view_id>/delete")
@staff_required
def delete_view(view_id: str):
    """Delete one of the signed-in staff member's saved views; anyone else's is not found."""
    form = DeleteViewForm()
    view_id = id_value(view_id)  # an id beyond the column's range is nobody's
    saved = view_id and db.session.scalar(
        select(SavedView).where(SavedView.id == view_id, SavedView.staff_id == current_user.id)
    )
    if saved is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("The form had expired. Please send it again."), "error")
        return redirect(url_for("staff.queue"))
    name = saved.name
    db.session.delete(saved)
    db.session.commit()
    flash(_("The view %(name)s was deleted.", name=name), "success")
    return redirect(url_for("staff.queue"))
