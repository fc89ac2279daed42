"""The queue: open, unconfirmed and closed requests, filtered, searched, sorted and paged; bulk
assignment; and the register of requests (CSV, XLSX) of exactly the queue as filtered.

One function decides which requests a view with its filters holds (``filtered``) and one their
order (``ordered``): the page and the exports both use them, so the register handed to a
controller or a regulator is the list staff were looking at (GDPR Art. 5(2), 30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ARRAY,
    BindParameter,
    Date,
    Integer,
    Select,
    any_,
    bindparam,
    false,
    func,
    select,
    union_all,
)
from wtforms import SelectField
from wtforms.validators import InputRequired

from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import RequestKind, RequestStatus, Role, SubjectRequest, User
from portal.subject_requests import actions, search
from portal.subject_requests.clock import controller_today
from portal.subject_requests.counts import status_count
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm
from portal.web.incoming import id_value, page_arg
from portal.web.staff import export, rows
from portal.web.staff.lists import (
    ASSIGNEE,
    SORTS,
    VIEWS,
    QueueFilters,
    read_filters,
)
from portal.web.staff.tabs import STATUS_TABS, TAB_COUNT_MAX, tab_counts, tabs_of
from portal.web.staff.views import bp, staff_required
from portal.web.staff.wording import STAFF_STATUS_NAMES

# One bulk assignment changes at most a page of the largest size (max_per_page below).
BULK_MAX = 200


@dataclass(frozen=True)
class Narrowing:
    """What narrows a view besides its statuses and the search: ``shape``, which conditions
    (with the few values some can take, such as a status or a type, written in), and
    ``values``, the values bound to the others (the day, the staff member, an assignee)."""

    shape: tuple
    values: dict


def narrowing(filters: QueueFilters, staff: User) -> Narrowing:
    values = filters.values
    if not filters.valid:
        # A search the database cannot run (control characters, too long) finds nothing.
        return Narrowing((("invalid",),), {})
    shape, bound = [], {}
    if values["status"] in {s.value for s in VIEWS[filters.view_name]}:
        shape.append(("status", RequestStatus(values["status"])))
    if values["kind"] in {k.value for k in RequestKind}:
        shape.append(("kind", RequestKind(values["kind"])))
    if values["assignee"] == "none":
        shape.append(("assignee", "none"))
    elif values["assignee"] == "me":
        shape.append(("assignee", "me"))
        bound["staff_id"] = staff.id
    elif values["assignee"].isdigit():
        # An id beyond the column's range is nobody's.
        assignee_id = id_value(values["assignee"])
        shape.append(("assignee", "id" if assignee_id else "nobody"))
        bound["assignee_id"] = assignee_id or 0
    if values["due"] in ("overdue", "today", "week"):
        shape.append(("due", values["due"]))
        today = controller_today()
        bound.update(today=today, week_end=today + timedelta(days=7))
    typed = values["q"].strip()
    if typed:
        ids = search.matches(typed)
        if ids is None:
            # Too many to list: the search itself, in a statement built for this page.
            shape.append(("search", "dense"))
            bound["typed"] = typed
        else:
            shape.append(("search", "ids"))
            bound["matches"] = ids
    return Narrowing(tuple(shape), bound)


def _narrowed(
    query: Select,
    view_name: str,
    shape: tuple,
    status: RequestStatus | None = None,
    values: dict | None = None,
) -> Select:
    """``query`` limited to the view's requests (or those in ``status``, one of the view's) and
    ``shape``'s conditions, each value a bound parameter: given by ``values`` now, or, for a
    statement kept for many pages, named and given each time it runs."""

    def bound(name: str, type_, **options) -> BindParameter:
        if values is None:
            return bindparam(name, type_=type_, **options)
        return bindparam(name, values[name], type_=type_, **options)

    if status is None:
        query = query.where(SubjectRequest.status.in_(VIEWS[view_name]))
    else:
        query = query.where(SubjectRequest.status == status)
    for condition in shape:
        match condition:
            case ("invalid",):
                return query.where(false())
            case ("status", chosen):
                query = query.where(SubjectRequest.status == chosen)
            case ("kind", kind):
                query = query.where(SubjectRequest.kind == kind)
            case ("assignee", "none"):
                query = query.where(SubjectRequest.assignee_id.is_(None))
            case ("assignee", "me"):
                query = query.where(SubjectRequest.assignee_id == bound("staff_id", Integer))
            case ("assignee", "id"):
                query = query.where(SubjectRequest.assignee_id == bound("assignee_id", Integer))
            case ("assignee", "nobody"):
                query = query.where(false())
            case ("due", "overdue"):
                query = query.where(SubjectRequest.due_on < bound("today", Date))
            case ("due", "today"):
                query = query.where(SubjectRequest.due_on == bound("today", Date))
            case ("due", "week"):
                query = query.where(
                    SubjectRequest.due_on.between(bound("today", Date), bound("week_end", Date))
                )
            case ("search", "ids") if db.session.get_bind().dialect.name == "postgresql":
                # One array, not a list of as many parameters as matches, for PostgreSQL to
                # plan (a name matching 97 of 100,000 requests: its page 1.5 -> 0.9 ms, its count
                # 0.8 -> 0.4).
                ids = bound("matches", ARRAY(Integer))
                query = query.where(SubjectRequest.id == any_(ids))
            case ("search", "ids"):
                ids = bound("matches", Integer, expanding=True)
                query = query.where(SubjectRequest.id.in_(ids))
            case ("search", "dense"):
                query = query.where(SubjectRequest.id.in_(search.matching_ids(values["typed"])))
    return query


def filtered(
    query: Select, filters: QueueFilters, staff: User, status: RequestStatus | None = None
) -> Select:
    """``query`` (over SubjectRequest, outer-joined to ASSIGNEE) limited to the view's requests
    that match the filters and the search. Every value is a bound parameter. ``status``: only
    the view's requests in that one status."""
    narrow = narrowing(filters, staff)
    return _narrowed(query, filters.view_name, narrow.shape, status, narrow.values)


def ordered(query: Select, sort: str) -> Select:
    column = SORTS[sort.removeprefix("-")]
    if sort.startswith("-"):
        # The id breaks ties, so a page boundary never shows a request twice or skips one.
        return query.order_by(column.desc().nulls_last(), SubjectRequest.id.desc())
    return query.order_by(column.asc().nulls_last(), SubjectRequest.id)


def _from_requests(*columns) -> Select:
    query = select(*columns) if columns else select(SubjectRequest)
    return query.select_from(SubjectRequest).outerjoin(
        ASSIGNEE, SubjectRequest.assignee_id == ASSIGNEE.id
    )


def requests_of(filters: QueueFilters, staff: User, *columns) -> Select:
    """The view's requests as filtered and sorted: whole requests, or the given columns."""
    return ordered(filtered(_from_requests(*columns), filters, staff), filters.sort)


# The sorts an index of (status, column, id) holds in order (migration 0012).
INDEXED_SORTS = {"due": SubjectRequest.due_on, "received": SubjectRequest.received_at}


def page_ids(view_name: str, shape: tuple, sort: str, dialect: str) -> Select:
    """The ids (and sort keys) of one page, for a sort the list indexes hold, with the page's
    bounds as parameters: ``limit``, ``offset``, and ``reach`` (their sum).

    A list shows two statuses (open and waiting; closed and withdrawn). ``status IN (a, b)
    ORDER BY due_on`` cannot be read in order from the (status, due_on, id) index, so both
    databases read and sort every request of the list, or walk the due-date index past every
    closed one (issue 14: 356 ms at 100,000 requests). One branch per status reads its own
    range of the index in order and the database merges the two as it reads them (SQLite's
    MERGE, PostgreSQL's Merge Append): page 1 reads 25 entries of each, page 500 the 12,500
    before it, from the index alone."""
    column = INDEXED_SORTS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    chosen = [condition[1] for condition in shape if condition[0] == "status"]
    statuses = chosen or VIEWS[view_name]
    branches = [
        _narrowed(select(SubjectRequest.id, column.label("key")), view_name, shape, status)
        for status in statuses
    ]
    if len(branches) == 1:
        merged = branches[0]
    elif dialect == "postgresql":
        # PostgreSQL merges the branches in order (Merge Append) only when each is limited on
        # its own; unlimited, it sorts both (70 ms for the closed list's page 500; now 3.5 ms).
        order = (column.desc(), SubjectRequest.id.desc())
        if not descending:
            order = (column.asc(), SubjectRequest.id.asc())
        reach = bindparam("reach", type_=Integer)
        limited = [b.order_by(*order).limit(reach) for b in branches]
        inner = union_all(*limited).subquery()
        merged = select(inner.c.id, inner.c.key)
    else:
        merged = union_all(*branches)
    key, ident = merged.selected_columns.key, merged.selected_columns.id
    order = (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())
    return _bounded(merged.order_by(*order))


def _bounded(query: Select) -> Select:
    return query.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))


def _page_rows(
    view_name: str, shape: tuple, sort: str, dialect: str, values: dict | None = None
) -> Select:
    """The rows of one page of a list as the table shows them (``rows.COLUMNS``), the page's
    bounds as parameters (``page_ids``); ``values`` as ``_narrowed``'s."""
    if sort.removeprefix("-") not in INDEXED_SORTS or any(c[0] == "search" for c in shape):
        # A search's matches are few (``search.matches``): read and sorted, not walked to
        # along the sort's index.
        query = _narrowed(_from_requests(*rows.COLUMNS), view_name, shape, values=values)
        return _bounded(rows.with_people(ordered(query, sort)))
    # The page's ids from the indexes, joined to their requests in the same statement.
    page = page_ids(view_name, shape, sort, dialect).subquery("page")
    order = (page.c.key.desc(), page.c.id.desc())
    if not sort.startswith("-"):
        order = (page.c.key.asc(), page.c.id.asc())
    query = (
        select(*rows.COLUMNS)
        .select_from(SubjectRequest)
        .join(page, page.c.id == SubjectRequest.id)
        .outerjoin(ASSIGNEE, SubjectRequest.assignee_id == ASSIGNEE.id)
    )
    return rows.with_people(query).order_by(*order)


def _count(view_name: str, shape: tuple, dialect: str, values: dict | None = None) -> Select:
    # ``dialect`` is part of the kept statement's key: ``_narrowed`` writes a search for it.
    count = select(func.count()).select_from(SubjectRequest)
    return _narrowed(count, view_name, shape, values=values)


# A list's statements by their shape, built once a worker: built for every page, the statements
# of a page cost more Python than the database spent running them (issue 14). The values go in
# as parameters each time. Bounded: the shapes are few, but a worker lives long.
_KEPT: dict[tuple, Select] = {}
_KEPT_MAX = 512


def _kept(build, narrow: Narrowing, *key) -> Select:
    """``build(*key)``, kept; for a search with too many matches to list, built for this page
    with its values (the search itself is in it)."""
    if ("search", "dense") in narrow.shape:
        return build(*key, values=narrow.values)
    statement = _KEPT.get((build, *key))
    if statement is None:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        statement = _KEPT[(build, *key)] = build(*key)
    return statement


class QueuePagination(Pagination):
    """One page of a list: its ids from the indexes (``page_ids``) joined to the rows the table
    shows (``rows``); and how many the list holds, from the kept counts of its statuses when
    nothing else narrows it, else counted on the requests alone (no join). The statements are
    kept (``_kept``). ``narrow``: the page's ``narrowing``, worked out once for both."""

    def _query_items(self) -> list[rows.QueueRow]:
        filters, narrow = self._query_args["filters"], self._query_args["narrow"]
        offset, limit = self._query_offset, self.per_page
        dialect = db.session.get_bind().dialect.name
        statement = _kept(
            _page_rows, narrow, filters.view_name, narrow.shape, filters.sort, dialect
        )
        bounds = {"limit": limit, "offset": offset, "reach": offset + limit}
        return rows.rows_of(statement, {**narrow.values, **bounds})

    def _query_count(self) -> int:
        filters, narrow = self._query_args["filters"], self._query_args["narrow"]
        statuses = filters.statuses_only()
        if statuses in STATUS_TABS:
            return self._query_args["tab_counts"][STATUS_TABS[statuses]]
        if statuses is not None:
            return status_count(statuses)
        dialect = db.session.get_bind().dialect.name
        statement = _kept(_count, narrow, filters.view_name, narrow.shape, dialect)
        return db.session.scalar(statement, narrow.values)


def staff_members() -> list:
    """Every staff member's id and name, by name. Served by the (role, name) index: no scan of
    every requester's account; and as two columns, not whole accounts (issue 14)."""
    return db.session.execute(_STAFF_MEMBERS).all()


_STAFF_MEMBERS = (
    select(User.id, User.name).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name)
)


ASSIGN_TO = _l("Assign the chosen requests to")


class BulkAssignForm(PortalForm):
    assignee = SelectField(ASSIGN_TO, coerce=int, validators=[InputRequired()])


def _queue(view_name: str):
    """One list view; the number of SQL queries does not depend on the page size."""
    filters = read_filters(view_name)
    if not filters.valid:
        flash(_("Search with at most 200 characters, without control characters."), "error")
    # The tabs' counts first: a list of whole statuses takes its count from its tab's.
    counts = tab_counts(current_user)
    page = QueuePagination(
        page=page_arg(),
        per_page=current_app.config["STAFF_QUEUE_PAGE_SIZE"],
        max_per_page=BULK_MAX,
        error_out=False,
        filters=filters,
        narrow=narrowing(filters, current_user),
        tab_counts=counts,
    )
    today = controller_today()
    bulk = view_name == "queue"
    staff_users = staff_members()
    tabs, saved_tabs, current_tab = tabs_of(filters, current_user, counts)
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
        shown_rows=rows.shown(page.items, today, choosing=bulk),
        bulk=bulk,
        # The bulk assignment's fields as BulkAssignForm reads them; its CSRF token from the
        # template (a form object a page cost 0.2 ms, issue 14).
        assign_to=ASSIGN_TO,
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
