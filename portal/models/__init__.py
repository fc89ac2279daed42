"""All models, imported here so that Alembic and the app see the whole schema."""

from portal.models.attachment import Attachment
from portal.models.audit import AuditEvent
from portal.models.base import Base, utcnow
from portal.models.incoming import ArrivalSource, IncomingMessage, IncomingState
from portal.models.letter import LetterOverride
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.report import FiguresMonth
from portal.models.request import (
    AccessPackage,
    Channel,
    ExcessiveDecision,
    ExcessiveGround,
    ExcessiveMeasure,
    Outcome,
    PauseReason,
    RecipientNotice,
    RequestKind,
    RequestPause,
    RequestStatus,
    RequestStatusCount,
    SubjectRequest,
)
from portal.models.restriction import LiftEnd, RestrictionLift
from portal.models.retention_hold import HoldEnd, RetentionHold
from portal.models.saved_view import SavedView
from portal.models.sign_in import RecoveryCode, SignInSession
from portal.models.suppression import SuppressionEntry
from portal.models.system_task import SystemTask, TaskAnswer, TaskAsk
from portal.models.token import UsedToken
from portal.models.user import Role, User

__all__ = [
    "AccessPackage",
    "ArrivalSource",
    "Attachment",
    "AuditEvent",
    "Base",
    "Channel",
    "ExcessiveDecision",
    "ExcessiveGround",
    "ExcessiveMeasure",
    "FiguresMonth",
    "HoldEnd",
    "IncomingMessage",
    "IncomingState",
    "LetterOverride",
    "LiftEnd",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PauseReason",
    "RecipientNotice",
    "RecoveryCode",
    "RequestKind",
    "RequestPause",
    "RequestStatus",
    "RequestStatusCount",
    "RestrictionLift",
    "RetentionHold",
    "Role",
    "SavedView",
    "SignInSession",
    "SubjectRequest",
    "SuppressionEntry",
    "SystemTask",
    "TaskAnswer",
    "TaskAsk",
    "UsedToken",
    "User",
    "utcnow",
]
