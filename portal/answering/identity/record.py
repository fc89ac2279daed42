"""The identity check and the identity decision, on the request's audit trail.

Both live as append-only events (``identity.checked``, ``identity.decided``): the latest one is
the current state, and every earlier one stays on the record for an auditor (GDPR Art. 5(2)).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.answering.identity import verdict as verdicts
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEvent, SubjectRequest, User
from portal.register.findings import Identity
from portal.register.lookup import look_up
from portal.subject_requests.errors import RequestError

# How staff confirmed who is asking. "matched": the request was confirmed from the register's own
# contact address; "address_on_file": the owner of that address answered the verification link;
# "other": staff checked another way, and say how (a signature, a visit with an ID card).
DECISIONS = ("matched", "address_on_file", "other")


def identity_of(request: SubjectRequest) -> Identity:
    return Identity(
        email=request.requester.email or "",
        customer_number=request.customer_number,
        username=request.username,
        business_id=request.business_id,
    )


def check(request: SubjectRequest, actor: User | None = None) -> verdicts.Verdict:
    """Look the requester up in every system and record the verdict. A system that is down
    gives an "incomplete" verdict, never an error: the request goes on and staff may retry."""
    notice = current_app.extensions["notice"]
    findings = look_up(
        notice.systems, current_app.config, identity_of(request), via="identity-check", actor=actor
    )
    verdict = verdicts.read(request.requester.email or "", findings)
    audit.record(
        "identity.checked",
        actor=actor,
        request=request,
        outcome=verdict.outcome,
        looked_up_by=list(identity_of(request).given()),
        systems={finding.system_key: finding.summary() for finding in findings},
        matched_systems=list(verdict.matched_systems),
        unsearched=list(verdict.unsearched),
        mismatches=[
            {
                "system": m.system_key,
                "table": m.root_table,
                "key": m.root_key if isinstance(m.root_key, int | str) else str(m.root_key),
                "matched_by": list(m.matched_by),
                "has_address": m.has_address,
            }
            for m in verdict.mismatches
        ],
    )
    if verdict.outcome == verdicts.MATCH and decision_of(request) is None:
        # The request was confirmed from the address the register itself holds for the
        # customer: the controller's own trusted channel (Art. 12(6) asks for nothing more).
        audit.record(
            "identity.decided",
            request=request,
            how="matched",
            systems=list(verdict.matched_systems),
        )
    return verdict


def _latest(request: SubjectRequest, action: str) -> AuditEvent | None:
    if request.id is None:
        return None
    db.session.flush()
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.request_id == request.id, AuditEvent.action == action)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def latest_check(request: SubjectRequest) -> AuditEvent | None:
    return _latest(request, "identity.checked")


def decision_of(request: SubjectRequest) -> AuditEvent | None:
    return _latest(request, "identity.decided")


def decide(request: SubjectRequest, staff: User, how: str, details: str = "") -> None:
    """Record how staff confirmed who is asking."""
    details = (details or "").strip()
    if how not in DECISIONS:
        raise RequestError(_l("Choose how the requester's identity was confirmed."))
    if how == "other" and not details:
        raise RequestError(
            _l(
                "Say how you confirmed the identity, e.g. a signed letter compared with the "
                "contract."
            )
        )
    last = latest_check(request)
    if how == "matched" and (last is None or last.details.get("outcome") != verdicts.MATCH):
        raise RequestError(
            _l("The register does not hold the requester's address for the records found.")
        )
    if how == "address_on_file":
        # Only the owner's own answer to the verification link records this (verification.py).
        raise RequestError(_l("Only the owner of the address on file can confirm this."))
    audit.record("identity.decided", actor=staff, request=request, how=how, body=details or None)


def require_decision(request: SubjectRequest) -> None:
    """Releasing a copy of the data, or erasing or correcting it, waits for a recorded decision
    on who is asking (Art. 12(6), Art. 15(4))."""
    if decision_of(request) is None:
        raise RequestError(
            _l(
                "First record how the requester's identity was confirmed (the Identity part of "
                "this page). Nothing was released or changed."
            )
        )
