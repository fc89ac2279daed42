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
