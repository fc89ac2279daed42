"""The queue's search through its own index (issue 14): it finds a request by each field staff
search by, follows every change of those fields without anyone updating it by hand, treats what
was typed as text, and costs the same few SQL statements however many requests it finds."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from portal.models import SubjectRequest, User
from tests.integration.pages import sql_statements


def _reference(app, request_id: int) -> str:
    from portal.extensions import db

    with app.app_context():
        return db.session.get(SubjectRequest, request_id).reference


def _found(client, typed: str, view: str = "") -> str:
    response = client.get(f"/staff/{view}", query_string={"q": typed})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def aino(app, make_user, make_request):
    """A request that gives every identifier, beside one from someone else."""
    from portal.extensions import db

    request_id = make_request(make_user(email="aino.ahonen@example.fi", name="Äijälä Ahonen"))
    other_id = make_request(make_user(email="pekka@example.fi", name="Pekka Puu"))
    with app.app_context():
        db.session.execute(
            update(SubjectRequest)
            .where(SubjectRequest.id == request_id)
            .values(customer_number="AS-40177", username="aino_hosting", business_id="1234567-8")
        )
        db.session.commit()
    return request_id, other_id


@pytest.mark.parametrize(
    "typed",
    [
        "aino.ahonen@example.fi",  # the whole address
        "ahonen@exa",  # part of it
        "ÄIJÄLÄ",  # the name, in capitals beyond ASCII
        "jälä ahon",  # across the space inside the name
        "as-40177",  # customer number
        "aino_hosting",  # username, with LIKE's wildcard in it
        "1234567-8",  # business ID
        "40",  # two characters: fewer than an index of three-character pieces holds
    ],
)
def test_each_field_staff_search_by_finds_the_request(app, staff_client, aino, typed):
    request_id, other_id = aino
    page = _found(staff_client, typed)
    assert _reference(app, request_id) in page
    assert _reference(app, other_id) not in page


def test_the_reference_finds_its_request(app, staff_client, aino):
    request_id, other_id = aino
    reference = _reference(app, request_id)
    page = _found(staff_client, reference.lower())
    assert reference in page and _reference(app, other_id) not in page


def test_a_search_never_matches_across_two_fields(app, staff_client, aino):
    """The end of the name and the start of the address are two fields, not one text."""
    request_id, _ = aino
    assert _reference(app, request_id) not in _found(staff_client, "ahonenaino")
    assert _reference(app, request_id) not in _found(staff_client, "ahonen aino")


def test_the_index_follows_a_changed_name_address_and_identifier(app, staff_client, aino):
    """Changed by any path, plain SQL included: the database keeps the index, not the code."""
    from portal.extensions import db

    request_id, _ = aino
    reference = _reference(app, request_id)
    with app.app_context():
        requester_id = db.session.get(SubjectRequest, request_id).requester_id
        db.session.execute(
            text("UPDATE user_account SET email = :email, name = :name WHERE id = :id"),
            {"email": "aino.uusi@example.fi", "name": "Aino Uusinimi", "id": requester_id},
        )
        db.session.execute(
            text("UPDATE subject_request SET customer_number = :number WHERE id = :id"),
            {"number": "AS-99", "id": request_id},
        )
        db.session.commit()
    for typed in ("aino.uusi@", "uusinimi", "as-99"):
        assert reference in _found(staff_client, typed)
    # What the record no longer says finds it no more.
    for typed in ("aino.ahonen", "äijälä", "as-40177"):
        assert reference not in _found(staff_client, typed)


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '" OR "',
        "aino*",
        "NEAR(aino pekka)",
        "a' OR '1'='1",
        "^",
        "--",
        "%_%",
        "\\\\",
        "ö" * 200,
    ],
)
def test_search_syntax_typed_is_only_text(app, staff_client, aino, typed):
    """Full-text and SQL syntax in the search box is searched for as characters: no error, and
    it finds no request whose fields do not contain it."""
    request_id, other_id = aino
    page = _found(staff_client, typed)
    assert _reference(app, request_id) not in page
    assert _reference(app, other_id) not in page


def test_search_works_in_the_closed_and_unconfirmed_views(
    app, staff_client, make_user, make_request
):
    from portal.extensions import db
    from portal.models import RequestStatus

    closed = make_request(make_user(email="suljettu@example.fi", name="Suvi Suljettu"))
    unconfirmed = make_request(
        make_user(email="vahvistamaton@example.fi", name="Veera V"), confirmed=False
    )
    with app.app_context():
        db.session.execute(
            update(SubjectRequest)
            .where(SubjectRequest.id == closed)
            .values(status=RequestStatus.CLOSED)
        )
        db.session.commit()
    assert _reference(app, closed) in _found(staff_client, "suljettu", "closed")
    assert _reference(app, closed) not in _found(staff_client, "suljettu")
    assert _reference(app, unconfirmed) in _found(staff_client, "vahvistamaton", "unconfirmed")


def test_search_costs_the_same_statements_for_one_match_or_thirty(
    app, staff_client, make_user, make_request
):
    """Issue 14 item 3: the statements a search page runs do not grow with what it finds."""

    def statements(typed: str) -> int:
        with sql_statements(app) as seen:
            _found(staff_client, typed)
        return len(seen)

    make_request(make_user(email="yksi@hakutesti.fi", name="Yksi"))
    for n in range(30):
        make_request(make_user(email=f"moni{n}@monihaku.fi", name=f"Moni {n}"))
    one = statements("yksi@hakutesti")
    many = statements("monihaku")
    assert one == many


def test_the_requester_table_is_searched_through_the_index(app, db_backend):
    """The plan reads the search index, not every account (the point of issue 14's search)."""
    from portal.extensions import db
    from portal.subject_requests import search

    with app.test_request_context():
        query = search.matching_ids("aino.ahonen@example.fi")
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        backend = db.engine.dialect.name
        prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
        if backend == "postgresql":
            # A table this small is read whole unless told otherwise; the index must be usable.
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(
            str(row[-1]) for row in db.session.execute(text(prefix + str(compiled))).all()
        )
        db.session.rollback()
    assert User.__tablename__ not in plan
    if backend == "sqlite":
        assert "VIRTUAL TABLE INDEX" in plan
    else:
        assert "ix_request_search_haystack" in plan


def test_an_address_is_matched_whole_though_the_index_is_asked_for_its_first_part(
    app, staff_client, make_user, make_request
):
    """The index is asked for "aino@" (a domain is in thousands of rows); the rest of the address
    still has to match."""
    here = make_request(make_user(email="aino@example.fi", name="Aino Yksi"))
    elsewhere = make_request(make_user(email="aino@toinen.fi", name="Aino Kaksi"))
    page = _found(staff_client, "AINO@example.fi")
    assert _reference(app, here) in page
    assert _reference(app, elsewhere) not in page
    both = _found(staff_client, "aino@")
    assert _reference(app, here) in both and _reference(app, elsewhere) in both
