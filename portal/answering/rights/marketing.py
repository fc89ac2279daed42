"""Objection to direct marketing and withdrawal of consent take effect the moment the request is
confirmed (GDPR Art. 21(3), 7(3)): the newsletter flag goes off and the address joins the
suppression list, kept as a keyed hash so that it outlives an erasure of the account.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import RequestKind, SubjectRequest, SuppressionEntry, User

MARKETING_KINDS = frozenset({RequestKind.MARKETING_OBJECTION, RequestKind.CONSENT_WITHDRAWAL})


# The suppression list ---------------------------------------------------------------------------


def _suppression_key() -> bytes:
    # A key of its own keeps the hashes valid when SECRET_KEY is rotated; without one, a key is
    # derived from SECRET_KEY (README: set SUPPRESSION_KEY in production).
    key = current_app.config.get("SUPPRESSION_KEY")
    if key:
        return key.encode()
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"suppression-list", hashlib.sha256
    ).digest()


def address_hash(address: str) -> str:
    return hmac.new(
        _suppression_key(), address.strip().lower().encode(), hashlib.sha256
    ).hexdigest()


def is_suppressed(address: str | None) -> bool:
    if not address:
        return False
    return (
        db.session.scalar(
            select(SuppressionEntry.id).where(
                SuppressionEntry.address_hash == address_hash(address)
            )
        )
        is not None
    )


def suppress(address: str, reason: str, request: SubjectRequest | None = None) -> bool:
    """Put an address on the list; False when it was there already."""
    if is_suppressed(address):
        return False
    db.session.add(
        SuppressionEntry(
            address_hash=address_hash(address),
            reason=reason,
            request_id=request.id if request else None,
        )
    )
    return True


def matching(addresses: list[str]) -> list[str]:
    """Those of a mailing list's addresses that must get no marketing."""
    hashes = set(db.session.scalars(select(SuppressionEntry.address_hash)))
    return [a for a in addresses if a.strip() and address_hash(a) in hashes]


def receives_marketing(user: User) -> bool:
    """Whether the newsletter may go to this person now."""
    return (
        user.newsletter
        and user.restricted_at is None
        and user.anonymised_at is None
        and not is_suppressed(user.email)
    )


def apply_on_confirmation(request: SubjectRequest) -> None:
    """Objection to direct marketing / withdrawal of consent: stop at once (Art. 21(3), 7(3))."""
    if request.kind not in MARKETING_KINDS:
        return
    user = request.requester
    before = user.newsletter
    user.newsletter = False
    added = bool(user.email) and suppress(user.email, request.kind.value, request)
    audit.record(
        "marketing.stopped",
        request=request,
        public=True,
        newsletter=[before, False],
        suppression_list_added=added,
    )
