"""The whole journey in a real browser: a customer of the demo register asks for erasure, the
contact person sees that the request came from the register's own address, carries the erasure
out in the register's systems and answers; the customer reads what was kept and until when."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.models import Role
from portal.register.demo import build_register
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "kirsikkapuu kukkii keväällä"
STAFF_PASSWORD = "ville pitää kirjaa kaikesta"
AINO = "aino.virtanen@example.com"


def open_latest_mail(page, subject_part: str) -> None:
    page.goto("/dev/mailbox/")
    page.get_by_role("link", name=re.compile(subject_part)).first.click()
    page.locator(".mail-body a").first.click()


def test_erasure_request_from_registration_to_answer(
    app, browser, live_server, make_user, deliver, tmp_path
):
    # The demo WProd register, with Aino Virtanen (customer 10001) in the panel and the billing
    # program, as the portal's database systems.
    panel, billing = f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    build_register(panel, billing, today=date.today(), customers=20)
    app.config.update(WPROD_PANEL_DATABASE_URL=panel, WPROD_BILLING_DATABASE_URL=billing)
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    person = browser.new_context(base_url=live_server, locale="fi-FI").new_page()
    person.set_default_timeout(15000)

    # A person registers and confirms their address from the mailbox.
    person.goto("/register")
    person.get_by_label("Nimi", exact=True).fill("Aino Virtanen")
    person.get_by_label("Sähköpostiosoite").fill(AINO)
    person.get_by_label("Salasana", exact=True).fill(PASSWORD)
    person.get_by_label("Salasana uudelleen").fill(PASSWORD)
    person.get_by_label("Olen lukenut tietosuojaselosteen.").check()
    person.get_by_role("button", name="Luo tili").click()
    deliver()
    open_latest_mail(person, "Vahvista sähköpostiosoitteesi")
    person.get_by_role("button", name="Vahvista sähköpostiosoitteeni").click()
    sign_in(person, AINO, PASSWORD)

    # They ask for erasure and confirm the request from the mailbox.
    person.get_by_role("link", name="Tee pyyntö").first.click()
    person.get_by_role("link", name="Tietojen poistaminen").click()
    person.get_by_label("Mitkä tiedot haluat poistaa ja miksi?").fill(
        "Lopetin asiakkuuden, poistakaa tietoni."
    )
    person.get_by_label("Asiakasnumero").fill("10001")
    person.get_by_role("button", name="Lähetä pyyntö").click()
    reference = person.locator("h1 .reference").inner_text()
    assert re.fullmatch(r"WP-\d{4}-\d{4}", reference)
    deliver()
    open_latest_mail(person, "Vahvista pyyntösi")
    expect(person.locator(".facts")).to_contain_text(reference)
    person.get_by_role("button", name="Vahvista pyyntö").click()
    expect(person.locator(".flash-success")).to_contain_text(reference)
    # The progress line under the heading says when the answer is due.
    due_on = re.search(r"\d{1,2}\.\d{1,2}\.\d{4}", person.locator(".progress-due").inner_text())
    assert due_on, person.locator(".progress-due").inner_text()

    # The contact person finds it at the top of the queue with its due date, replies, resolves.
    deliver()
    staff = browser.new_context(base_url=live_server, locale="fi-FI").new_page()
    staff.set_default_timeout(15000)
    sign_in(staff, "ville@wprod.fi", STAFF_PASSWORD, app)
    staff.get_by_role("link", name="Pyyntöjono").click()
    first_row = staff.locator("table.queue tbody tr").first
    expect(first_row).to_contain_text(reference)
    expect(first_row).to_contain_text(due_on.group(0))
    first_row.get_by_role("link", name=reference).click()
    expect(staff.locator(".facts").first).to_contain_text("10001")
    # The register holds this address for customer 10001: the identity is settled by itself.
    expect(staff.locator("#identity")).to_contain_text(
        "Varmistettu: pyyntö tuli rekisterin omasta yhteysosoitteesta."
    )
    staff.get_by_label("Vastaus pyytäjälle").fill("Poistimme tietonne hosting-palvelusta.")
    staff.get_by_role("button", name="Lähetä vastaus").click()
    expect(staff.locator(".flash-success")).to_be_visible()
    # The person sees the reply on their page.
    person.goto("/requests/")
    person.get_by_role("link", name=reference).click()
    expect(person.locator(".timeline")).to_contain_text("Poistimme tietonne hosting-palvelusta.")

    # The erasure in the register's systems: the plan, its approval, and the portal looking again.
    erasure = staff.locator("#erasure")
    erasure.get_by_role("button", name="Hae järjestelmistä ja tee suunnitelma").click()
    expect(staff.locator("#erasure-billing table.erasure-plan")).to_contain_text("invoices")
    staff.get_by_role("button", name="Hyväksy suunnitelma ja toteuta se").click()
    for key in ("panel", "billing"):
        expect(staff.locator(f"#erasure-{key}")).to_contain_text("Tehty: portaali katsoi uudelleen")
    expect(staff.locator("#erasure")).to_contain_text("Säilytetään poiston jälkeen")
    # The systems reached through a person: nothing to do in them for this customer, said why.
    for key in ("newsletter", "monitoring"):
        system = staff.locator(f"#erasure-{key}")
        system.locator("summary").click()
        system.get_by_label("Miksi täällä ei tarvitse tehdä mitään").fill(
            "Asiakasta ei ole tässä järjestelmässä; tarkistettu hakemalla asiakasnumerolla."
        )
        system.get_by_role("button", name="Kirjaa syy").click()
        expect(staff.locator(f"#erasure-{key}")).to_contain_text("tarkistettu hakemalla")

    # Closing an erasure needs every recipient accounted for (GDPR Art. 19). The composer opens
    # one action at a time: the close form is a tab away.
    staff.locator("#composer").get_by_role("link", name="Sulje pyyntö").click()
    staff.get_by_label("Toteutettu", exact=True).check()
    told_on = (date.today() - timedelta(days=2)).isoformat()
    for key in ("hosting_provider", "billing_software"):
        staff.locator(f"#recipient-{key}-date").fill(told_on)
    staff.locator("#recipient-authorities-reason").fill("Tietoja ei ole luovutettu viranomaisille.")
    staff.get_by_role("button", name="Sulje pyyntö").click()
    expect(staff.locator(".status").first).to_contain_text("Vastattu")

    # The account is gone, so the person reads the outcome in their email: what was erased
    # and what the law keeps.
    person.goto("/requests/")
    expect(person).to_have_url(re.compile("/login"))
    deliver()
    person.goto("/dev/mailbox/")
    person.get_by_role("link", name=re.compile(f"Vastaus pyyntöösi {reference}")).first.click()
    body = person.locator(".mail-body")
    expect(body).to_contain_text("Poistimme tästä portaalista tilisi")
    expect(body).to_contain_text("Kirjanpitolaki")
    # What the register keeps, from the erasure as carried out: the invoices, with their days.
    expect(body).to_contain_text("Järjestelmissämme säilytämme sinusta nämä tiedot")
    expect(body).to_contain_text(
        re.compile(r"Laskutusohjelma: \d+ tietuetta \(Laskut, [^)]*\) 31\.12\.\d{4} asti")
    )
