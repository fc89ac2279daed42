"""Impostor guard, first step: the identifiers a requester gives (customer number, username,
business ID) are searchable in the queue, and the ticket warns when another account's request
gives the same one (GDPR Art. 12(6): the controller must be sure who is asking)."""

from __future__ import annotations

import pytest

from portal.models import RequestKind, SubjectRequest

WARNING_FI = "Tarkista, kuka kysyy"


@pytest.fixture
def with_identifiers(db):
    def give(request_id: int, **identifiers) -> str:
        subject_request = db.session.get(SubjectRequest, request_id)
        for column, value in identifiers.items():
            setattr(subject_request, column, value)
        db.session.commit()
        return subject_request.reference

    return give


def test_the_ticket_warns_when_another_account_gave_the_same_customer_number(
    staff_client, make_request, make_user, with_identifiers
):
    customer = make_user(email="asiakas@example.fi", name="Oikea Asiakas")
    impostor = make_user(email="huijari@example.org", name="Oikea Asiakas")
    genuine = with_identifiers(make_request(customer, RequestKind.ERASURE), customer_number="10042")
    suspect_id = make_request(impostor, RequestKind.ACCESS)
    with_identifiers(suspect_id, customer_number=" 10042 ")

    page = staff_client.get(f"/staff/requests/{suspect_id}").get_data(as_text=True)

    assert WARNING_FI in page
    warning = page[page.index('id="shared-identifiers"') :].split("</div>")[0]
    assert genuine in warning
    assert "asiakas@example.fi" in warning
    assert "Asiakasnumero 10042" in warning


def test_no_warning_for_the_same_persons_own_requests_or_other_numbers(
    staff_client, make_request, make_user, with_identifiers
):
    customer = make_user(email="asiakas@example.fi", name="Oikea Asiakas")
    other = make_user(email="toinen@example.fi", name="Toinen Asiakas")
    with_identifiers(make_request(customer, RequestKind.ERASURE), username="oikea")
    with_identifiers(make_request(other, RequestKind.ERASURE), username="toinen")
    second_id = make_request(customer, RequestKind.ACCESS)
    with_identifiers(second_id, username="OIKEA")

    page = staff_client.get(f"/staff/requests/{second_id}").get_data(as_text=True)

    assert WARNING_FI not in page


@pytest.mark.parametrize(
    ("column", "value", "search"),
    [
        ("customer_number", "10042", "1004"),
        ("username", "maija_wp", "MAIJA_WP"),
        ("business_id", "1234567-8", "1234567"),
    ],
)
def test_the_queue_finds_requests_by_their_identifiers(
    staff_client, make_request, with_identifiers, column, value, search
):
    wanted = with_identifiers(make_request(kind=RequestKind.ACCESS), **{column: value})
    unrelated = with_identifiers(make_request(kind=RequestKind.ACCESS), **{column: "99"})

    page = staff_client.get("/staff/", query_string={"q": search}).get_data(as_text=True)

    assert wanted in page
    assert unrelated not in page
