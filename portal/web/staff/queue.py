"""The queue: open, unconfirmed and closed requests, filtered, searched, sorted and paged; bulk
assignment; and the register of requests (CSV, XLSX) of exactly the queue as filtered.

One function decides which requests a view with its filters holds (``filtered``) and one their
order (``ordered``): the page and the exports both use them, so the register handed to a
controller or a regulator is the list staff were looking at (GDPR Art. 5(2), 30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import Select, false, select
from sqlalchemy.orm import aliased, selectinload
from wtforms import SelectField
from wtforms.validators import InputRequired

from portal.extensions import db
from portal.models import RequestKind, RequestStatus, Role, SubjectRequest, User
from portal.subject_requests import actions, search
from portal.subject_requests.clock import compute_due_on, controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.locking import lock_request
from portal.web.forms import PortalForm
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


def filtered(query: Select, filters: QueueFilters, staff: User) -> Select:
    """``query`` (over SubjectRequest, outer-joined to ASSIGNEE) limited to the view's requests
    that match the filters and the search. Every value is a bound parameter."""
    today = controller_today()
    statuses = VIEWS[filters.view_name]
    values = filters.values
    query = query.where(SubjectRequest.status.in_(statuses))
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


def staff_members() -> list[User]:
    return db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name)
    ).all()


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
    page = db.paginate(
        query,
        page=page_arg(),
        per_page=current_app.config["STAFF_QUEUE_PAGE_SIZE"],
        max_per_page=BULK_MAX,
        error_out=False,
    )
    today = controller_today()
    staff_users = staff_members()
    bulk_form = BulkAssignForm()
    bulk_form.assignee.choices = [(user.id, user.name) for user in staff_users]
    return render_template(
        "staff/queue.html",
        view_name=view_name,
        page=page,
        today=today,
        filters=filters,
        statuses=VIEWS[view_name],
        kinds=KINDS,
        staff_users=staff_users,
        staff_status_names=STAFF_STATUS_NAMES,
        waiting_for_fee=WAITING_FOR_FEE,
        # A paused clock stands still: the request's stored due date is already behind it, so
        # the queue shows the date the clock would run to if the answer came today
        # (GDPR Art. 12(6), EDPB Guidelines 01/2022 §159). The pauses are loaded with the page.
        runs_to={
            r.id: compute_due_on(r, today) for r in page.items if r.status is RequestStatus.WAITING
        },
        bulk_form=bulk_form,
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
