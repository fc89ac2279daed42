"""The answer to an access request (GDPR Art. 15): one ZIP that staff generate, preview and
release, and that the requester downloads from their request's page while signed in.

The ZIP holds

- ``data.json``: what the portal itself holds about the person (account and profile, marketing
  status and restriction, every request they made with the public part of its timeline, the emails
  sent to them, their account's history) and the Art. 15(1)(a)-(h) information taken from the
  notice, in a commonly used electronic form (Art. 15(3)); ``schema.json`` describes it
  (``schema.json`` in this package, a JSON Schema);
- ``report.html``: the same, readable, in the requester's language, with no external resources;
- ``files/``: the files staff attached to the request for the requester, such as exports from the
  billing program or the hosting panel.

Never in it: internal notes and internal files, password hashes, session nonces, and the
single-use tokens in the links of earlier emails (each such link is replaced by a placeholder).

Before release, staff see every other person the copy names and decide about each; what they
remove is replaced by a placeholder, with the reason on the audit trail (GDPR Art. 15(4);
``others``, ``decisions``, ``review``).

The bytes live under ``UPLOAD_DIR/packages/`` under a random key, written like attachments
(``portal.files``): fsynced, and deleted again when the transaction rolls back. Bytes of a package
that is replaced or expires are deleted only once the commit that marks it removed has happened.
"""

from __future__ import annotations

from flask import Flask

from portal.answering.access_package.build import build
from portal.answering.access_package.contents import information, without_link_tokens
from portal.answering.access_package.review import Review, release, review_of
from portal.answering.access_package.review import record as record_review
from portal.answering.access_package.store import (
    AccessPackageError,
    PackageExpired,
    available_until,
    for_requester,
    is_expired,
    packages_of,
    path_of,
    purge,
    record_download,
    report_of,
    requester_view,
    send,
    staff_view,
)

__all__ = [
    "AccessPackageError",
    "PackageExpired",
    "Review",
    "available_until",
    "build",
    "for_requester",
    "information",
    "is_expired",
    "packages_of",
    "path_of",
    "purge",
    "record_download",
    "record_review",
    "release",
    "report_of",
    "requester_view",
    "review_of",
    "send",
    "staff_view",
    "without_link_tokens",
]


def init_app(app: Flask) -> None:
    """Template helpers for the ticket page and the requester's page."""
    app.add_template_global(staff_view, "access_packages")
    app.add_template_global(requester_view, "access_copy")
    app.add_template_global(review_of, "others_review")
