"""Where access packages are kept and who may see which: the staff and requester views of a
request's copies, release to the requester, downloads and removal.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import abort, current_app, send_file
from sqlalchemy import select

from portal import audit, files
from portal.answering.identity.record import decision_of
from portal.deadlines import local_date, start_of_day
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AccessPackage, RequestKind, SubjectRequest, User, utcnow
from portal.subject_requests.clock import controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.locking import lock_request
from portal.subject_requests.timeline import notify, requester_url

PACKAGE_DIR = "packages"


class AccessPackageError(RequestError):
    """A rule refused the action on a package; the message says why, and nothing changed."""


class PackageExpired(Exception):
    """The released copy was available for a limited time, and that time is over."""

    def __init__(self, package: AccessPackage) -> None:
        super().__init__(f"access package {package.id} expired")
        self.package = package


# Reading ---------------------------------------------------------------------------------------


def path_of(package: AccessPackage) -> Path:
    key = package.storage_key
    return files.upload_dir() / PACKAGE_DIR / key[:2] / key


def packages_of(request: SubjectRequest) -> list[AccessPackage]:
    """Every package made for the request, newest first (replaced ones too: the record stays)."""
    return list(
        db.session.scalars(
            select(AccessPackage)
            .where(AccessPackage.request_id == request.id)
            .order_by(AccessPackage.generated_at.desc(), AccessPackage.id.desc())
        )
    )


def available_until(package: AccessPackage) -> date | None:
    """The last local day on which the requester can download the package."""
    if package.expires_at is None:
        return None
    return local_date(
        package.expires_at - timedelta(microseconds=1), current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )


def is_expired(package: AccessPackage, now: datetime | None = None) -> bool:
    return package.expires_at is not None and (now or utcnow()) >= package.expires_at


@dataclass(frozen=True)
class StaffView:
    """What the ticket page shows: the copy waiting for release, the released one, and who."""

    draft: AccessPackage | None
    released: AccessPackage | None
    history: list[AccessPackage]
    names: dict[int, str]
    released_until: date | None
    released_expired: bool


def staff_view(request: SubjectRequest) -> StaffView:
    history = packages_of(request)
    draft = next((p for p in history if p.released_at is None and p.removed_at is None), None)
    released = next((p for p in history if p.released_at is not None), None)
    user_ids = {p.generated_by_id for p in history} | {p.released_by_id for p in history}
    names = {
        user.id: user.name
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids - {None})))
    }
    return StaffView(
        draft=draft,
        released=released,
        history=history,
        names=names,
        released_until=available_until(released) if released else None,
        released_expired=bool(released and is_expired(released)),
    )


@dataclass(frozen=True)
class RequesterView:
    package: AccessPackage
    available_until: date | None
    expired: bool


def latest_released(request: SubjectRequest) -> AccessPackage | None:
    return db.session.scalar(
        select(AccessPackage)
        .where(AccessPackage.request_id == request.id, AccessPackage.released_at.is_not(None))
        .order_by(AccessPackage.released_at.desc(), AccessPackage.id.desc())
        .limit(1)
    )


def requester_view(request: SubjectRequest) -> RequesterView | None:
    """The copy on the requester's page: only a released one, and whether it is still there."""
    package = latest_released(request)
    if package is None:
        return None
    return RequesterView(package, available_until(package), is_expired(package))


def for_requester(request: SubjectRequest, now: datetime | None = None) -> AccessPackage | None:
    """The copy the requester may download now; raises PackageExpired after its period."""
    package = latest_released(request)
    if package is None:
        return None
    if is_expired(package, now):
        raise PackageExpired(package)
    if package.removed_at is not None or not path_of(package).is_file():
        return None
    return package


def report_of(package: AccessPackage) -> bytes | None:
    """The report as the requester gets it, read out of the stored ZIP (for the preview)."""
    path = path_of(package)
    if package.removed_at is not None or not path.is_file():
        return None
    with zipfile.ZipFile(path) as archive:
        return archive.read("report.html")


# Generating ------------------------------------------------------------------------------------


def check_answerable(request: SubjectRequest) -> None:
    if request.kind is not RequestKind.ACCESS:
        raise AccessPackageError(
            _l("A copy of the data is made only for an access request (GDPR Art. 15).")
        )
    if request.status not in ACTIVE:
        raise AccessPackageError(_l("This request is not open, so this cannot be done any more."))


def release(package: AccessPackage, staff: User) -> None:
    """Make the package downloadable for ACCESS_PACKAGE_DAYS and tell the requester by email."""
    # Two staff members working the ticket at once cannot both release.
    request = lock_request(package.request_id)
    db.session.refresh(package)
    if package.released_at is not None:
        raise AccessPackageError(
            _l("This copy has already been released to the requester. Nothing changed.")
        )
    if package.removed_at is not None:
        raise AccessPackageError(
            _l("This copy was replaced by a newer one, so it cannot be released. Nothing changed.")
        )
    check_answerable(request)
    if decision_of(request) is None:
        # GDPR Art. 12(6), 15(4): the copy goes only to the person it is about.
        raise AccessPackageError(
            _l(
                "First record how the requester's identity was confirmed (the Identity part of "
                "this page). Nothing was released."
            )
        )
    now = utcnow()
    until = controller_today(now) + timedelta(days=current_app.config["ACCESS_PACKAGE_DAYS"])
    # An earlier copy released on this request gives way to the new one.
    replaced = [
        p
        for p in packages_of(request)
        if p.id != package.id and p.released_at is not None and p.removed_at is None
    ]
    for old in replaced:
        old.removed_at = now
        files.delete_after_commit(path_of(old))
    package.released_at = now
    package.released_by_id = staff.id
    # "Until 12.6." means all of that local day.
    package.expires_at = start_of_day(
        until + timedelta(days=1), current_app.config["BABEL_DEFAULT_TIMEZONE"]
    ).astimezone(UTC)
    audit.record(
        "access_package.released",
        actor=staff,
        request=request,
        public=True,
        package=package.id,
        sha256=package.sha256,
        available_until=until,
        replaced=[p.id for p in replaced],
    )
    notify(
        request,
        "access_package_ready",
        to=request.requester,
        subject=_l("A copy of your data is ready: %(reference)s", reference=request.reference),
        available_until=until,
        request_url=requester_url(request),
    )


def record_download(package: AccessPackage, reader: User, *, by_staff: bool) -> None:
    """Each download is on the record; the requester's own also on their timeline."""
    if package.removed_at is not None or not path_of(package).is_file():
        abort(404)
    audit.record(
        "access_package.downloaded",
        actor=reader,
        request=package.request,
        public=not by_staff,
        package=package.id,
        sha256=package.sha256,
        by_staff=by_staff,
    )


def send(package: AccessPackage):
    response = send_file(
        path_of(package),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{package.request.reference or 'data'}.zip",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Removal ---------------------------------------------------------------------------------------


def purge(now: datetime | None = None) -> list[AccessPackage]:
    """Delete the bytes of copies whose period ended, and of unreleased copies of requests that
    are no longer open (GDPR Art. 5(1)(c), (e)); the rows stay on record."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(AccessPackage).where(AccessPackage.removed_at.is_(None))
    ).all()
    purged = []
    for package in candidates:
        if package.released_at is not None:
            if not is_expired(package, now):
                continue
            reason = "expired"
        elif package.request.status not in ACTIVE:
            reason = "request-no-longer-open"
        else:
            continue
        package.removed_at = now
        files.delete_after_commit(path_of(package))
        audit.record(
            "access_package.deleted", request=package.request, package=package.id, reason=reason
        )
        purged.append(package)
    return purged
