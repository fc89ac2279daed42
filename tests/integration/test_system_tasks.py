"""Tasks for the owners of the systems the portal cannot reach itself (issue 11, item 2): staff
send a task from the ticket's Systems panel, the owner answers through the single-use link in
the email, the answer and its files land on the ticket, and the daily job reminds owners who
have not answered. Read through the pages and the delivered emails.

The notice's task systems: "monitoring" (an outside contact: Finnish) and "newsletter" (the
contact person, a staff member: their own language).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.models import (
    Attachment,
    AuditEvent,
    RequestKind,
    RequestStatus,
    Role,
    SubjectRequest,
    SystemTask,
    User,
    utcnow,
)
from tests.conftest import csrf_token, link_in, path_of, sign_in, text_of
from tests.integration.conftest import STAFF_PASSWORD

MONITORING = "privacy@monitoring-provider.example.com"
EXPORT = b"palvelin;kayttaja\nweb01;aino\n"


@pytest.fixture
def staff(app, make_user):
    """The contact person, reading the portal in English; also the newsletter tool's owner."""
    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    client = app.test_client()
    assert sign_in(client, "ville@wprod.fi", STAFF_PASSWORD).status_code == 302
    return client


@pytest.fixture
def requester(make_user):
    return make_user(email="aino.virtanen@example.com", name="Aino Virtanen", locale="en")


def owner_client(app):
    """The owner's browser: no account, no session; reads English pages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def send(staff, request_id, system, message="", *, page=None):
    html = staff.get(page or f"/staff/requests/{request_id}").get_data(as_text=True)
    return staff.post(
        f"/staff/requests/{request_id}/systems/{system}/task",
        data={
            "csrf_token": csrf_token(html),
            "state": re.search(r'name="state" value="([^"]+)"', html).group(1),
            "tasks_state": re.search(r'name="tasks_state" value="([^"]+)"', html).group(1),
            "message": message,
        },
    )


def deliver_to(deliver, mailbox, address, subject=""):
    """The emails delivered to ``address`` (whose subject holds ``subject``)."""
    deliver()
    return [m for m in mailbox.to(address) if subject in m["Subject"]]


def task_link(deliver, mailbox, address) -> str:
    messages = [m for m in deliver_to(deliver, mailbox, address) if "/task/" in text_of(m)]
    return path_of(link_in(messages[-1], "/task/"))


def answer(client, link, data, *, page=None):
    html = client.get(page or link).get_data(as_text=True)
    return client.post(link, data={"csrf_token": csrf_token(html), **data})


def tasks(db) -> list[SystemTask]:
    db.session.expire_all()
    return db.session.scalars(select(SystemTask).order_by(SystemTask.id)).all()


def events(db, action) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def stored(app_settings) -> list[Path]:
    root = Path(app_settings["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# Sending ---------------------------------------------------------------------------------------


def test_the_panel_lists_every_system_and_a_task_reaches_the_outside_owner_in_finnish(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    panel = page[page.index('id="systems"') :]
    for name in ("Newsletter tool", "Server monitoring provider"):
        assert name in panel
    assert panel.count("Task not sent.") == 2

    response = send(staff, request_id, "monitoring", "Asiakas on myös tunnuksella aino01.")
    assert response.status_code == 302
    messages = deliver_to(deliver, mailbox, MONITORING)
    assert len(messages) == 1
    body = text_of(messages[0])
    # An outside contact reads Finnish; the email names the request but not the person.
    assert "Palvelinten valvonnan palveluntarjoaja" in messages[0]["Subject"]
    assert "Aino" not in body and "aino.virtanen" not in body
    assert "Asiakas on myös tunnuksella aino01." in body
    assert "/task/" in body

    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Task sent on" in page
    assert "A task for Server monitoring provider was sent to " + MONITORING in page
    [task] = tasks(db)
    assert (task.owner_email, task.owner_locale, task.asked.value) == (MONITORING, "fi", "confirm")
    assert task.message == "Asiakas on myös tunnuksella aino01."


def test_a_staff_owner_gets_the_task_in_their_own_language(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    assert send(staff, request_id, "newsletter").status_code == 302
    [message] = deliver_to(deliver, mailbox, "ville@wprod.fi", "A task for")
    assert "A task for Newsletter tool" in message["Subject"]
    assert "Export the data your system holds about this person" in text_of(message)

    # The same owner, now reading Swedish, gets the next task in Swedish.
    db.session.execute(update(User).where(User.email == "ville@wprod.fi").values(locale="sv"))
    db.session.commit()
    erasure_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, erasure_id, "newsletter").status_code == 302
    [message] = deliver_to(deliver, mailbox, "ville@wprod.fi", "En uppgift")
    assert "En uppgift (Nyhetsbrevsverktyget)" in message["Subject"]
    assert "Radera personens uppgifter ur ditt system" in text_of(message)


# The owner's answer ----------------------------------------------------------------------------


def test_the_owner_sees_only_what_finds_the_person_and_the_export_lands_on_the_ticket(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    with app.app_context():
        from portal.extensions import db as app_db

        subject_request = app_db.session.get(SubjectRequest, request_id)
        subject_request.customer_number = "10001"
        subject_request.description = "Haluan nähdä myös laskuni."
        app_db.session.commit()
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)

    owner = owner_client(app)  # no account, no session
    page = owner.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for shown in ("Aino Virtanen", "aino.virtanen@example.com", "10001"):
        assert shown in html
    # What the person wrote is not the owner's business.
    assert "Haluan nähdä myös laskuni." not in html

    mailbox.messages.clear()
    response = answer(
        owner, link, {"answer": "done", "files": [(io.BytesIO(EXPORT), "valvonta.csv")]}
    )
    assert response.status_code == 302
    assert owner.get(response.headers["Location"]).status_code == 200

    [task] = tasks(db)
    assert task.answer.value == "done" and task.answered_at is not None
    [event] = events(db, "system_task.answered")
    [attachment] = db.session.scalars(
        select(Attachment).where(Attachment.event_id == event.id)
    ).all()
    assert (attachment.filename, attachment.public, attachment.request_id) == (
        "valvonta.csv",
        False,
        request_id,
    )
    # The assignee is told what was answered.
    [told] = deliver_to(deliver, mailbox, "ville@wprod.fi", "Task answered")
    assert "sent the export from Server monitoring provider" in text_of(told)
    assert "valvonta.csv" in text_of(told)
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "export sent" in page and "valvonta.csv" in page


def test_a_confirmation_with_its_date_lands_on_the_timeline(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "newsletter").status_code == 302
    link = task_link(deliver, mailbox, "ville@wprod.fi")
    owner = owner_client(app)
    # Done needs its date.
    response = answer(owner, link, {"answer": "done"})
    assert response.status_code == 400
    assert "Give the date on which you made the change." in response.get_data(as_text=True)
    assert tasks(db)[0].answered_at is None

    day = (utcnow() - timedelta(days=1)).date()
    mailbox.messages.clear()
    assert answer(owner, link, {"answer": "done", "done_on": day.isoformat()}).status_code == 302
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Answered on" in page
    assert "answered the task for Newsletter tool: done on" in page
    [told] = deliver_to(deliver, mailbox, "ville@wprod.fi", "Task answered")
    assert "confirmed the change in Newsletter tool, made on " + day.strftime("%d.%m.%Y") in (
        text_of(told)
    )


def test_cannot_needs_its_reason_and_shows_it_on_the_panel(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.RESTRICTION)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    owner = owner_client(app)
    assert answer(owner, link, {"answer": "cannot"}).status_code == 400
    reason = "Lokit poistuvat automaattisesti 30 päivässä; rajoitus ei ole mahdollinen."
    assert answer(owner, link, {"answer": "cannot", "reason": reason}).status_code == 302
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "cannot be done" in page and reason in page


# A link that opens nothing ---------------------------------------------------------------------


def test_a_used_link_shows_a_clear_page_and_changes_nothing(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    owner = owner_client(app)
    page = owner.get(link).get_data(as_text=True)
    assert answer(owner, link, {"answer": "no_data"}, page=link).status_code == 302

    again = owner.get(link)
    assert again.status_code == 410
    assert "already been answered" in again.get_data(as_text=True)
    assert "Aino" not in again.get_data(as_text=True)
    # The same form sent again (a double submit, or the back button) changes nothing.
    response = owner.post(
        link,
        data={"csrf_token": csrf_token(page), "answer": "cannot", "reason": "Toinen vastaus."},
    )
    assert response.status_code == 410
    [task] = tasks(db)
    assert task.answer.value == "no_data" and task.reason is None
    assert len(events(db, "system_task.answered")) == 1


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(
    app, staff, requester, make_request, mailbox, deliver, db, make_app
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    # The same link, read by a portal whose links live no time at all.
    later = owner_client(make_app(SYSTEM_TASK_MAX_AGE=-1))
    response = later.get(link)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "The link has expired" in html and "Aino" not in html
    response = later.post(link, data={"csrf_token": csrf_token(html), "answer": "no_data"})
    assert response.status_code == 410
    assert tasks(db)[0].answered_at is None
    assert events(db, "system_task.answered") == []


def test_a_link_of_a_closed_request_opens_nothing(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    owner = owner_client(app)
    page = owner.get(link).get_data(as_text=True)
    # Closed meanwhile (how is not this test's concern).
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == request_id)
        .values(status=RequestStatus.CLOSED, closed_at=utcnow())
    )
    db.session.commit()
    response = owner.post(link, data={"csrf_token": csrf_token(page), "answer": "no_data"})
    assert response.status_code == 410
    assert "The request has already been answered" in response.get_data(as_text=True)
    assert owner.get(link).status_code == 410
    assert tasks(db)[0].answered_at is None
    # Nor can staff send a task on it.
    assert "systems/monitoring/task" not in staff.get(f"/staff/requests/{request_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("how", ["altered", "other-key", "other-purpose", "garbage"])
def test_a_forged_or_altered_link_opens_nothing(
    app, staff, requester, make_request, mailbox, deliver, db, how
):
    from portal.tokens import Purpose, make_token

    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    [task] = tasks(db)
    with app.app_context():
        if how == "altered":
            token = link.rsplit("/", 1)[1]
            forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
        elif how == "other-key":
            forged = make_token(Purpose.SYSTEM_TASK, task=task.id, key="x" * 32)
        elif how == "other-purpose":
            forged = make_token(Purpose.CONFIRM_REQUEST, task=task.id, key=task.link_jti)
        else:
            forged = "%00' OR 1=1 --" + "x" * 3000
    response = app.test_client().get(f"/task/{forged}")
    assert response.status_code in (400, 404)
    assert "Aino" not in response.get_data(as_text=True)
    assert tasks(db)[0].answered_at is None


# Authorisation ---------------------------------------------------------------------------------


def test_only_staff_send_tasks_and_only_for_a_task_system_of_the_notice(
    app, staff, requester, make_request, mailbox, deliver, db, make_user
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    token = csrf_token(page)

    outsider = app.test_client()
    make_user(email="joku@example.fi", name="Joku Muu")
    assert sign_in(outsider, "joku@example.fi", "kettu juoksee metsässä").status_code == 302
    html = outsider.get("/requests/").get_data(as_text=True)
    response = outsider.post(
        f"/staff/requests/{request_id}/systems/monitoring/task",
        data={"csrf_token": csrf_token(html)},
    )
    assert response.status_code == 403
    anonymous = app.test_client().post(
        f"/staff/requests/{request_id}/systems/monitoring/task", data={"csrf_token": token}
    )
    assert anonymous.status_code in (302, 400)
    # Not a task system, or no system at all: nothing is sent.
    for system in ("nosuch", "<script>"):
        assert send(staff, request_id, system).status_code in (404, 409)
    assert tasks(db) == []
    assert deliver_to(deliver, mailbox, MONITORING) == []


def test_one_tickets_task_and_files_are_not_reached_through_another_ticket(
    app, staff, requester, make_request, make_user, mailbox, deliver, db
):
    first = make_request(requester, kind=RequestKind.ACCESS)
    other = make_request(make_user(email="toinen@example.fi", name="Toinen"), RequestKind.ACCESS)
    assert send(staff, first, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    owner = owner_client(app)
    response = answer(owner, link, {"answer": "done", "files": [(io.BytesIO(EXPORT), "a.csv")]})
    assert response.status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert staff.get(f"/staff/requests/{other}/files/{attachment.id}").status_code == 404
    download = staff.get(f"/staff/requests/{first}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == EXPORT
    download.close()
    other_page = staff.get(f"/staff/requests/{other}").get_data(as_text=True)
    assert "a.csv" not in other_page and "Task not sent." in other_page
    # The owner's link opens nothing for anyone else: no staff page follows from it.
    assert owner.get(f"/staff/requests/{first}").status_code == 302


# Double submits and refused files --------------------------------------------------------------


def test_a_double_click_on_send_sends_one_task(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    page_url = f"/staff/requests/{request_id}"
    html = staff.get(page_url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(html),
        "state": re.search(r'name="state" value="([^"]+)"', html).group(1),
        "tasks_state": re.search(r'name="tasks_state" value="([^"]+)"', html).group(1),
    }
    url = f"/staff/requests/{request_id}/systems/monitoring/task"
    assert staff.post(url, data=data).status_code == 302
    second = staff.post(url, data=data)
    assert second.status_code == 409
    assert "Nothing was done and nothing was sent." in second.get_data(as_text=True)
    assert len(tasks(db)) == 1
    assert len(deliver_to(deliver, mailbox, MONITORING)) == 1


def test_sending_again_before_an_answer_is_the_same_task_and_after_one_a_new_task(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    first_link = task_link(deliver, mailbox, MONITORING)
    assert send(staff, request_id, "monitoring", "Muistutus.").status_code == 302
    second_link = task_link(deliver, mailbox, MONITORING)
    assert len(tasks(db)) == 1
    owner = owner_client(app)
    assert answer(owner, second_link, {"answer": "no_data"}).status_code == 302
    # Answered: every link of the task is spent.
    assert owner.get(first_link).status_code == 410
    assert send(staff, request_id, "monitoring").status_code == 302
    assert len(tasks(db)) == 2
    assert owner.get(task_link(deliver, mailbox, MONITORING)).status_code == 200


def test_the_owners_form_sent_twice_at_once_records_one_answer(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    first, second = owner_client(app), owner_client(app)
    pages = [c.get(link).get_data(as_text=True) for c in (first, second)]
    mailbox.messages.clear()
    responses = [
        client.post(link, data={"csrf_token": csrf_token(page), "answer": "no_data"})
        for client, page in zip((first, second), pages, strict=True)
    ]
    assert sorted(r.status_code for r in responses) == [302, 410]
    assert len(events(db, "system_task.answered")) == 1
    assert len(deliver_to(deliver, mailbox, "ville@wprod.fi", "Task answered")) == 1


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("ohjelma.exe", b"MZ\x90\x00", "this type of file is not accepted"),
        ("vienti.pdf", b"<html><script>alert(1)</script>", "does not look like a .pdf file"),
        ("tyhja.csv", b"", "is empty"),
    ],
)
def test_an_upload_the_checks_refuse_stores_nothing(
    app, app_settings, staff, requester, make_request, mailbox, deliver, db, name, content, says
):
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    owner = owner_client(app)
    response = answer(owner, link, {"answer": "done", "files": [(io.BytesIO(content), name)]})
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert tasks(db)[0].answered_at is None
    assert events(db, "system_task.answered") == []
    assert stored(app_settings) == []
    # The link still works for a proper answer.
    assert owner.get(link).status_code == 200


def test_an_export_needs_its_file(app, staff, requester, make_request, mailbox, deliver, db):
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    response = answer(owner_client(app), link, {"answer": "done"})
    assert response.status_code == 400
    assert "Upload the export" in response.get_data(as_text=True)


# Reminders -------------------------------------------------------------------------------------


def test_owners_are_reminded_after_a_week_and_before_the_due_date_once_each(
    app, staff, requester, make_request, mailbox, deliver, db, runner
):
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    assert send(staff, request_id, "newsletter").status_code == 302
    deliver()
    mailbox.messages.clear()

    def remind():
        result = runner.invoke(args=["requests", "remind"])
        assert result.exit_code == 0, result.output
        return deliver_to(deliver, mailbox, MONITORING)

    assert remind() == []  # nothing is due yet
    # A week passes without an answer.
    db.session.execute(update(SystemTask).values(sent_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    [week] = remind()
    assert week["Subject"].startswith("Muistutus: tehtävä (Palvelinten valvonnan")
    assert "/task/" in text_of(week)
    mailbox.messages.clear()
    assert remind() == []  # once

    # Two working days before the due date (or less: a missed run still reminds).
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == request_id)
        .values(due_on=utcnow().date() + timedelta(days=1))
    )
    db.session.commit()
    [before_due] = remind()
    assert before_due["Subject"].startswith("Muistutus: pyynnön WP-")
    assert "määräaika on pian" in before_due["Subject"]
    mailbox.messages.clear()
    assert remind() == []  # once
    reminded = events(db, "system_task.reminded")
    assert [e.details["system"] for e in reminded].count("monitoring") == 2
    # The reminder's fresh link opens the task.
    assert app.test_client().get(path_of(link_in(before_due, "/task/"))).status_code == 200


# The access package ----------------------------------------------------------------------------


def test_an_owners_export_reaches_the_access_package_and_its_report(
    app, staff, requester, make_request, make_user, mailbox, deliver, db
):
    import json
    import zipfile

    from portal.answering.access_package.contents import SCHEMA_FILE
    from tests.integration.test_access_package import check

    request_id = make_request(requester, kind=RequestKind.ACCESS)
    # Another person's access request, whose owner also sent an export: none of it may leak.
    other = make_request(make_user(email="toinen@example.fi", name="Toinen"), RequestKind.ACCESS)
    for rid, name, content in ((request_id, "valvonta.csv", EXPORT), (other, "x.csv", b"x;y\n")):
        assert send(staff, rid, "monitoring").status_code == 302
        link = task_link(deliver, mailbox, MONITORING)
        files = [(io.BytesIO(content), name)]
        assert (
            answer(owner_client(app), link, {"answer": "done", "files": files}).status_code == 302
        )
    # The newsletter tool holds nothing about her.
    assert send(staff, request_id, "newsletter").status_code == 302
    link = task_link(deliver, mailbox, "ville@wprod.fi")
    assert answer(owner_client(app), link, {"answer": "no_data"}).status_code == 302

    page = f"/staff/requests/{request_id}"
    generated = staff.post(
        f"{page}/access-package", data={"csrf_token": csrf_token(staff.get(page).text)}
    )
    assert generated.status_code == 302, generated.get_data(as_text=True)
    html = staff.get(page).get_data(as_text=True)
    preview = re.search(r'href="([^"]+/preview)"', html).group(1)
    download = preview.rsplit("/", 1)[0] + "/download"
    response = staff.get(download)
    assert response.status_code == 200, download
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    data = json.loads(archive.read("data.json"))
    check(data, json.loads(SCHEMA_FILE.read_text()))

    # The connected databases come first (not configured on this test server); then the tasks.
    [monitoring, newsletter] = [s for s in data["systems"] if s["connection"] == "task"]
    assert (monitoring["system"], monitoring["answer"], monitoring["connection"]) == (
        "monitoring",
        "done",
        "task",
    )
    [export] = monitoring["files"]
    assert export["filename"] == "valvonta.csv"
    assert archive.read(export["path"]) == EXPORT
    assert export["path"] in [f["path"] for f in data["files"]]
    assert (newsletter["answer"], newsletter["files"]) == ("no_data", [])
    assert not any("x.csv" in name for name in archive.namelist())
    report = archive.read("report.html").decode()
    assert "What the people responsible for our other systems answered" in report
    assert export["path"] in report
    assert "the system holds no data about you." in report


# Retention -------------------------------------------------------------------------------------


def test_at_the_end_of_retention_the_tasks_words_and_files_go_and_the_answer_stays(
    app, app_settings, staff, requester, make_request, mailbox, deliver, db, runner
):
    request_id = make_request(requester, kind=RequestKind.RESTRICTION)
    assert send(staff, request_id, "monitoring", "Asiakas Aino, tunnus aino01.").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    response = answer(
        owner_client(app),
        link,
        {
            "answer": "cannot",
            "reason": "Ainon lokit poistuvat itsestään.",
            "files": [(io.BytesIO(EXPORT), "aino-lokit.csv")],
        },
    )
    assert response.status_code == 302
    assert len(stored(app_settings)) == 1
    # Closed more than the retention period ago (three years for WProd Oy).
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == request_id)
        .values(status=RequestStatus.CLOSED, closed_at=utcnow() - timedelta(days=4 * 366))
    )
    db.session.commit()

    result = runner.invoke(args=["requests", "purge"])
    assert result.exit_code == 0, result.output
    [task] = tasks(db)
    assert (task.message, task.reason) == (None, None)
    assert (task.answer.value, task.system_key) == ("cannot", "monitoring")
    assert task.answered_at is not None
    assert stored(app_settings) == []
    [event] = events(db, "system_task.answered")
    assert event.body is None


def test_two_answers_racing_in_parallel_land_once(
    app, staff, requester, make_request, mailbox, deliver, db
):
    """Two browsers submit the owner's form at the same moment (threads, real database): the
    conditional update lets exactly one answer land."""
    import threading

    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    clients = [owner_client(app) for _ in range(2)]
    pages = [c.get(link).get_data(as_text=True) for c in clients]
    answers = [("no_data", ""), ("cannot", "Ei onnistu.")]
    barrier = threading.Barrier(2)
    statuses = []

    def post(client, page, choice):
        barrier.wait()
        response = client.post(
            link, data={"csrf_token": csrf_token(page), "answer": choice[0], "reason": choice[1]}
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=post, args=args)
        for args in zip(clients, pages, answers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 410]
    [task] = tasks(db)
    [event] = events(db, "system_task.answered")
    assert event.details["answer"] == task.answer.value


def test_a_paused_request_reminds_after_a_week_but_counts_no_due_date(
    app, staff, requester, make_request, mailbox, deliver, db, runner
):
    """While the clock stands still (GDPR Art. 12(6)) the due date is not known: the owner is
    reminded of the week, not of a due date."""
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    page = f"/staff/requests/{request_id}"
    html = staff.get(page).get_data(as_text=True)
    asked = staff.post(
        f"{page}/ask",
        data={
            "csrf_token": csrf_token(html),
            "state": re.search(r'name="state" value="([^"]+)"', html).group(1),
            "body": "Kerro asiakasnumerosi.",
            "purpose": "identity",
        },
    )
    assert asked.status_code == 302
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.WAITING
    db.session.execute(update(SystemTask).values(sent_at=utcnow() - timedelta(days=8)))
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.id == request_id)
        .values(due_on=utcnow().date() + timedelta(days=1))
    )
    db.session.commit()
    deliver()
    mailbox.messages.clear()
    result = runner.invoke(args=["requests", "remind"])
    assert result.exit_code == 0, result.output
    [reminder] = deliver_to(deliver, mailbox, MONITORING)
    assert "odottaa vastaustasi" in reminder["Subject"]
    [task] = tasks(db)
    assert task.reminded_week_at is not None and task.reminded_due_at is None
    # The owner can still answer while the request waits.
    link = path_of(link_in(reminder, "/task/"))
    assert answer(owner_client(app), link, {"answer": "no_data"}).status_code == 302


def test_two_staff_sending_at_the_same_moment_send_one_task(
    app, staff, requester, make_request, make_user, mailbox, deliver, db
):
    """Two colleagues send the same task at once: the request's lock and the panel's fingerprint
    let one through; the other is told nothing was sent."""
    from tests.integration.test_concurrent_staff import at_once

    make_user(
        email="kollega@wprod.fi", name="Kaisa Kollega", role=Role.STAFF, password="kaisa kaisa"
    )
    colleague = app.test_client()
    assert sign_in(colleague, "kollega@wprod.fi", "kaisa kaisa").status_code == 302
    request_id = make_request(requester, kind=RequestKind.ERASURE)
    page_url = f"/staff/requests/{request_id}"
    posts = []
    for client in (staff, colleague):
        html = client.get(page_url).get_data(as_text=True)
        data = {
            "csrf_token": csrf_token(html),
            "state": re.search(r'name="state" value="([^"]+)"', html).group(1),
            "tasks_state": re.search(r'name="tasks_state" value="([^"]+)"', html).group(1),
            "message": "Samaan aikaan.",
        }
        posts.append((client, f"{page_url}/systems/monitoring/task", data))
    assert sorted(at_once(posts)) == [302, 409]
    assert len(tasks(db)) == 1
    assert len(deliver_to(deliver, mailbox, MONITORING)) == 1


def test_an_uploaded_files_name_is_only_its_name(
    app, staff, requester, make_request, mailbox, deliver, db
):
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    assert send(staff, request_id, "monitoring").status_code == 302
    link = task_link(deliver, mailbox, MONITORING)
    files = [(io.BytesIO(EXPORT), "..\\..\\etc/../pass\x1bwd\u202e.csv")]
    assert answer(owner_client(app), link, {"answer": "done", "files": files}).status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.filename == "passwd.csv"
    assert attachment.content_type.startswith("text/csv")


def test_an_outside_contact_gets_the_language_the_notice_gives(app_settings, tmp_path, request):
    """A processor abroad reads English: the notice's owner_language says so for its system."""
    from portal.notice.model import LANGUAGES

    assert "en" in LANGUAGES
    notice = Path(__file__).resolve().parents[2] / "portal" / "notice" / "wprod.toml"
    for schema in notice.parent.glob("wprod-*.toml"):
        (tmp_path / schema.name).write_bytes(schema.read_bytes())
    entry = f'owner_email = "{MONITORING}"\nconnection = "task"\n'
    source = notice.read_text(encoding="utf-8")
    assert source.count(entry) == 1
    (tmp_path / "notice.toml").write_text(
        source.replace(entry, entry + 'owner_language = "en"\n'), encoding="utf-8"
    )
    app_settings["NOTICE_FILE"] = str(tmp_path / "notice.toml")
    staff = request.getfixturevalue("staff")
    requester = request.getfixturevalue("requester")
    make_request = request.getfixturevalue("make_request")
    mailbox, deliver = request.getfixturevalue("mailbox"), request.getfixturevalue("deliver")

    request_id = make_request(requester, kind=RequestKind.ERASURE)
    assert send(staff, request_id, "monitoring").status_code == 302
    [message] = deliver_to(deliver, mailbox, MONITORING)
    assert message["Subject"].startswith("A task for Server monitoring provider")
    assert "Erase this person's data from your system" in text_of(message)
