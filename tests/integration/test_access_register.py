"""The register's records in the copy of the data (issue 11, item 4; GDPR Art. 15(1), 15(3),
15(4)): Aino Virtanen's access request yields a package holding her services and invoices from
the demo register, what is held but not shown and why, and no one else's rows; an impostor with
her customer number gets none of her rows.
"""

from __future__ import annotations

import io
import json
import zipfile

from portal.models import AccessPackage
from tests.conftest import link_in, path_of, sign_in, submit
from tests.integration import test_identity as identity_tests
from tests.integration.test_identity import AINO, ATTACKER, PASSWORD, ask, generate_and_release

# The demo register and the signed-in contact person, as the identity tests set them up.
register_files = identity_tests.register_files
app_settings = identity_tests.app_settings
staff = identity_tests.staff


def package_data(db, request_id, client) -> tuple[dict, str]:
    """data.json and report.html of the request's latest copy, as staff download it."""
    db.session.expire_all()
    package = (
        db.session.query(AccessPackage)
        .filter(AccessPackage.request_id == request_id)
        .order_by(AccessPackage.id.desc())
        .first()
    )
    response = client.get(f"/staff/requests/{request_id}/access-package/{package.id}/download")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    return json.loads(archive.read("data.json")), archive.read("report.html").decode()


def databases(data) -> dict:
    return {s["system"]: s for s in data["systems"] if s["connection"] == "database"}


def test_ainos_copy_holds_her_services_and_invoices_and_no_one_elses(
    app, make_user, mailbox, deliver, staff, db
):
    request_id = ask(app, make_user, mailbox, deliver, AINO, customer_number="10001")
    released = generate_and_release(staff, request_id, db)
    assert released.status_code == 302

    data, report = package_data(db, request_id, staff)
    found = databases(data)
    assert found["panel"]["state"] == "found" and found["billing"]["state"] == "found"
    panel, billing = found["panel"]["tables"], found["billing"]["tables"]
    [customer] = panel["customers"]
    assert str(customer["customer_number"]) == "10001" and customer["email"] == AINO
    assert {s["domain"] for s in panel["services"]} >= {"ainovirtanen.example"}
    assert len(billing["invoices"]) >= 3
    # One invoice older than the Accounting Act's six years is still held, so it is disclosed.
    assert min(i["issued_on"] for i in billing["invoices"]) < "2020-01-01"
    # Held, not shown, with the reason.
    held = {h["column"]: h["reason"] for h in found["panel"]["held_not_disclosed"]}
    assert "panel_users.password_hash" in held
    everything = json.dumps(data)
    assert 'password_hash": ' not in everything
    # Nobody else's rows: not the namesake, not the company whose contact is someone else.
    assert "virtanen-koski" not in everything.lower()
    numbers = {str(c["customer_number"]) for c in panel["customers"] + billing["billing_customers"]}
    assert numbers == {"10001"}
    # The report shows the same tables to the person, in their language.
    assert "Tiedot, jotka asiakasrekisterissämme on sinusta" in report
    assert "ainovirtanen.example" in report
    assert "Tallennettu vain yksisuuntaisena tiivisteenä." in report

    # The requester downloads it; the audit trail has counts, not values.
    from sqlalchemy import select

    from portal.models import AuditEvent

    [generated] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.request_id == request_id, AuditEvent.action == "access_package.generated"
        )
    ).all()
    assert generated.details["registers"]["billing"]["rows"]["invoices"] == len(billing["invoices"])
    assert AINO not in json.dumps(generated.details)
    aino = app.test_client()
    assert sign_in(aino, AINO, PASSWORD).status_code == 302
    deliver()
    ready = [m for m in mailbox.to(AINO) if "kopio" in m["Subject"].lower()]
    assert ready, [m["Subject"] for m in mailbox.to(AINO)]
    assert aino.get(path_of(link_in(ready[-1], f"/requests/{request_id}"))).status_code == 200


def test_an_impostors_copy_holds_none_of_the_customers_rows(
    app, make_user, mailbox, deliver, staff, db
):
    request_id = ask(app, make_user, mailbox, deliver, ATTACKER, customer_number="10001")
    ticket = f"/staff/requests/{request_id}"
    assert submit(staff, f"{ticket}/access-package", page=ticket).status_code == 302

    data, report = package_data(db, request_id, staff)
    for entry in databases(data).values():
        assert entry["state"] == "not_found" and entry["tables"] == {}
    everything = json.dumps(data)
    assert AINO not in everything
    assert "ainovirtanen.example" not in everything and "ainovirtanen.example" not in report
