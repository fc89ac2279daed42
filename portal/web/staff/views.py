"""The contact person's side: the queue sorted by due date, and the ticket page."""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from portal import files
from portal.answering import letters, rights
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import (
    Attachment,
    AuditEvent,
    Outcome,
    Role,
    SubjectRequest,
    User,
)
from portal.subject_requests import actions, identifiers
from portal.subject_requests.clock import controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.lifecycle import ACTIVE, InvalidTransition
from portal.subject_requests.locking import lock_request, state_of
from portal.web.accounts.guard import fresh_second_factor_required
from portal.web.staff import ticket_rules
from portal.web.staff.forms import (
    AskForm,
    AssignForm,
    ExcessiveForm,
    ExtendForm,
    FeePaidForm,
    FinishLiftForm,
    LiftRestrictionForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
)
from portal.web.staff.neighbours import neighbours
from portal.web.staff.seen import out_of_date
from portal.web.staff.sensitive import completes_an_erasure

bp = Blueprint("staff", __name__, url_prefix="/staff")


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _staff_members() -> list[User]:
    return db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name)
    ).all()


def _assignee_choices() -> list[tuple[int, str]]:
    return [(user.id, f"{user.name} <{user.email}>") for user in _staff_members()]


def _ticket_or_404(request_id: int) -> SubjectRequest:
    subject_request = db.session.get(SubjectRequest, request_id)
    if subject_request is None:
        abort(404)
    return subject_request


@bp.route("/requests/<int:request_id>")
@staff_required
def ticket(request_id: int):
    subject_request = _ticket_or_404(request_id)
    return _render_ticket(subject_request)


def _render_ticket(subject_request: SubjectRequest, **forms):
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == subject_request.id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    # The history stores assignees by address (GDPR Art. 5(2): as it was); the page names them.
    # One query finds both the actors and the assignees named (issue 14: a flat statement count).
    addresses = {
        address
        for e in events
        if e.action == "request.assigned"
        for address in (e.details or {}).get("assignee") or ()
        if address
    }
    actor_ids = {e.actor_id for e in events if e.actor_id}
    people = (
        db.session.scalars(
            select(User).where(or_(User.id.in_(actor_ids), User.email.in_(addresses)))
        ).all()
        if actor_ids or addresses
        else []
    )
    actors = {user.id: user for user in people if user.id in actor_ids}
    assignee_names = {user.email: user.name for user in people if user.email in addresses}
    earlier = db.session.scalars(
        select(SubjectRequest)
        .where(
            SubjectRequest.requester_id == subject_request.requester_id,
            SubjectRequest.id != subject_request.id,
        )
        .order_by(SubjectRequest.received_at.desc())
    ).all()
    failed = next(iter(forms), None)
    forms = {**_letter_forms(subject_request), **forms}
    status = subject_request.status
    composer = ticket_rules.composer_actions(subject_request)
    compose = ticket_rules.chosen_action(composer, failed)
    assign_form = None
    if compose == "assign":
        assign_form = forms.get("assign") or AssignForm(assignee=subject_request.assignee_id)
        assign_form.assignee.choices = _assignee_choices()
    marketing = subject_request.kind in rights.MARKETING_KINDS
    return render_template(
        "staff/ticket.html",
        subject_request=subject_request,
        info=KINDS[subject_request.kind],
        events=events,
        attachments=files.by_event(subject_request, public_only=False),
        actors=actors,
        assignee_names=assignee_names,
        neighbours=neighbours(subject_request),
        earlier=earlier,
        today=controller_today(),
        active=status in ACTIVE,
        # Only the composer's open form is built (each costs a CSRF token and its fields).
        reply_form=_form(forms, "reply", ReplyForm, compose),
        note_form=_form(forms, "note", NoteForm, compose),
        ask_form=_form(forms, "ask", AskForm, compose),
        extend_form=_form(forms, "extend", ExtendForm, compose),
        assign_form=assign_form,
        resolve_form=_form(forms, "resolve", ResolveForm, compose),
        lift_form=(forms.get("lift-restriction") or LiftRestrictionForm())
        if subject_request.requester.restricted_at
        else None,
        art19=subject_request.kind in rights.ART_19_KINDS,
        marketing=marketing,
        suppressed=marketing and rights.is_suppressed(subject_request.requester.email),
        letter_choices={
            action: letters.for_action(action, subject_request)
            for action in ("reply", "ask", "extend", "resolve")
        },
        letter_language=letters.letter_language(subject_request),
        state=state_of(subject_request),
        shared_identifiers=identifiers.shared_elsewhere(subject_request),
        identifier_names={
            "customer_number": _("Customer number"),
            "username": _("Username"),
            "business_id": _("Business ID"),
        },
        composer=composer,
        compose=compose,
        **ticket_rules.context(subject_request, forms, compose),
    )


def _form(forms: dict, key: str, form_class, compose: str):
    if key != compose:
        return None
    return forms.get(key) or form_class()


def _letter_forms(subject_request: SubjectRequest) -> dict:
    """A letter chosen on the ticket page (``?letter=key``) fills in its form, for editing."""
    key = request.args.get("letter", "")
    letter = letters.BY_KEY.get(key)
    if letter is None or letter not in letters.for_action(letter.action, subject_request):
        return {}
    text = letters.render(key, subject_request)
    if letter.action == "reply":
        return {"reply": ReplyForm(body=text)}
    if letter.action == "ask":
        return {"ask": AskForm(body=text, purpose=ticket_rules.LETTER_PURPOSES.get(key))}
    if letter.action == "extend":
        return {"extend": ExtendForm(reason=text)}
    return {"resolve": ResolveForm(outcome=letter.outcome, reasons=text)}


@bp.route("/requests/<int:request_id>/files/<int:attachment_id>")
@staff_required
def download(request_id: int, attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.request_id != request_id:
        abort(404)
    return files.serve(attachment, current_user._get_current_object())


# Each action: its form, and the service call it makes. CSRFProtect checks every POST first.
ACTIONS = {
    "reply": (
        ReplyForm,
        lambda r, f: actions.reply(r, current_user, f.body.data, f.files.data),
    ),
    "note": (
        NoteForm,
        lambda r, f: actions.add_note(r, current_user, f.body.data, f.files.data),
    ),
    "ask": (
        AskForm,
        lambda r, f: actions.ask_for_information(r, current_user, f.body.data, f.purpose.data),
    ),
    "extend": (
        ExtendForm,
        lambda r, f: actions.extend(r, current_user, int(f.months.data), f.reason.data),
    ),
    "resolve": (
        ResolveForm,
        lambda r, f: rights.resolve(
            r,
            current_user,
            Outcome(f.outcome.data),
            f.reasons.data,
            f.files.data,
            _completion(f),
        ),
    ),
    # GDPR Art. 12(5): a fee or a refusal, and the fee's payment.
    "excessive": (ExcessiveForm, ticket_rules.decide_excessive),
    "fee-paid": (FeePaidForm, ticket_rules.record_payment),
    "lift-restriction": (
        LiftRestrictionForm,
        lambda r, f: rights.start_lifting(r.requester, current_user, f.reason.data, r),
    ),
    "finish-lift": (FinishLiftForm, ticket_rules.finish_lift),
}

DONE_MESSAGES = {
    "reply": lambda: _("Your reply was sent to the requester."),
    "note": lambda: _("The note was saved."),
    "ask": lambda: _("The request was sent and the clock is paused."),
    "extend": lambda: _("The deadline was extended and the requester told why."),
    "resolve": lambda: _("The request is closed and the requester has been sent the answer."),
    "lift-restriction": lambda: _(
        "The notice to the person is queued; the restriction ends once it has been delivered."
    ),
    "finish-lift": lambda: _("The restriction is lifted."),
}


@bp.post("/requests/<int:request_id>/<action>")
@staff_required
@fresh_second_factor_required(when=completes_an_erasure)
def act(request_id: int, action: str):
    if action not in ACTIONS and action not in ("resume", "assign"):
        abort(404)
    # Locked until the commit: a second action on this ticket waits and then sees this one.
    subject_request = lock_request(request_id)
    if subject_request is None:
        abort(404)
    seen = request.form.get("state")
    if seen and seen != state_of(subject_request):
        out_of_date()
        return _render_ticket(subject_request), 409
    if action == "resume":
        return _resume(subject_request)
    if action == "assign":
        return _assign(subject_request)
    form_class, perform = ACTIONS[action]
    form = form_class()
    if not form.validate_on_submit():
        return _render_ticket(subject_request, **{action: form}), 400
    try:
        perform(subject_request, form)
    except (RequestError, InvalidTransition) as exc:
        db.session.rollback()
        flash(_explain(exc), "error")
        return _render_ticket(subject_request, **{action: form}), 409
    db.session.commit()
    done = ticket_rules.RESULT_MESSAGES.get(action)
    flash(done(subject_request) if done else DONE_MESSAGES[action](), "success")
    return redirect(url_for("staff.ticket", request_id=subject_request.id))


def _completion(form: ResolveForm) -> rights.Completion:
    """The resolve form's extras: Art. 19 recipients (one date or reason each), and the
    confirmation that external systems follow a marketing objection."""
    told = {}
    for recipient in current_app.extensions["notice"].recipients:
        raw = request.form.get(f"recipient-{recipient.key}-date", "").strip()
        try:
            notified_on = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise RequestError(
                _("Write the date a recipient was told as a date, e.g. 2026-11-25.")
            ) from None
        told[recipient.key] = (
            notified_on,
            request.form.get(f"recipient-{recipient.key}-reason", ""),
        )
    return rights.Completion(
        recipients=told,
        tell_recipients=form.tell_recipients.data,
        external_systems_updated=form.external_done.data,
    )


def _explain(exc: Exception) -> str:
    if isinstance(exc, InvalidTransition):
        return _("This cannot be done while the request is in its current state. Nothing changed.")
    return str(exc)


def _resume(subject_request: SubjectRequest):
    try:
        actions.resume(subject_request, current_user)
    except (RequestError, InvalidTransition) as exc:
        db.session.rollback()
        flash(_explain(exc), "error")
    else:
        db.session.commit()
        flash(_("The clock runs again."), "success")
    return redirect(url_for("staff.ticket", request_id=subject_request.id))


def _assign(subject_request: SubjectRequest):
    form = AssignForm()
    form.assignee.choices = _assignee_choices()
    if not form.validate_on_submit():
        return _render_ticket(subject_request, assign=form), 400
    assignee = db.session.get(User, form.assignee.data)
    try:
        actions.assign(subject_request, current_user, assignee)
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The request was assigned."), "success")
    return redirect(url_for("staff.ticket", request_id=subject_request.id))
