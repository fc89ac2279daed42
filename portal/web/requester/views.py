"""The requester's side: submit, confirm, follow, reply, withdraw."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import files
from portal.extensions import db
from portal.i18n import gettext as _
from portal.intake import submission
from portal.models import Attachment, AuditEvent, RequestKind, RequestStatus, SubjectRequest
from portal.subject_requests import actions
from portal.subject_requests.clock import compute_due_on, controller_today
from portal.subject_requests.errors import RequestError
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.lifecycle import ACTIVE, InvalidTransition, can
from portal.subject_requests.locking import lock_request
from portal.tokens import TokenExpired, TokenInvalid, TokenUsed
from portal.web.accounts.forms import ConfirmForm
from portal.web.requester.forms import MessageForm, SubjectRequestForm, WithdrawForm

bp = Blueprint("requests", __name__, url_prefix="/requests")


def confirmed_required(view):
    """Only an account whose email address is confirmed may submit requests."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_confirmed:
            flash(_("Confirm your email address before you submit requests."), "error")
            return redirect(url_for("requests.index"))
        return view(*args, **kwargs)

    return wrapped


def own_request(request_id: int, *, for_change: bool = False) -> SubjectRequest:
    """The signed-in person's request, or 404: never another person's data. For a change, the
    row is locked until the commit, so that it cannot cross a staff action (a withdrawal and an
    answer at the same moment)."""
    if for_change:
        subject_request = lock_request(request_id)
    else:
        subject_request = db.session.get(SubjectRequest, request_id)
    if subject_request is None or subject_request.requester_id != current_user.id:
        abort(404)
    return subject_request


@bp.route("/")
@login_required
def index():
    requests = db.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.requester_id == current_user.id)
        .order_by(SubjectRequest.received_at.desc())
    ).all()
    return render_template("requests/index.html", requests=requests, today=controller_today())


@bp.route("/new")
@login_required
def choose():
    return render_template("requests/choose.html", kinds=KINDS.values())


@bp.route("/new/<kind>", methods=["GET", "POST"])
@confirmed_required
def new(kind: str):
    try:
        request_kind = RequestKind(kind)
    except ValueError:
        abort(404)
    info = KINDS[request_kind]
    form = SubjectRequestForm(
        kind=request_kind,
        description_label=info.description_label,
        description_required=info.description_required,
    )
    if form.validate_on_submit():
        try:
            subject_request = submission.submit_request(
                current_user,
                request_kind,
                submission_key=form.submission_key.data,
                description=form.description.data,
                particular_situation=form.particular_situation.data,
                customer_number=form.customer_number.data,
                username=form.username.data,
                business_id=form.business_id.data,
                evidence=form.evidence.data,
            )
        except RequestError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("requests/new.html", form=form, info=info)
        db.session.commit()
        return redirect(url_for("requests.show", request_id=subject_request.id, sent=1))
    return render_template("requests/new.html", form=form, info=info)


def _link_problem(problem: str):
    status = {"invalid": 400, "expired": 410, "used": 410}[problem]
    return render_template("requests/link_problem.html", problem=problem), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            subject_request = submission.confirm_request(token)
            db.session.commit()
            flash(
                _(
                    "Thank you. Your request %(reference)s is confirmed and on its way to our "
                    "contact person.",
                    reference=subject_request.reference,
                ),
                "success",
            )
            if current_user.is_authenticated and current_user.id == subject_request.requester_id:
                return redirect(url_for("requests.show", request_id=subject_request.id))
            return redirect(url_for("auth.login"))
        _payload, subject_request = submission.check_request_confirmation(token)
    except TokenExpired:
        return _link_problem("expired")
    except (TokenUsed, InvalidTransition):
        db.session.rollback()
        return _link_problem("used")
    except TokenInvalid:
        return _link_problem("invalid")
    return render_template(
        "requests/confirm.html",
        form=form,
        subject_request=subject_request,
        info=KINDS[subject_request.kind],
    )


def _render_show(subject_request: SubjectRequest, message_form: MessageForm | None = None):
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.request_id == subject_request.id, AuditEvent.public.is_(True))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    today = controller_today()
    return render_template(
        "requests/show.html",
        subject_request=subject_request,
        info=KINDS[subject_request.kind],
        events=events,
        attachments=files.by_event(subject_request, public_only=True),
        message_form=message_form or MessageForm(),
        withdraw_form=ConfirmForm(),
        hide_staff_addresses=True,
        active=subject_request.status in ACTIVE,
        can_withdraw=can(subject_request.status, RequestStatus.WITHDRAWN),
        today=today,
        # While the clock is paused, the date it would run to if it ran again today.
        due_if_resumed=(
            compute_due_on(subject_request, today)
            if subject_request.status is RequestStatus.WAITING
            else None
        ),
        just_sent=request.args.get("sent") == "1",
    )


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int):
    return _render_show(own_request(request_id))


@bp.post("/<int:request_id>/reply")
@login_required
def reply(request_id: int):
    subject_request = own_request(request_id, for_change=True)
    form = MessageForm()
    if not form.validate_on_submit():
        # Shown again with what was written, and the reason next to the field.
        return _render_show(subject_request, form), 400
    try:
        actions.requester_reply(subject_request, current_user, form.body.data, form.files.data)
    except RequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_show(subject_request, form), 409
    db.session.commit()
    flash(_("Your message was sent."), "success")
    return redirect(url_for("requests.show", request_id=subject_request.id))


@bp.route("/<int:request_id>/files/<int:attachment_id>")
@login_required
def download(request_id: int, attachment_id: int):
    """The requester's own files and what staff sent them; internal files are never found."""
    subject_request = own_request(request_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.request_id != subject_request.id or not attachment.public:
        abort(404)
    return files.serve(attachment, current_user._get_current_object())


def _not_withdrawable(subject_request: SubjectRequest):
    """A withdrawal that comes too late: a second click on a stale page, another tab, or a request
    answered meanwhile. Said plainly, and nothing changes."""
    if subject_request.status is RequestStatus.WITHDRAWN:
        flash(_("This request is already withdrawn. Nothing more was changed."), "info")
    else:
        flash(_("This request can no longer be withdrawn."), "error")
    return redirect(url_for("requests.show", request_id=subject_request.id))


@bp.route("/<int:request_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(request_id: int):
    """Two steps that work without JavaScript. The button on the request's page (or this address
    opened directly) shows what withdrawing means; only the confirmation page's own button, which
    sends ``confirm``, withdraws. A withdrawal cannot be undone: the person would have to make a
    new request, whose one-month period (GDPR Art. 12(3)) starts again."""
    form = WithdrawForm()
    if request.method == "POST" and form.validate_on_submit() and form.confirmed:
        subject_request = own_request(request_id, for_change=True)
        # Checked on the locked row: a staff answer or a second click may have come first.
        if not can(subject_request.status, RequestStatus.WITHDRAWN):
            db.session.rollback()
            return _not_withdrawable(subject_request)
        actions.withdraw(subject_request, current_user)
        db.session.commit()
        flash(_("Your request is withdrawn."), "success")
        return redirect(url_for("requests.show", request_id=subject_request.id))
    subject_request = own_request(request_id)
    if not can(subject_request.status, RequestStatus.WITHDRAWN):
        return _not_withdrawable(subject_request)
    return render_template(
        "requests/withdraw.html",
        subject_request=subject_request,
        info=KINDS[subject_request.kind],
        form=form,
    )
