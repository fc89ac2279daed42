"""The owner's page: what to do for which person, and the answer.

The page needs no account; the link is the key. It shows only what the owner needs to find the
person in their system (GDPR Art. 5(1)(c)): the name, the confirmed email address and the
identifiers the requester gave. No browser or proxy keeps a copy, and the link is not passed on
to other sites.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.models import SystemTask, TaskAnswer, TaskAsk
from portal.register import tasks
from portal.subject_requests.kinds import KINDS
from portal.subject_requests.timeline import notify, staff_url
from portal.web.tasks.forms import AnswerForm

bp = Blueprint("tasks", __name__, url_prefix="/task")

STATUS = {"invalid": 400, "expired": 410, "used": 410, "closed": 410}


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _problem(problem: tasks.LinkProblem):
    db.session.rollback()
    return (
        render_template("tasks/link_problem.html", problem=problem.problem, task=problem.task),
        STATUS[problem.problem],
    )


def _system_name(task: SystemTask, language: str) -> str:
    system = next((s for s in tasks.systems_of() if s.key == task.system_key), None)
    return system.name.in_language(language) if system else task.system_key


def _render(task: SystemTask, form: AnswerForm, status: int = 200):
    from portal.i18n import current_language

    return (
        render_template(
            "tasks/answer.html",
            task=task,
            form=form,
            person=task.request.requester,
            subject_request=task.request,
            info=KINDS[task.request.kind],
            system_name=_system_name(task, current_language()),
            export=task.asked is TaskAsk.EXPORT,
        ),
        status,
    )


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token: str):
    try:
        task = tasks.open_task(token)
    except tasks.LinkProblem as problem:
        return _problem(problem)
    form = AnswerForm()
    form.set_labels(export=task.asked is TaskAsk.EXPORT)
    if not form.validate_on_submit():
        return _render(task, form, 400 if form.is_submitted() else 200)
    try:
        event = tasks.answer_task(
            task,
            TaskAnswer(form.answer.data),
            done_on=form.done_on.data,
            reason=form.reason.data or "",
            uploads=form.files.data,
        )
    except tasks.TaskAnswerError as exc:
        db.session.rollback()
        form.answer.errors = [*form.answer.errors, str(exc)]
        return _render(task, form, 400)
    except tasks.LinkProblem as problem:
        return _problem(problem)
    _tell_the_assignee(task, event)
    db.session.commit()
    return redirect(url_for("tasks.answered"))


@bp.route("/answered")
def answered():
    return render_template("tasks/answered.html")


def _tell_the_assignee(task: SystemTask, event) -> None:
    """The assignee (or, with none, the contact person) learns what was answered, by email."""
    request = task.request
    notice = current_app.extensions["notice"]
    to = request.assignee or notice.contact_person.email
    language = request.assignee.locale if request.assignee else None
    system = _system_name(task, language or current_app.config["BABEL_DEFAULT_LOCALE"])
    names = {"owner": task.owner_name, "system": system}
    names_of_files = [a["filename"] for a in event.details.get("attachments", [])]
    if task.answer is TaskAnswer.DONE and task.asked is TaskAsk.EXPORT:
        update = _l("%(owner)s sent the export from %(system)s.", **names)
    elif task.answer is TaskAnswer.DONE:
        update = _l(
            "%(owner)s confirmed the change in %(system)s, made on %(date)s.",
            date=task.done_on.strftime("%d.%m.%Y"),
            **names,
        )
    elif task.answer is TaskAnswer.NO_DATA:
        update = _l("%(owner)s answered that %(system)s holds no data about the person.", **names)
    else:
        update = _l("%(owner)s answered that it cannot be done in %(system)s.", **names)
    notify(
        request,
        "staff_request_update",
        to=to,
        subject=_l("Task answered: %(reference)s", reference=request.reference),
        ticket_url=staff_url(request),
        update=update,
        # The reason as the owner wrote it; without one, the names of the files they sent.
        body=task.reason or "\n".join(names_of_files),
        attachments=names_of_files if task.reason else [],
    )
