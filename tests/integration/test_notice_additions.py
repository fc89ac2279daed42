"""Facts the privacy notice does not state (the controller's additions): listed for admins with
where the portal uses them, confirmed on the audit trail, marked on the public notice page and in
the copy of the data.

Admin pages are read in English (the account's language), so the assertions do not depend on the
Finnish catalog; the notice's own texts are checked in Finnish too.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, RequestKind, Role
from tests.conftest import sign_in, submit
from tests.integration.conftest import STAFF_PASSWORD

PAGE = "/admin/notice-additions"
WPROD = Path(__file__).resolve().parents[2] / "portal" / "notice" / "wprod.toml"
ADMIN_PASSWORD = "aino aino aino"


def signed_in(app, email, password):
    client = app.test_client()
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin(app, make_user):
    make_user(
        email="aino@wprod.fi",
        name="Aino Admin",
        role=Role.ADMIN,
        password=ADMIN_PASSWORD,
        locale="en",
    )
    return signed_in(app, "aino@wprod.fi", ADMIN_PASSWORD)


def text(response) -> str:
    """The page's text with tags removed and entities resolved, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(body).split())


def section(page_html: str, key: str) -> str:
    """One addition's part of the admin page, as text."""
    match = re.search(
        rf'<section class="addition" id="addition-{key}".*?</section>', page_html, re.S
    )
    assert match, key
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def confirmations(db) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "notice.addition_confirmed")
        .order_by(AuditEvent.id)
    ).all()


def notice_file(tmp_path, *changes: tuple[str, str]) -> str:
    """A copy of WProd's notice file with each (old, new) text replaced once, as an editor would."""
    source = WPROD.read_text(encoding="utf-8")
    for old, new in changes:
        assert source.count(old) >= 1, old
        source = source.replace(old, new, 1)
    path = tmp_path / "notice.toml"
    path.write_text(source, encoding="utf-8")
    # The systems' schema files go with the notice that names them.
    for schema in WPROD.parent.glob("wprod-*.toml"):
        (tmp_path / schema.name).write_bytes(schema.read_bytes())
    return str(path)


# The admin page --------------------------------------------------------------------------------


def test_the_admin_page_lists_every_addition_with_its_fields_and_uses(admin):
    response = admin.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/admin/notice-additions"' in page  # in the admin navigation
    everything = text(response)
    assert "Facts the notice does not state" in everything
    assert everything.count("Controller's addition") == 7
    # Nothing else in the file goes beyond the notice's text.
    assert "was checked against the notice's text and is stated there" in everything

    records = section(page, "request_records")
    assert "Handling and keeping records of data protection requests" in records
    assert "kept for three years from the closure of the request" in records  # the statement
    assert "The notice does not mention handling data protection requests" in records  # note
    assert "Data category “Records of data protection requests” (all of it)" in records
    assert "Purpose “Handling data protection requests" in records
    assert "how long it is kept: three years from the closure of the request" in records
    assert "years kept: 3" in records
    assert "Deleting the records of finished requests (flask requests purge)" in records
    assert "The answer to an erasure request: the records that are kept" in records
    assert "Not confirmed" in records

    years = section(page, "accounting_records")
    assert "Data category “Accounting books”" in years
    assert "six years" in years and "ten years" in years

    automated = section(page, "automated_decisions")
    assert "Decisions based solely on automated processing (GDPR Art. 22) no" in automated
    assert "automated decision-making, GDPR Art. 15(1)(h)" in automated

    bases = section(page, "purpose_bases")
    assert (
        "Purpose “Delivering our products and services” legal basis: "
        "Performance of a contract (GDPR Art. 6(1)(b))" in bases
    )
    erasure = section(page, "erasure_exceptions")
    assert "Data category “Basic customer data” on a request to erase: erased" in erasure
    assert "Data category “Accounting books” on a request to erase: kept" in erasure
    data_map = section(page, "data_map")
    assert "Recipient “Server monitoring provider” data it receives: Hosting user data" in data_map


def test_only_admins_see_the_page(app, admin, make_user, client):
    make_user(email="ville@wprod.fi", name="Ville", role=Role.STAFF, password=STAFF_PASSWORD)
    staff = signed_in(app, "ville@wprod.fi", STAFF_PASSWORD)
    assert staff.get(PAGE).status_code == 403
    assert 'href="/admin/notice-additions"' not in staff.get("/staff/requests").get_data(
        as_text=True
    )
    confirm = f"{PAGE}/request_records/confirm"
    assert staff.post(confirm, data={}).status_code in (400, 403)
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_admin_confirms_an_addition_on_the_audit_trail(admin, db):
    response = submit(admin, f"{PAGE}/request_records/confirm", page=PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE}#addition-request_records")

    [event] = confirmations(db)
    admin_id = db.session.scalar(
        select(AuditEvent.actor_id).where(AuditEvent.action == "notice.addition_confirmed")
    )
    assert event.actor_id == admin_id is not None
    assert event.request_id is None and event.subject_user_id is None and not event.public
    details = event.details
    assert details["addition"] == "request_records"
    assert details["notice_version"] == "2018-05-25"
    assert details["notice_file"].endswith("wprod.toml")
    assert len(details["fingerprint"]) == 64
    # What was confirmed, word for word: the statement and every covered field.
    assert "kolme vuotta" in details["statement"]["fi"]
    assert details["values"]["data_categories.privacy_requests"]["retention"]["years"] == 3
    assert details["values"]["purposes.privacy_requests"]["legal_basis"] == "legal_obligation"

    page = admin.get(PAGE)
    everything = text(page)
    assert "You confirmed “Handling and keeping records of data protection requests”" in everything
    records = section(page.get_data(as_text=True), "request_records")
    assert "Confirmed by Aino Admin on" in records
    assert "Confirm again" in records
    # The others still wait for their own confirmation.
    assert "Not confirmed" in section(page.get_data(as_text=True), "accounting_records")


def test_a_changed_addition_needs_confirming_again(admin, db, make_app, tmp_path):
    assert submit(admin, f"{PAGE}/request_records/confirm", page=PAGE).status_code == 302
    assert submit(admin, f"{PAGE}/data_map/confirm", page=PAGE).status_code == 302

    four_years = ("retention.years = 3", "retention.years = 4")
    changed = make_app(NOTICE_FILE=notice_file(tmp_path, four_years))
    other = signed_in(changed, "aino@wprod.fi", ADMIN_PASSWORD)
    page = other.get(PAGE).get_data(as_text=True)
    records = section(page, "request_records")
    assert "Changed since Aino Admin confirmed it on" in records
    assert "years kept: 4" in records
    # An addition that says the same as when it was confirmed stays confirmed.
    assert "Confirmed by Aino Admin" in section(page, "data_map")

    assert submit(other, f"{PAGE}/request_records/confirm", page=PAGE).status_code == 302
    first, _map, again = confirmations(db)
    assert first.details["fingerprint"] != again.details["fingerprint"]
    assert again.details["values"]["data_categories.privacy_requests"]["retention"]["years"] == 4
    assert "Confirmed by Aino Admin" in section(
        other.get(PAGE).get_data(as_text=True), "request_records"
    )


def test_an_unknown_addition_cannot_be_confirmed(admin, db):
    assert submit(admin, f"{PAGE}/no_such_fact/confirm", page=PAGE).status_code == 404
    assert admin.get(f"{PAGE}/request_records/confirm").status_code == 405
    # Without the form's token nothing is recorded.
    assert admin.post(f"{PAGE}/request_records/confirm", data={}).status_code in (302, 400)
    assert confirmations(db) == []


def test_a_fact_neither_in_the_notice_nor_marked_is_shown_to_admins(admin, make_app, tmp_path):
    maintenance = (
        'name.fi = "Palvelinten valvonnan palveluntarjoaja"',
        'name.fi = "Palvelinten valvonnan ja ylläpidon palveluntarjoaja"',
    )
    # The first period in the file is the basic data's.
    during = (
        'retention.period.fi = "Asiakassuhteen päättymisen jälkeen säilytetään tietoja '
        'kirjanpitolain edellyttämä vähimmäisaika, jonka jälkeen tiedot tuhotaan."',
        'retention.period.fi = "asiakassuhteen ajan"',
    )
    changed = make_app(NOTICE_FILE=notice_file(tmp_path, maintenance, during))
    page = text(signed_in(changed, "aino@wprod.fi", ADMIN_PASSWORD).get(PAGE))
    assert "are not in the notice's text and are not marked as additions" in page
    assert (
        "Recipient “Server monitoring provider”, name: "
        "The notice does not use these words: ylläpidon" in page
    )
    assert (
        "Data category “Basic customer data”, how long it is kept: "
        "The notice does not say this about how long data are kept." in page
    )


def test_the_swedish_translations_facts_are_checked_against_its_own_text(admin, make_app, tmp_path):
    """Issue 10, item 8: what the Swedish fields say, the Swedish sections must say too; the
    Finnish original is checked as before."""
    page = text(admin.get(PAGE))
    assert "The Swedish translation was checked the same way against its own text." in page
    maintenance = (
        'name.sv = "Leverantören av serverövervakning"',
        'name.sv = "Leverantören av nätverksunderhåll"',
    )
    changed = make_app(NOTICE_FILE=notice_file(tmp_path, maintenance))
    page = text(signed_in(changed, "aino@wprod.fi", ADMIN_PASSWORD).get(PAGE))
    assert "The Swedish translation states facts that its own text does not." in page
    assert (
        "Recipient “Server monitoring provider”, name: "
        "The notice does not use these words: nätverksunderhåll" in page
    )
    assert "are not in the notice's text and are not marked as additions" not in page


def test_a_retention_setting_that_overrides_the_notice_is_pointed_out(admin, make_app):
    changed = make_app(REQUEST_RETENTION_DAYS=400)
    page = text(signed_in(changed, "aino@wprod.fi", ADMIN_PASSWORD).get(PAGE))
    assert "for 400 days (REQUEST_RETENTION_DAYS), not for the period stated below" in page


# Where people see them -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", ["Tietosuojapyyntöjen käsittely ja säilytys", "kolme vuotta pyynnön sulkemisesta"]),
        ("en", ["Handling and keeping records of data protection requests", "three years"]),
        ("sv", ["Behandling och förvaring av uppgifter om dataskyddsärenden", "tre år från"]),
    ],
)
def test_the_public_notice_page_marks_the_additions_apart_from_the_notice(
    client, language, expected
):
    page = client.get("/privacy-notice", headers={"Accept-Language": language})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    article_end = body.index("</article>")
    additions = body.index('id="additions"')
    # The notice's own text comes first, the additions after it, each marked.
    assert article_end < additions
    assert body.count('class="addition-mark"') == 7
    for phrase in expected:
        assert body.index(phrase) > additions
    # The notice's §5 as the controller wrote it is untouched.
    assert "kirjanpitolain edellyttämä vähimmäisaika" in body[:article_end] or language != "fi"
    # A translation says the same, in its own words (issue 10, item 8).
    assert "bokföringslagen kräver" in body[:article_end] or language != "sv"


def test_the_copy_of_the_data_marks_and_lists_the_additions(app, make_user, make_request, db):
    from tests.integration.test_access_package import fetch, generate, packages, zip_of

    make_user(
        email="ville@wprod.fi",
        name="Ville Kärpijoki",
        role=Role.STAFF,
        password=STAFF_PASSWORD,
        locale="en",
    )
    staff = signed_in(app, "ville@wprod.fi", STAFF_PASSWORD)
    person = make_user(email="maija@example.fi", name="Maija Meikäläinen", locale="en")
    request_id = make_request(person, kind=RequestKind.ACCESS)

    ticket = text(staff.get(f"/staff/requests/{request_id}"))
    assert "The package's information also states facts the privacy notice does not" in ticket
    assert "How long accounting records are kept" in ticket

    generate(staff, request_id)
    [package] = packages(db)
    archive = zip_of(
        fetch(staff, f"/staff/requests/{request_id}/access-package/{package.id}/download")
    )
    info = json.loads(archive.read("data.json"))["information"]
    additions = {a["key"]: a for a in info["controller_additions"]}
    assert len(additions) == 7
    assert "data_categories.privacy_requests" in additions["request_records"]["covers"]
    assert (
        "data_categories.books.retention.after_erasure"
        in (additions["erasure_exceptions"]["covers"])
    )
    assert additions["automated_decisions"]["statement"].startswith("We make no decisions")

    report = archive.read("report.html").decode()
    assert 'id="additions"' in report
    assert "What our privacy notice does not state" in report
    assert "Handling and keeping records of data protection requests" in report
    # (h) is marked: "no automated decisions" is the controller's word, not the notice's.
    automated = report[report.index("No automated decision-making") :]
    assert automated.index("addition to the notice") < automated.index("</p>")
    # A period the notice states word for word is not marked; the request records' is.
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", report, re.S)
    marked = {name: "addition to the notice" in kept for name, kept in rows}
    assert marked["Basic customer data"] is False
    assert marked["Records of data protection requests"] is True
    assert marked["Accounting books"] is True
