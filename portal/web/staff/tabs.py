"""Tabs over the staff lists: the fixed ones with their counts, and each staff member's saved
views (issue 13 item 5). A tab is a view and a query string; its count reads one of the list
indexes and stops at TAB_COUNT_MAX, so tabs cost the same at any number of requests (issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import Date, Integer, Select, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import RequestStatus, SavedView, SubjectRequest, User
from portal.models.saved_view import NAME_MAX
from portal.subject_requests.clock import controller_today
from portal.subject_requests.counts import status_total
from portal.web.forms import PortalForm, has_control_characters
from portal.web.incoming import id_value
from portal.web.staff.lists import FILTERS, VIEWS, QueueFilters
from portal.web.staff.views import bp, staff_required


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


# A tab shows up to this many; more shows as "999+". The list's own page counts exactly.
TAB_COUNT_MAX = 1000


# The tabs that show whole statuses, by the statuses they show: exact counts, which the lists of
# those statuses use as their own.
STATUS_TABS = {
    VIEWS["queue"]: "open",
    (RequestStatus.WAITING,): "waiting",
    VIEWS["unconfirmed"]: "unconfirmed",
    VIEWS["closed"]: "closed",
}


def _tab_counts_statement() -> tuple[list[str], Select]:
    active = SubjectRequest.status.in_(VIEWS["queue"])
    today = bindparam("today", type_=Date)
    conditions = {
        "mine": and_(active, SubjectRequest.assignee_id == bindparam("staff_id", type_=Integer)),
        "unassigned": and_(active, SubjectRequest.assignee_id.is_(None)),
        "overdue": and_(active, SubjectRequest.due_on < today),
        "today": and_(active, SubjectRequest.due_on == today),
    }
    counts = {
        key: select(func.count())
        .select_from(select(SubjectRequest.id).where(condition).limit(TAB_COUNT_MAX).subquery())
        .scalar_subquery()
        for key, condition in conditions.items()
    }
    # The tabs of whole statuses from the counts the triggers keep (migration 0016): exact.
    for shown, key in STATUS_TABS.items():
        counts[key] = status_total(shown).scalar_subquery()
    return list(counts), select(*counts.values())


# Built once, with the day and the staff member as parameters: built on every page it cost
# 3-6 ms of Python, more than the database's counting (1.2 ms with it built once).
_TAB_KEYS, _TAB_COUNTS = _tab_counts_statement()


def tab_counts(staff: User) -> dict[str, int]:
    """Every fixed tab's count in one statement: one scalar subquery per tab, a whole status's
    from the kept counts, the others each a range of one of the list indexes (status with due
    date or assignee) read no further than TAB_COUNT_MAX entries, so the tabs cost the same at
    1,000 requests and at 100,000 (issue 14: counting every open and closed request took
    18-29 ms a page at 100,000)."""
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


# Built once a worker, as the lists' other statements (issue 14).
_SAVED_VIEWS = (
    select(SavedView)
    .where(SavedView.staff_id == bindparam("staff_id", type_=Integer))
    .order_by(SavedView.name)
)


def tabs_of(
    filters: QueueFilters, staff: User, counts: dict[str, int]
) -> tuple[list[Tab], list[Tab], str | None]:
    """The fixed tabs with their counts (``tab_counts``), the staff member's saved views, and
    which tab the page shows (None when its filters are no tab's)."""
    fixed = [Tab(key, str(label), view, args, counts[key]) for key, label, view, args in TABS]
    saved = [
        Tab(f"saved-{v.id}", v.name, v.view_name, saved_args(v.args), saved_id=v.id)
        for v in db.session.scalars(_SAVED_VIEWS, {"staff_id": staff.id})
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
