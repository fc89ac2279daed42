"""All models, imported here so that Alembic and the app see the whole schema."""

from portal.models.attachment import Attachment
from portal.models.audit import AuditEvent
from portal.models.base import Base, utcnow
from portal.models.letter import LetterOverride
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.request import (
    Outcome,
    RequestKind,
    RequestPause,
    RequestStatus,
    SubjectRequest,
)
from portal.models.token import UsedToken
from portal.models.user import Role, User

__all__ = [
    "Attachment",
    "AuditEvent",
    "Base",
    "LetterOverride",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "RequestKind",
    "RequestPause",
    "RequestStatus",
    "Role",
    "SubjectRequest",
    "UsedToken",
    "User",
    "utcnow",
]
