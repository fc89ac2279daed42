"""What completing a request does to the person's data, beyond answering the ticket.

- Completing an erasure erases the account, leaving a stub for the records the notice says must
  be kept (Art. 17(3)(b)); the letter lists what was erased and what is kept, why and until when.
- Completing a restriction marks the person's data restricted (Art. 18): staff see a banner and
  no marketing goes out. Lifting it tells the person first and ends it only once they were
  told (Art. 18(3); ``restriction``); a new restriction cancels a lifting still waiting.
- Completing a rectification, erasure or restriction records, for every recipient in the notice,
  when it was told or why that was impossible or disproportionate (Art. 19).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from portal import audit
from portal.answering.identity.record import require_decision
from portal.answering.letters import letter_language
from portal.answering.letters.filled import fill_recipients, kept_records, names_recipients
from portal.answering.retention import RetentionError, kept_until, retention_period
from portal.answering.rights.marketing import MARKETING_KINDS
from portal.answering.rights.restriction import cancel_pending
from portal.extensions import db
from portal.i18n import current_language
from portal.i18n import lazy_gettext as _l
from portal.models import Outcome, RecipientNotice, RequestKind, SubjectRequest, User, utcnow
from portal.models.user import new_session_nonce
from portal.register.erasure import ticket as erasure_in_systems
from portal.subject_requests import actions
from portal.subject_requests.clock import controller_today
from portal.subject_requests.errors import RequestError

# The rights carried out in the controller's systems, each system done, holding nothing about the
# person, or waived with a reason before the request is completed (issue 11, item 5).
SYSTEM_KINDS = frozenset(
    {
        RequestKind.ERASURE,
        RequestKind.RECTIFICATION,
        RequestKind.RESTRICTION,
        RequestKind.MARKETING_OBJECTION,
    }
)
# GDPR Art. 19: the rights whose completion is passed on to the recipients.
ART_19_KINDS = frozenset({RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION})


# Completing a request ---------------------------------------------------------------------------


@dataclass
class Completion:
    """What the staff member said beside the outcome."""

    recipients: dict[str, tuple[date | None, str]] = field(default_factory=dict)
    tell_recipients: bool = False
    external_systems_updated: bool = False


def needs_recipients(request: SubjectRequest, outcome: Outcome) -> bool:
    return request.kind in ART_19_KINDS and outcome is not Outcome.REFUSED


def _check(request: SubjectRequest, outcome: Outcome, reasons: str, completion: Completion) -> None:
    if names_recipients(reasons) and not needs_recipients(request, outcome):
        # The list is filled from the Art. 19 record, which only this kind of answer makes.
        raise RequestError(
            _l(
                "The letter has {recipients}, the list of what was recorded for each recipient "
                "(GDPR Art. 19), but this answer records nothing for recipients: remove it."
            )
        )
    if outcome is Outcome.REFUSED:
        return
    if request.kind in (RequestKind.ERASURE, RequestKind.RECTIFICATION):
        # GDPR Art. 12(6): another person's data are neither erased nor changed on a stranger's
        # word.
        require_decision(request)
    if request.kind in SYSTEM_KINDS:
        # Issue 11, item 5: the right is carried out in every system the notice lists, or the
        # record says why a system needed nothing (GDPR Art. 5(2)).
        waiting = erasure_in_systems.unsettled(request)
        if waiting:
            raise RequestError(
                _l(
                    "Not every system is done: %(systems)s. Each must be done, hold no data about "
                    "the person, or have a written reason why nothing is needed (see the "
                    "systems on this page). Nothing was changed.",
                    systems=", ".join(
                        str(s.system.name.in_language(current_language())) for s in waiting
                    ),
                )
            )
    if request.kind is RequestKind.ERASURE and request.requester.is_staff:
        raise RequestError(
            _l(
                "This is a staff account: remove the person's staff role before erasing it. "
                "Nothing was changed."
            )
        )
    if request.kind in MARKETING_KINDS and not completion.external_systems_updated:
        raise RequestError(
            _l(
                "Confirm that the newsletter tool and other external systems were updated. "
                "The portal stopped its own marketing when the request was confirmed."
            )
        )
    if needs_recipients(request, outcome):
        today = controller_today()
        missing = []
        for recipient in current_app.extensions["notice"].recipients:
            notified_on, reason = completion.recipients.get(recipient.key, (None, ""))
            if notified_on is not None and notified_on > today:
                raise RequestError(_l("A date of notifying a recipient cannot be in the future."))
            if (notified_on is None) == (not reason.strip()):
                missing.append(str(recipient.name.in_language(current_language())))
        if missing:
            raise RequestError(
                _l(
                    "For each recipient, give either the date it was told or why telling it "
                    "was impossible or disproportionate (GDPR Art. 19): %(names)s.",
                    names=", ".join(missing),
                )
            )


def _record_recipients(request: SubjectRequest, staff: User, completion: Completion) -> list:
    told = []
    for recipient in current_app.extensions["notice"].recipients:
        notified_on, reason = completion.recipients[recipient.key]
        db.session.add(
            RecipientNotice(
                request_id=request.id,
                recipient_key=recipient.key,
                notified_on=notified_on,
                not_notified_reason=None if notified_on else reason.strip(),
                recorded_by_id=staff.id,
            )
        )
        audit.record(
            "recipient.notified" if notified_on else "recipient.not_notified",
            actor=staff,
            request=request,
            body=None if notified_on else reason.strip(),
            recipient=recipient.key,
            notified_on=notified_on,
        )
        told.append((recipient, notified_on, None if notified_on else reason.strip()))
    return told


def erasure_summary(request: SubjectRequest, letter: str = "") -> dict:
    """What the erasure removes from the portal and what the notice says is kept, each category
    with its own period and ground (Art. 17(3)); the email lists them unless the letter does."""
    notice = current_app.extensions["notice"]
    kept = [c for c in notice.data_categories if c.retention.kept_after_erasure]
    return {
        "kept": kept,
        "listed_in_letter": bool(kept)
        and kept_records(letter_language(request), request) in letter,
        "requests_kept_until": _requests_kept_until(),
        # What the erasure in the connected systems kept, and until when (issue 11, item 5).
        "systems": erasure_in_systems.letter_facts(request),
    }


def _requests_kept_until() -> date | None:
    """The last day this request's records are kept: the day the retention job uses, so that
    the letter and the purge say the same (Art. 5(1)(e))."""
    try:
        return kept_until(controller_today(), **retention_period())
    except RetentionError:
        return None


def _erase_account(request: SubjectRequest, staff: User) -> None:
    """The account becomes a stub: the request records the notice keeps stay linked to it."""
    # An objection to marketing made earlier stays on the suppression list as a hash
    # (Art. 21(3)); it is not touched here.
    user = request.requester
    erased = {
        "name": bool(user.name),
        "email": bool(user.email),
        "password": bool(user.password_hash),
        "pending_email": bool(user.pending_email),
        "newsletter": user.newsletter,
    }
    user.name = "–"
    user.email = None
    user.pending_email = None
    user.password_hash = None
    user.newsletter = False
    user.notice_version = None
    user.notice_acknowledged_at = None
    user.session_nonce = new_session_nonce()  # signs the person out everywhere
    user.anonymised_at = utcnow()
    audit.record("account.erased", actor=staff, request=request, public=True, erased=erased)


def _restrict(request: SubjectRequest, staff: User) -> None:
    user = request.requester
    cancel_pending(user, staff, request)
    if user.restricted_at is None:
        user.restricted_at = utcnow()
        audit.record("processing.restricted", actor=staff, request=request, public=True)


def resolve(
    request: SubjectRequest,
    staff: User,
    outcome: Outcome,
    reasons: str,
    uploads=None,
    completion: Completion | None = None,
) -> None:
    """Close the request with its outcome and do what the outcome means for the person's data.

    Everything is checked before anything changes, and all of it is one transaction."""
    completion = completion or Completion()
    reasons = reasons or ""
    _check(request, outcome, reasons, completion)
    told = (
        _record_recipients(request, staff, completion) if needs_recipients(request, outcome) else []
    )
    # GDPR Art. 19: the letter says what was just recorded for each recipient, nothing else.
    letter = fill_recipients(reasons, told, letter_language(request))
    erasing = request.kind is RequestKind.ERASURE and outcome is not Outcome.REFUSED
    actions.resolve(
        request,
        staff,
        outcome,
        letter,
        uploads,
        # The letter goes to the address the person has now, before an erasure removes it.
        # Art. 19, second sentence: the person who asked is told the recipients; the email lists
        # them unless the letter already does.
        recipients_told=told if completion.tell_recipients and letter == reasons else [],
        erasure=erasure_summary(request, letter) if erasing else None,
    )
    if erasing:
        _erase_account(request, staff)
    if request.kind is RequestKind.RESTRICTION and outcome is not Outcome.REFUSED:
        _restrict(request, staff)
