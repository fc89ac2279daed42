"""Other people in a copy of the data (GDPR Art. 15(4)): before release, staff see every other
person the copy names (staff aside), decide about each, and what they remove is replaced in
data.json, the report and the text files, with the reason on the record.

Pages are read in English (the accounts' language).
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from portal.answering.access_package.contents import SCHEMA_FILE
from portal.models import AccessPackage, Attachment, AuditEvent, RequestKind, Role
from tests.conftest import link_in, path_of, submit, text_of
from tests.integration.conftest import STAFF_PASSWORD, ticket
from tests.integration.test_access_package import check, fetch, generate, release, signed_in

MESSAGE = (
    "My neighbour Matti Virtanen (matti.virtanen@example.com, 131052-308T) says that "
    "Kalle Kirjoittaja from your other customer saw my invoices."
)
EXPORT = (
    "asiakas;nimi;sähköposti\n"
    "A-1;Maija Meikäläinen;maija@example.fi\n"
    "A-2;Pekka Puupää;pekka@firma.fi\n"
)


@pytest.fixture
def staff(app, make_user):
    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    return signed_in(app, "ville@wprod.fi", STAFF_PASSWORD)


@pytest.fixture
def maija(make_user):
    return make_user(email="maija@example.fi", name="Maija Meikäläinen", locale="en")


@pytest.fixture
def request_id(app, staff, maija, make_user, make_request):
    """An access request whose messages and export name other people, with a PDF besides."""
    make_user(email="kalle@example.fi", name="Kalle Kirjoittaja", locale="en")
    request_id = make_request(maija, kind=RequestKind.ACCESS)
    requester = signed_in(app, "maija@example.fi")
    assert (
        submit(
            requester,
            f"/requests/{request_id}/reply",
            {"body": MESSAGE},
            page=f"/requests/{request_id}",
        ).status_code
        == 302
    )
    assert (
        ticket(
            staff,
            request_id,
            "reply",
            {
                "body": "Hello Maija, here is the export from our billing.\nVille Kärpijoki",
                "files": [
                    (io.BytesIO(EXPORT.encode()), "laskutus.csv"),
                    (io.BytesIO(b"%PDF-1.4\n% sopimus\n%%EOF\n"), "sopimus.pdf"),
                ],
            },
        ).status_code
        == 302
    )
    return request_id


def packages(db) -> list[AccessPackage]:
    db.session.expire_all()
    return db.session.scalars(select(AccessPackage).order_by(AccessPackage.id)).all()


def events(db, action) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def others_section(page: str) -> str:
    start = page.index('id="others"')
    return page[start : page.index("</form>", start)]


def decisions_form(page: str) -> dict[str, str]:
    """The hidden fields of the review form: term-N for each listed mention."""
    section = others_section(page)
    return dict(re.findall(r'name="(term-\d+)" value="([^"]*)"', section))


def review(staff, request_id, package_id, data):
    return submit(
        staff,
        f"/staff/requests/{request_id}/access-package/{package_id}/others",
        data,
        page=f"/staff/requests/{request_id}",
    )


def index_of(terms: dict[str, str], term: str) -> str:
    [name] = [name for name, value in terms.items() if value == term]
    return name.split("-")[1]


def test_the_copy_lists_every_other_person_and_waits_for_a_decision_on_each(
    app, staff, request_id, db
):
    assert generate(staff, request_id).status_code == 302
    [package] = packages(db)
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    terms = set(decisions_form(page).values())
    assert {
        "Matti Virtanen",
        "matti.virtanen@example.com",
        "131052-308T",
        "Kalle Kirjoittaja",
        "Pekka Puupää",
        "pekka@firma.fi",
    } <= terms
    # Staff, the requester and the controller are not other people.
    for own in ("Ville Kärpijoki", "Maija Meikäläinen", "maija@example.fi", "ville@wprod.fi"):
        assert own not in terms
    section = others_section(page)
    assert "another account of this portal" in section  # Kalle
    assert "personal identity code" in section
    assert "File files/" in section and "laskutus.csv" in section  # where Pekka is
    assert "sopimus.pdf" in section  # the PDF the portal cannot read
    # Nothing to release yet: the button waits, and the server refuses.
    assert "Release to the requester" not in page
    assert 'id="release-waits"' in page
    refused = release(staff, request_id, package.id)
    assert refused.status_code == 409
    assert "decide about each other person" in refused.get_data(as_text=True)
    assert packages(db)[0].released_at is None
    assert events(db, "access_package.released") == []

    # The preview lists them for staff above the report and marks each where it stands.
    preview = staff.get(
        f"/staff/requests/{request_id}/access-package/{package.id}/preview"
    ).get_data(as_text=True)
    assert "For staff only, not part of the copy" in preview
    assert "<strong>Matti Virtanen</strong>: not decided yet" in preview
    assert re.search(r"<mark[^>]*>Matti Virtanen</mark>", preview)
    assert "<script" not in preview
    # The copy itself, as the requester would get it, has no such list.
    archive = fetch(staff, f"/staff/requests/{request_id}/access-package/{package.id}/download")
    report = zipfile_of(archive).read("report.html").decode()
    assert "For staff only" not in report and "<mark" not in report


def test_removals_are_recorded_and_the_copy_is_made_again_without_them(
    app, staff, request_id, db, mailbox, deliver
):
    generate(staff, request_id)
    [first] = packages(db)
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    terms = decisions_form(page)
    decide = {
        "Matti Virtanen": ("redact", "A neighbour: his name is his, not Maija's data."),
        "matti.virtanen@example.com": ("redact", "The neighbour's address."),
        "131052-308T": ("redact", "The neighbour's identity code."),
        "Kalle Kirjoittaja": ("disclose", ""),
        "Pekka Puupää": ("redact", "Another customer in the same export."),
        "pekka@firma.fi": ("redact", "Another customer in the same export."),
    }
    form = dict(terms)
    for term, (decision, reason) in decide.items():
        n = index_of(terms, term)
        form[f"decision-{n}"] = decision
        form[f"reason-{n}"] = reason
    # Any other word the list offered is not a person.
    for name in terms:
        n = name.split("-")[1]
        form.setdefault(f"decision-{n}", "not_other")

    # A removal needs its reason: nothing is recorded without it, and what was typed stays.
    missing = dict(form, **{f"reason-{index_of(terms, 'Pekka Puupää')}": ""})
    refused = review(staff, request_id, first.id, missing)
    assert refused.status_code == 409
    assert "Give the reason for removing Pekka Puupää" in refused.get_data(as_text=True)
    assert "A neighbour: his name is his" in refused.get_data(as_text=True)
    assert events(db, "access_package.others_reviewed") == []
    assert len(packages(db)) == 1

    response = review(staff, request_id, first.id, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    [reviewed] = events(db, "access_package.others_reviewed")
    assert not reviewed.public and reviewed.actor_id is not None
    recorded = {d["term"]: (d["decision"], d["reason"]) for d in reviewed.details["decisions"]}
    assert recorded["Matti Virtanen"] == decide["Matti Virtanen"]
    assert recorded["Kalle Kirjoittaja"] == ("disclose", None)
    # The copy was generated again without the removed words; the first is replaced.
    first, second = packages(db)
    assert first.removed_at is not None and second.removed_at is None
    generated = events(db, "access_package.generated")[-1]
    removed = {r["term"]: r["count"] for r in generated.details["redacted"]}
    assert removed["Matti Virtanen"] == 1  # in her message
    assert removed["Pekka Puupää"] == 1  # in the export
    assert generated.details["redacted_files"] == [f"files/{csv_id(db)}-laskutus.csv"]

    archive = zipfile_of(
        fetch(staff, f"/staff/requests/{request_id}/access-package/{second.id}/download")
    )
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode(
        "utf-8", "replace"
    )
    for gone in ("Matti Virtanen", "matti.virtanen@example.com", "131052-308T", "Pekka", "pekka@"):
        assert gone not in everything, gone
    assert "Kalle Kirjoittaja" in everything  # kept, as decided
    assert "[removed: another person]" in everything
    data = json.loads(archive.read("data.json"))
    check(data, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert data["redactions"]["ground"] == "GDPR Art. 15(4)"
    assert data["redactions"]["mentions_removed"] == sum(removed.values())
    export = archive.read(f"files/{csv_id(db)}-laskutus.csv").decode()
    assert "A-2;[removed: another person];[removed: another person]" in export
    assert "A-1;Maija Meikäläinen;maija@example.fi" in export  # her own row stays
    [packaged] = [f for f in data["files"] if f["path"].endswith("laskutus.csv")]
    assert packaged["size"] == len(export.encode())
    report = archive.read("report.html").decode()
    assert "we removed" in report and "GDPR Art. 15(4)" in report
    # The reasons are for the record, not for the copy.
    assert "A neighbour" not in everything

    # The PDF still waits for staff to say they checked it.
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Release to the requester" not in page
    assert "removed from this copy 1 time" in page
    assert release(staff, request_id, second.id).status_code == 409
    pdf = db.session.scalar(select(Attachment).where(Attachment.filename == "sopimus.pdf"))
    assert review(staff, request_id, second.id, {f"file-{pdf.id}": "keep"}).status_code == 302
    assert len(packages(db)) == 2  # nothing removed anew, so no new copy

    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Release to the requester" in page
    assert release(staff, request_id, second.id).status_code == 302
    deliver()
    [ready] = [m for m in mailbox.to("maija@example.fi") if "is ready" in m["Subject"]]
    maija = signed_in(app, "maija@example.fi")
    link = path_of(link_in(ready, f"/requests/{request_id}"))
    assert maija.get(link).status_code == 200
    download = fetch(maija, f"/requests/{request_id}/access-package")
    assert download.status_code == 200
    assert b"Matti Virtanen" not in zipfile_of(download).read("data.json")
    assert "Matti" not in text_of(ready)


def test_decisions_hold_for_the_next_copy_and_a_removal_can_be_undone(app, staff, request_id, db):
    generate(staff, request_id)
    [first] = packages(db)
    terms = decisions_form(staff.get(f"/staff/requests/{request_id}").get_data(as_text=True))
    form = dict(terms)
    for name, term in terms.items():
        n = name.split("-")[1]
        form[f"decision-{n}"] = "redact" if term == "Matti Virtanen" else "disclose"
        form[f"reason-{n}"] = "Neighbour." if term == "Matti Virtanen" else ""
    pdf = db.session.scalar(select(Attachment).where(Attachment.filename == "sopimus.pdf"))
    form[f"file-{pdf.id}"] = "keep"
    assert review(staff, request_id, first.id, form).status_code == 302

    # Generated again later: only what is new needs a decision.
    assert generate(staff, request_id).status_code == 302
    third = packages(db)[-1]
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Release to the requester" in page
    removed = events(db, "access_package.generated")[-1].details["redacted"]
    assert [r["term"] for r in removed] == ["Matti Virtanen"]

    # Put it back: the copy is generated again with it.
    terms = decisions_form(page)
    n = index_of(terms, "Matti Virtanen")
    back = review(
        staff, request_id, third.id, {f"term-{n}": "Matti Virtanen", f"decision-{n}": "disclose"}
    )
    assert back.status_code == 302
    latest = packages(db)[-1]
    assert latest.id != third.id
    data = json.loads(
        zipfile_of(
            fetch(staff, f"/staff/requests/{request_id}/access-package/{latest.id}/download")
        ).read("data.json")
    )
    assert "Matti Virtanen" in json.dumps(data, ensure_ascii=False)
    assert data["redactions"] is None


def test_staff_may_remove_words_the_list_missed(app, staff, request_id, db):
    generate(staff, request_id)
    [first] = packages(db)
    absent = review(
        staff, request_id, first.id, {"added-term": "Liisa Laine", "added-reason": "Colleague."}
    )
    assert absent.status_code == 409
    assert "does not contain" in absent.get_data(as_text=True)
    response = review(
        staff,
        request_id,
        first.id,
        {"added-term": "your other customer", "added-reason": "Says who else is a customer."},
    )
    assert response.status_code == 302
    latest = packages(db)[-1]
    data = fetch(staff, f"/staff/requests/{request_id}/access-package/{latest.id}/download")
    assert b"your other customer" not in zipfile_of(data).read("data.json")


def test_only_staff_review_and_only_the_tickets_own_copy(app, staff, request_id, make_request, db):
    generate(staff, request_id)
    [package] = packages(db)
    terms = decisions_form(staff.get(f"/staff/requests/{request_id}").get_data(as_text=True))
    form = {**terms, "decision-0": "disclose"}
    requester = signed_in(app, "maija@example.fi")
    assert (
        submit(
            requester,
            f"/staff/requests/{request_id}/access-package/{package.id}/others",
            form,
            page=f"/requests/{request_id}",
        ).status_code
        == 403
    )
    other = make_request(kind=RequestKind.ACCESS)
    assert review(staff, other, package.id, form).status_code == 404
    assert events(db, "access_package.others_reviewed") == []


def csv_id(db) -> int:
    return db.session.scalar(select(Attachment.id).where(Attachment.filename == "laskutus.csv"))


def zipfile_of(response):
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_a_file_the_portal_cannot_read_may_be_left_out_with_a_reason(app, staff, request_id, db):
    generate(staff, request_id)
    [first] = packages(db)
    pdf = db.session.scalar(select(Attachment).where(Attachment.filename == "sopimus.pdf"))
    refused = review(staff, request_id, first.id, {f"file-{pdf.id}": "leave_out"})
    assert refused.status_code == 409
    assert "Give the reason for leaving files/" in refused.get_data(as_text=True)

    response = review(
        staff,
        request_id,
        first.id,
        {f"file-{pdf.id}": "leave_out", f"file-reason-{pdf.id}": "Names the other party."},
    )
    assert response.status_code == 302
    latest = packages(db)[-1]
    assert latest.id != first.id
    archive = zipfile_of(
        fetch(staff, f"/staff/requests/{request_id}/access-package/{latest.id}/download")
    )
    assert not [n for n in archive.namelist() if n.endswith("sopimus.pdf")]
    data = json.loads(archive.read("data.json"))
    assert data["redactions"]["files_left_out"] == 1
    listed = {f["filename"]: f["in_package"] for f in data["requests"][0]["files"]}
    assert listed["sopimus.pdf"] is None
    assert "we left 1 file out of this copy" in archive.read("report.html").decode()
    [reviewed] = events(db, "access_package.others_reviewed")
    assert reviewed.details["files"] == [
        {
            "id": pdf.id,
            "path": f"files/{pdf.id}-sopimus.pdf",
            "decision": "leave_out",
            "reason": "Names the other party.",
        }
    ]
    page = staff.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "left out of this copy" in page
