"""Asking the owner of the address on file whether they made the request.

When an identifier the requester gave leads to a customer whose contact address in the register
is another one, the controller asks through the channel it already trusts: that address. Its
owner answers with one click: "yes, I asked" records the identity decision; "this was not me"
refuses the request under GDPR Art. 12(6) and tells both addresses. The address itself is read
from the register when the link is sent and never stored on the request: the audit trail has
the system and the record's key, and the email that went out.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from portal import audit
from portal.accounts.services import check_unused, spend_token
from portal.answering.identity import verdict as verdicts
from portal.answering.identity.record import decision_of, identity_of, latest_check
from portal.answering.letters import letter_language
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Outcome, SubjectRequest, User
from portal.register.connections import connection_for
from portal.subject_requests import actions
from portal.subject_requests.errors import RequestError
from portal.subject_requests.lifecycle import ACTIVE
from portal.subject_requests.timeline import notify
from portal.tokens import Purpose, TokenInvalid, TokenUsed, load_token, make_token
from portal.urls import external_url


def address_on_file(request: SubjectRequest, system_key: str, root_key) -> str | None:
    """The contact address the register holds now for the record the check pointed at."""
    notice = current_app.extensions["notice"]
    system = next((s for s in notice.systems if s.key == system_key), None)
    if system is None:
        return None
    finding = connection_for(system, current_app.config).find(identity_of(request))
    for person in finding.people:
        if str(person.root_key) == str(root_key) and person.contact_address:
            return person.contact_address.strip()
    return None


def send(request: SubjectRequest, staff: User, index: int) -> str:
    """Email a verification link to the address on file of the ``index``-th mismatch of the
    latest check. Returns the address (for staff to see on the page)."""
    if request.status not in ACTIVE:
        raise RequestError(_l("This request is closed."))
    last = latest_check(request)
    mismatches = (last.details.get("mismatches") or []) if last is not None else []
    if (
        last is None
        or last.details.get("outcome") != verdicts.MISMATCH
        or not (0 <= index < len(mismatches))
    ):
        raise RequestError(_l("The latest check found no other customer to ask. Check again."))
    mismatch = mismatches[index]
    address = address_on_file(request, mismatch["system"], mismatch["key"])
    if address is None:
        raise RequestError(
            _l(
                "The register could not be read, or holds no address for that customer now. "
                "Nothing was sent; check again or confirm the identity another way."
            )
        )
    token = make_token(
        Purpose.IDENTITY_CHECK, rid=request.id, system=mismatch["system"], key=str(mismatch["key"])
    )
    notify(
        request,
        "identity_verification",
        to=address,
        subject=_l(
            "Did you make a privacy request to %(controller)s?",
            controller=current_app.extensions["notice"].controller.name,
        ),
        verify_url=external_url("main.identity_verification", token=token),
        max_age_days=current_app.config["IDENTITY_CHECK_MAX_AGE"] // 86400,
    )
    audit.record(
        "identity.verification_sent",
        actor=staff,
        request=request,
        system=mismatch["system"],
        table=mismatch["table"],
        key=mismatch["key"],
    )
    return address


def load(token: str) -> tuple[dict, SubjectRequest]:
    """The link's request, if the link is genuine, unused, and the request still open."""
    payload = load_token(Purpose.IDENTITY_CHECK, token)
    request = db.session.get(SubjectRequest, payload.get("rid"))
    if request is None:
        raise TokenInvalid()
    check_unused(payload)
    if request.status not in ACTIVE:
        raise TokenUsed()
    return payload, request


def answer(token: str, *, it_was_me: bool) -> SubjectRequest:
    """The owner of the address on file answered. Single use, in the transaction it changes."""
    payload, request = load(token)
    spend_token(Purpose.IDENTITY_CHECK, payload)
    where = {"system": payload["system"], "key": payload["key"]}
    if it_was_me:
        audit.record("identity.verified", request=request, answer="it-was-me", **where)
        if decision_of(request) is None or decision_of(request).details.get("how") != "matched":
            audit.record("identity.decided", request=request, how="address_on_file", **where)
        return request
    audit.record("identity.verified", request=request, answer="not-me", **where)
    address = address_on_file(request, payload["system"], payload["key"])
    with force_locale(letter_language(request)):
        reasons = _(
            "The identifier you gave belongs to a customer whose address in our register is "
            "another one. We asked the owner of that address, and they told us they did not make "
            "this request. We cannot confirm that the data you asked about are yours, so we "
            "cannot act on the request (GDPR Art. 12(6)). Nothing was disclosed or changed."
        )
    # Closed by the portal on the owner's answer; no staff member acted.
    actions.resolve(request, None, Outcome.REFUSED, reasons)
    if address:
        notify(
            request,
            "identity_not_me",
            to=address,
            subject=_l("We refused a request made in your name"),
        )
    return request
