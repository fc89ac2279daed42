"""Which staff actions ask for the second factor again (``fresh_second_factor_required``)."""

from __future__ import annotations

from flask import request

from portal.extensions import db
from portal.models import Outcome, RequestKind, SubjectRequest


def completes_an_erasure(request_id: int, action: str) -> bool:
    """Resolving an erasure request with any outcome but a refusal erases the person's account
    (GDPR Art. 17), which cannot be undone."""
    if action != "resolve" or request.form.get("outcome") == Outcome.REFUSED.value:
        return False
    subject_request = db.session.get(SubjectRequest, request_id)
    return subject_request is not None and subject_request.kind is RequestKind.ERASURE
