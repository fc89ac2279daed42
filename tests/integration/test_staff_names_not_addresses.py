"""Who handled a request is named, not addressed: the case file's report for the supervisory
authority and the requester's copy of their data name the staff member where the record stores
their address (issue 13, items 4 and 6). A staff member's own address is theirs to give; the only
staff address either document prints is the contact person's, which the privacy notice publishes
(GDPR Art. 13(1)(b))."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.models import AccessPackage, AuditEvent, RequestKind, Role
from tests.conftest import sign_in, submit
from tests.integration.conftest import STAFF_PASSWORD, ticket

SANNA = "sanna.sihteeri@wprod.fi"
REQUESTER_PASSWORD = "kettu juoksee metsässä"


@pytest.fixture
def assigned(app, make_user, make_request, staff_client, deliver):
    """An access request the contact person gave to a colleague, who then got the requester's
    message by email and answered it."""
    sanna = make_user(email=SANNA, name="Sanna Sihteeri", role=Role.STAFF, password=STAFF_PASSWORD)
    requester = make_user(email="maija@example.fi", name="Maija Meikäläinen")
    request_id = make_request(requester, kind=RequestKind.ACCESS)
    response = ticket(staff_client, request_id, "assign", {"assignee": str(sanna.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    maija = app.test_client()
    assert sign_in(maija, "maija@example.fi", REQUESTER_PASSWORD).status_code == 302
    response = submit(
        maija,
        f"/requests/{request_id}/reply",
        {"body": "Ottakaa mukaan myös laskut."},
        page=f"/requests/{request_id}",
    )
    assert response.status_code == 302
    ticket(staff_client, request_id, "reply", {"body": "Kokoamme tietojasi."})
    deliver()
    return request_id


def test_the_case_file_report_names_the_staff_it_stores_addresses_of(assigned, staff_client, db):
    response = staff_client.get(f"/staff/requests/{assigned}/case-file")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    report = archive.read("report.html").decode()
    # The record keeps the addresses as they were (the chain covers them) ...
    case = json.loads(archive.read("case.json"))
    [assignment] = [e for e in case["events"] if e["action"] == "request.assigned"][-1:]
    assert assignment["details"]["assignee"] == ["ville@wprod.fi", SANNA]
    assert any(m["to"] == SANNA for m in case["emails"])
    # ... and the report for the authority names the people.
    assert SANNA not in report
    assert "Käsittelijä vaihdettiin: Ville Kärpijoki → Sanna Sihteeri." in report
    assert "Sähköposti vastaanottajalle Sanna Sihteeri:" in report
    # The requester's own address stays: the emails went to it.
    assert "maija@example.fi" in report


def test_the_case_file_report_names_no_address_of_a_staff_member_who_left(
    assigned, staff_client, db
):
    """A staff member whose account is gone is "a staff member", not an address."""
    from portal.models import User

    sanna = db.session.scalar(sa.select(User).where(User.email == SANNA))
    sanna.email = "entinen@wprod.fi"
    db.session.commit()
    response = staff_client.get(f"/staff/requests/{assigned}/case-file")
    report = zipfile.ZipFile(io.BytesIO(response.get_data())).read("report.html").decode()
    response.close()
    assert SANNA not in report
    assert "Ville Kärpijoki → henkilökuntamme jäsen" in report


def test_the_requesters_copy_of_their_data_names_no_staff_address(assigned, staff_client, db):
    response = submit(
        staff_client,
        f"/staff/requests/{assigned}/access-package",
        page=f"/staff/requests/{assigned}",
    )
    assert response.status_code == 302
    package = db.session.scalar(sa.select(AccessPackage))
    response = staff_client.get(f"/staff/requests/{assigned}/access-package/{package.id}/download")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert SANNA not in everything
    # The staff-only steps stay out of the requester's copy altogether.
    assert (
        db.session.scalar(
            sa.select(AuditEvent.public).where(AuditEvent.action == "request.assigned").limit(1)
        )
        is False
    )
    assert "Ottakaa mukaan myös laskut." in everything
