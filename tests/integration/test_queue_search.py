"""The queue's search finds what was typed: LIKE's wildcards in it are only characters."""

from __future__ import annotations


def test_wildcards_typed_into_the_search_are_searched_for_as_they_are(
    app, staff_client, make_user, make_request
):
    from portal.extensions import db
    from portal.models import SubjectRequest

    literal = make_request(make_user(email="aino_v@example.fi", name="Aino V"))
    lookalike = make_request(make_user(email="ainoxv@example.fi", name="Aino X"))
    with app.app_context():
        references = {
            rid: db.session.get(SubjectRequest, rid).reference for rid in (literal, lookalike)
        }

    found = staff_client.get("/staff/?q=aino_v").get_data(as_text=True)
    assert references[literal] in found and references[lookalike] not in found
    # "%" alone matches every row as a wildcard; as a character it is in no address here.
    everything = staff_client.get("/staff/?q=%25").get_data(as_text=True)
    assert all(reference not in everything for reference in references.values())
    # A backslash is a character too, not an escape.
    assert staff_client.get("/staff/?q=%5C").status_code == 200


def _references_on(client, path: str) -> list[str]:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.findall(r'href="/staff/requests/\d+">([^<]+)</a>', html)


def test_a_search_is_looked_up_once_a_page_and_a_wide_one_lists_the_same(
    app, staff_client, make_user, make_request, monkeypatch
):
    """The page, its count and its tabs are given the search's matches once looked up; a search
    with more matches than are listed as ids (search.LISTED) shows the same page by subquery."""
    from portal.subject_requests import search
    from tests.integration.pages import sql_statements

    for n in range(5):
        make_request(make_user(email=f"lahti{n}@example.fi", name=f"Leena Lahti {n}"))
    make_request(make_user(email="virtanen@example.fi", name="Ville Virtanen"))

    with sql_statements(app) as seen:
        listed = _references_on(staff_client, "/staff/?q=lahti")
    assert len(listed) == 5
    assert len([s for s in seen if "request_search" in s]) == 1

    monkeypatch.setattr(search, "LISTED", 2)
    with sql_statements(app) as seen:
        assert _references_on(staff_client, "/staff/?q=lahti") == listed
    # Too many to list: the lookup, then the search inside the page's own statements.
    assert len([s for s in seen if "request_search" in s]) > 1
