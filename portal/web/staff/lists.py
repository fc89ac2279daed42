"""The staff lists and what their address asks of them: which view (open, unconfirmed, closed),
its filters and search, its sort. The queue's pages, its exports and its tabs all read the same
query string through ``read_filters``, so a register exported or a view saved is the list staff
were looking at (GDPR Art. 5(2), 30).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import aliased

from portal.models import RequestKind, RequestStatus, SubjectRequest, User
from portal.web.incoming import text_args

VIEWS = {
    "queue": (RequestStatus.OPEN, RequestStatus.WAITING),
    "unconfirmed": (RequestStatus.UNCONFIRMED, RequestStatus.LAPSED),
    "closed": (RequestStatus.CLOSED, RequestStatus.WITHDRAWN),
}
FILTERS = ("status", "kind", "assignee", "due", "q")
# The assignee under a name of its own, so that a query may join the requester's account too.
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

    def statuses_only(self) -> tuple[RequestStatus, ...] | None:
        """The statuses the list shows when nothing but the view and a status narrows it (the
        values ``queue.filtered`` ignores ignored here too), else None: such a list is counted
        from the kept counts of its statuses."""
        values = self.values
        if (
            not self.valid
            or values["q"].strip()
            or values["kind"] in {k.value for k in RequestKind}
            or values["assignee"] in ("none", "me")
            or values["assignee"].isdigit()
            or values["due"] in ("overdue", "today", "week")
        ):
            return None
        statuses = VIEWS[self.view_name]
        chosen = [s for s in statuses if s.value == values["status"]]
        return tuple(chosen) or statuses


def read_filters(view_name: str) -> QueueFilters:
    values, valid = text_args(*FILTERS, "sort")
    sort = values.pop("sort")
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT[view_name]
    return QueueFilters(view_name, values, valid, sort)
