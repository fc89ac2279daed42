"""The compact ticket page (issue 13, item 6) and its cost (issue 14): one composer with one
action open at a time, chosen by links that work without JavaScript; a submission that comes
back opens its own form again with the text kept; the Art. 19 block only for the rights it
applies to; and an SQL statement count that does not grow with the ticket's history."""

from __future__ import annotations

import re

import pytest

from portal.models import RequestKind, RequestStatus, SubjectRequest
from tests.integration.conftest import ticket
from tests.integration.pages import sql_statements

FORM_IDS = (
    "reply",
    "note",
    "ask",
    "resume",
    "fee-paid",
    "extend",
    "assign",
    "resolve",
    "excessive",
)


def page_of(client, request_id: int, query: str = "") -> str:
    response = client.get(f"/staff/requests/{request_id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def open_forms(html: str) -> list[str]:
    """The action forms the page holds (the composer's, by their ids)."""
    return [key for key in FORM_IDS if re.search(rf'<form [^>]*id="{key}"', html)]


def tabs(html: str) -> list[str]:
    return re.findall(r'href="/staff/requests/\d+\?compose=([a-z-]+)#composer"', html)


def test_one_action_open_at_a_time_and_each_reachable_by_a_link(staff_client, make_request):
    request_id = make_request()
    html = page_of(staff_client, request_id)
    # An open request starts with the reply; every other action is a link away.
    assert open_forms(html) == ["reply"]
    assert tabs(html) == ["reply", "note", "ask", "extend", "assign", "resolve", "excessive"]
    assert 'aria-current="true">Vastaa' in html
    for key in tabs(html):
        chosen = page_of(staff_client, request_id, f"?compose={key}")
        assert open_forms(chosen) == [key], key
        assert re.search(rf'compose={key}#composer"[^>]*aria-current="true"', chosen)
    # A key the page does not offer falls back to the default.
    assert open_forms(page_of(staff_client, request_id, "?compose=nonsense")) == ["reply"]


def test_each_composer_action_works_without_javascript(staff_client, make_request, db, contact):
    request_id = make_request(kind=RequestKind.ACCESS)

    def act(action: str, data: dict):
        # The form as a browser without scripts gets it: from the page its tab link opens.
        html = page_of(staff_client, request_id, f"?compose={action}")
        state = re.search(r'name="state" value="([^"]+)"', html).group(1)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)
        return staff_client.post(
            f"/staff/requests/{request_id}/{action}",
            data={"csrf_token": token.group(1), "state": state, **data},
        )

    assert act("note", {"body": "Soitin asiakkaalle."}).status_code == 302
    assert act("reply", {"body": "Hei, käsittelemme pyyntöäsi."}).status_code == 302
    assert act("assign", {"assignee": str(contact.id)}).status_code == 302
    assert act("extend", {"months": "2", "reason": "Pyyntöjä on paljon."}).status_code == 302
    assert act("ask", {"body": "Kerro asiakasnumerosi.", "purpose": "identity"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.WAITING
    html = page_of(staff_client, request_id)
    assert "resume" in tabs(html) and "ask" not in tabs(html)
    assert act("resume", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.OPEN
    html = page_of(staff_client, request_id)
    for text in ("Soitin asiakkaalle.", "Hei, käsittelemme pyyntöäsi.", "Pyyntöjä on paljon."):
        assert text in html
    assert act("resolve", {"outcome": "refused", "reasons": "Ei perusteita."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SubjectRequest, request_id).status is RequestStatus.CLOSED
    # Closed: only a note is left to write.
    html = page_of(staff_client, request_id)
    assert tabs(html) == ["note"] and open_forms(html) == ["note"]


def test_a_submission_with_an_error_comes_back_open_with_its_text(staff_client, make_request):
    request_id = make_request()
    response = ticket(staff_client, request_id, "extend", {"months": "2", "reason": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert open_forms(html) == ["extend"]
    assert 'aria-invalid="true"' in html

    long_text = "Tämä teksti säilyy. " + "x" * 10_000
    response = ticket(staff_client, request_id, "note", {"body": long_text})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert open_forms(html) == ["note"]
    assert "Tämä teksti säilyy." in html


def test_a_letter_opens_its_own_action(staff_client, make_request):
    request_id = make_request(kind=RequestKind.ERASURE)
    html = page_of(staff_client, request_id, "?letter=resolve.completed.erasure")
    assert open_forms(html) == ["resolve"]
    html = page_of(staff_client, request_id, "?letter=ask.identity")
    assert open_forms(html) == ["ask"]


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        (RequestKind.ERASURE, True),
        (RequestKind.RECTIFICATION, True),
        (RequestKind.RESTRICTION, True),
        (RequestKind.ACCESS, False),
        (RequestKind.MARKETING_OBJECTION, False),
        (RequestKind.CONSENT_WITHDRAWAL, False),
    ],
)
def test_the_art_19_block_only_for_the_rights_it_applies_to(
    staff_client, make_request, kind, shown
):
    from portal.answering import rights

    # GDPR Art. 19 names rectification (Art. 16), erasure (Art. 17(1)) and restriction (Art. 18).
    assert (kind in rights.ART_19_KINDS) is shown
    request_id = make_request(kind=kind)
    html = page_of(staff_client, request_id, "?compose=resolve")
    assert ('id="art19"' in html) is shown
    assert ("recipient-hosting_provider-date" in html) is shown


def _count_statements(app, client, request_id: int) -> list[str]:
    with sql_statements(app) as statements:
        page_of(client, request_id)
    return statements


def test_the_statement_count_does_not_grow_with_the_history(app, staff_client, make_request):
    request_id = make_request(kind=RequestKind.ERASURE)
    ticket(staff_client, request_id, "note", {"body": "Ensimmäinen muistiinpano."})
    before = _count_statements(app, staff_client, request_id)
    # Messages, notes (one with a file), assignments and questions by more than one hand.
    for n in range(6):
        ticket(staff_client, request_id, "reply", {"body": f"Vastaus {n}."})
        ticket(staff_client, request_id, "note", {"body": f"Muistiinpano {n}."})
    from io import BytesIO

    html = page_of(staff_client, request_id, "?compose=note")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    staff_client.post(
        f"/staff/requests/{request_id}/note",
        data={
            "csrf_token": token,
            "body": "Liite mukana.",
            "files": (BytesIO(b"%PDF-1.4 test"), "liite.pdf"),
        },
        content_type="multipart/form-data",
    )
    after = _count_statements(app, staff_client, request_id)
    assert "Liite mukana." in page_of(staff_client, request_id)
    assert len(after) == len(before), "\n".join(after)
    # The whole page, the signed-in session and the erasure panel included (issue 14).
    assert len(after) <= 16, "\n".join(after)
