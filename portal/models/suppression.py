"""The suppression list: addresses that must get no direct marketing (GDPR Art. 21(3)).

Kept as a keyed hash of the address, not the address: the list must outlive an erasure of the
account, and a hash lets the newsletter tool's addresses be checked against it without the list
itself holding anyone's address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class SuppressionEntry(Base):
    __tablename__ = "suppression_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the lower-cased address with SUPPRESSION_KEY, hex.
    address_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "marketing_objection" or "consent_withdrawal".
    reason: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
