"""Lifting a restriction of processing in two steps (GDPR Art. 18(3)).

A person who obtained a restriction "shall be informed by the controller before the restriction
of processing is lifted". Queuing the notice and lifting in one transaction would tell them after
the fact: the outbox delivers later. So lifting is started on the ticket -- the notice is queued
and the lifting recorded as pending -- and it ends only when

- the outbox has delivered the notice (its message is ``sent``): at the next daily run of
  ``flask requests lift-restrictions``, or at once when staff press "finish lifting"; or
- ``RESTRICTION_LIFT_AFTER_DAYS`` days have passed when the notice cannot go by email: the person
  has no address (the ticket tells staff to send it by post) or the outbox gave up on it (failed).
  A notice still being retried is waited for: the outbox either delivers it or marks it failed.

Both steps are events on the request's timeline, and the lifting row says how the wait ended.
Completing a new restriction while a lifting is pending cancels it: the restriction stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal import audit
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import (
    LiftEnd,
    OutboxStatus,
    RestrictionLift,
    SubjectRequest,
    User,
    utcnow,
)
from portal.subject_requests.errors import RequestError
from portal.subject_requests.timeline import notify, requester_url


def pending_lift(user: User) -> RestrictionLift | None:
    return db.session.scalar(
        select(RestrictionLift)
        .where(RestrictionLift.user_id == user.id, RestrictionLift.ended_at.is_(None))
        .order_by(RestrictionLift.id.desc())
    )


def wait_days() -> int:
    return current_app.config["RESTRICTION_LIFT_AFTER_DAYS"]


def start_lifting(user: User, staff: User, reason: str, request: SubjectRequest) -> RestrictionLift:
    """Step one: queue the notice; the restriction holds until it was delivered."""
    if user.restricted_at is None:
        raise RequestError(_l("Processing of this person's data is not restricted."))
    # One lifting at a time for one person, whichever of their tickets it is started from.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if pending_lift(user) is not None:
        raise RequestError(_l("Lifting the restriction has already started. Nothing was sent."))
    reason = (reason or "").strip()
    if not reason:
        raise RequestError(_l("Say why the restriction is lifted: the person is told."))
    notice = notify(
        request,
        "restriction_lifted",
        to=user,
        subject=_l("The restriction of processing your data ends"),
        reason=reason,
        request_url=requester_url(request),
    )
    lift = RestrictionLift(
        user_id=user.id, request_id=request.id, started_by_id=staff.id, notice=notice
    )
    db.session.add(lift)
    audit.record(
        "restriction.lift_started",
        actor=staff,
        request=request,
        public=True,
        body=reason,
        notice="queued" if notice is not None else "no-address",
        after_days=wait_days(),
    )
    return lift


def how_it_may_end(lift: RestrictionLift, now: datetime | None = None) -> LiftEnd | None:
    """How the wait for the notice may end now, or None while it must go on."""
    notice = lift.notice
    if notice is not None and notice.status is OutboxStatus.SENT:
        return LiftEnd.NOTICE_DELIVERED
    if (now or utcnow()) - lift.started_at < timedelta(days=wait_days()):
        return None
    if notice is None:
        return LiftEnd.NO_ADDRESS
    if notice.status is OutboxStatus.FAILED:
        return LiftEnd.DELIVERY_FAILED
    return None


def ends_on(lift: RestrictionLift) -> datetime:
    """When the days run out for a notice that cannot be delivered."""
    return lift.started_at + timedelta(days=wait_days())


def _end(lift: RestrictionLift, how: LiftEnd, actor: User | None, now: datetime) -> bool:
    # A conditional update: the daily job and a staff member finishing at once end it once.
    ended = db.session.execute(
        update(RestrictionLift)
        .where(RestrictionLift.id == lift.id, RestrictionLift.ended_at.is_(None))
        .values(ended_at=now, ended_how=how, ended_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(lift)
    return ended == 1


def finish_lifting(
    lift: RestrictionLift, actor: User | None = None, now: datetime | None = None
) -> LiftEnd | None:
    """Step two: end the restriction if the notice was delivered or the days have passed.
    Returns how it ended, or None when it must wait (nothing changes then)."""
    now = now or utcnow()
    how = how_it_may_end(lift, now)
    if how is None or not _end(lift, how, actor, now):
        return None
    lift.user.restricted_at = None
    notice = lift.notice
    audit.record(
        "restriction.lifted",
        actor=actor,
        request=lift.request,
        public=True,
        how=how,
        started_at=lift.started_at,
        notice_sent_at=notice.sent_at if notice is not None else None,
    )
    return how


def finish_due_lifts(now: datetime | None = None) -> list[tuple[RestrictionLift, LiftEnd]]:
    """The daily job: every pending lifting whose notice was delivered or whose days passed."""
    finished = []
    for lift in db.session.scalars(
        select(RestrictionLift)
        .where(RestrictionLift.ended_at.is_(None))
        .order_by(RestrictionLift.started_at, RestrictionLift.id)
    ).all():
        how = finish_lifting(lift, None, now)
        if how is not None:
            finished.append((lift, how))
    return finished


def cancel_pending(user: User, staff: User, request: SubjectRequest) -> None:
    """The person is restricted again (a new restriction request completed) while a lifting
    waits: the lifting is cancelled and the restriction stays."""
    lift = pending_lift(user)
    if lift is None or not _end(lift, LiftEnd.CANCELLED, staff, utcnow()):
        return
    # On the ticket where the lifting was started and waits.
    audit.record(
        "restriction.lift_cancelled",
        actor=staff,
        request=lift.request,
        public=True,
        started_at=lift.started_at,
        restricted_again_by=request.reference,
    )
