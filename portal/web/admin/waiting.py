"""A banner for admins on every page while requests wait for the contact person's staff account.

A request confirmed before that account exists is assigned to no one (``portal.intake.opening``):
the admins are emailed about each one, and this banner stays until the account is created and the
requests are assigned to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from portal.intake.opening import contact_person_user, unassigned_requests
from portal.web.admin.views import bp


@dataclass(frozen=True)
class Waiting:
    count: int
    contact_email: str
    contact_name: str


def requests_waiting_for_contact() -> Waiting | None:
    """For an admin: how many open requests wait because the contact person has no staff
    account. None for everyone else, and when nothing waits."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return None
    if contact_person_user() is not None:
        return None
    waiting = unassigned_requests()
    if not waiting:
        return None
    contact = current_app.extensions["notice"].contact_person
    return Waiting(len(waiting), contact.email.lower(), contact.name)


@bp.app_context_processor
def _waiting_banner() -> dict:
    # Called only by the layout, for admins: the pages of visitors query nothing.
    return {"requests_waiting_for_contact": requests_waiting_for_contact}
