"""The counts of requests per status that the lists and tabs show (request_status_count, kept by
triggers, migration 0016) equal the requests themselves after every kind of change: the portal's
own paths, plain SQL, a status written back unchanged, deletion; and on PostgreSQL after two
staff members move requests between the same two statuses in opposite directions at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text, update

from portal.models import RequestStatusCount, SubjectRequest
from tests.integration.conftest import ticket


def _kept(db) -> dict[str, int]:
    rows = db.session.execute(select(RequestStatusCount.status, RequestStatusCount.n)).all()
    return {status: n for status, n in rows if n}


def _counted(db) -> dict[str, int]:
    rows = db.session.execute(
        select(SubjectRequest.status, func.count()).group_by(SubjectRequest.status)
    ).all()
    return {status.value: n for status, n in rows}


def test_counts_follow_every_change(app, db, make_request, staff_client):
    ids = [make_request(received_days_ago=days) for days in (1, 2, 3, 4)]
    unconfirmed = make_request(confirmed=False)
    db.session.commit()
    assert _kept(db) == _counted(db) == {"open": 4, "unconfirmed": 1}

    # Closed through the ticket page, as staff do.
    refused = {"outcome": "refused", "reasons": "Perustelut: ei tietoja."}
    response = ticket(staff_client, ids[0], "resolve", refused)
    assert response.status_code == 302
    db.session.expire_all()
    assert _kept(db) == _counted(db)
    assert _kept(db)["closed"] == 1

    # Plain SQL, as an operator's script would: the triggers count it all the same.
    db.session.execute(
        update(SubjectRequest).where(SubjectRequest.id == ids[1]).values(status="waiting")
    )
    # Written back unchanged (a lock's no-op update): no count moves.
    db.session.execute(
        update(SubjectRequest).where(SubjectRequest.id == ids[2]).values(status="open")
    )
    db.session.commit()
    assert _kept(db) == _counted(db) == {"open": 2, "waiting": 1, "closed": 1, "unconfirmed": 1}

    db.session.execute(text("DELETE FROM request_search WHERE 1 = 0"))  # the other triggers stay
    db.session.delete(db.session.get(SubjectRequest, unconfirmed))
    db.session.commit()
    assert _kept(db) == _counted(db) == {"open": 2, "waiting": 1, "closed": 1}


def test_the_lists_and_tabs_show_the_kept_counts(app, db, make_request, staff_client):
    for days in range(1, 6):
        make_request(received_days_ago=days)
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert 'Avoimet <span class="tab-count">5</span>' in html
    assert "5 pyyntöä" in html
    # A count the triggers did not write shows here: the list and its tab read the table.
    db.session.execute(
        update(RequestStatusCount).where(RequestStatusCount.status == "open").values(n=7)
    )
    db.session.commit()
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert 'Avoimet <span class="tab-count">7</span>' in html
    assert "7 pyyntöä" in html
    # Narrowed by anything but status, the list counts its own requests.
    assert "5 pyyntöä" in staff_client.get("/staff/?kind=erasure").get_data(as_text=True)


def test_opposite_moves_at_once_neither_deadlock_nor_miscount(app, db, db_backend, make_request):
    """Two staff members at once, one moving requests open -> waiting and the other
    waiting -> open, then back, a transaction each: every move takes both count rows, and on
    PostgreSQL it takes them in key order, so two moves never hold one row each while waiting
    for the other's (a deadlock would fail one of them)."""
    if not db_backend.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    from portal.extensions import db as database

    first = [make_request(received_days_ago=days) for days in range(1, 11)]
    second = [make_request(received_days_ago=days) for days in range(11, 21)]
    db.session.execute(
        update(SubjectRequest).where(SubjectRequest.id.in_(second)).values(status="waiting")
    )
    db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def move(ids: list[int], statuses: tuple[str, str]) -> None:
        try:
            with app.app_context(), database.engine.connect() as connection:
                start.wait(timeout=10)
                for round_ in range(10):
                    status = statuses[round_ % 2]
                    for request_id in ids:
                        with connection.begin():
                            connection.execute(
                                update(SubjectRequest)
                                .where(SubjectRequest.id == request_id)
                                .values(status=status)
                            )
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=move, args=(first, ("waiting", "open"))),
        threading.Thread(target=move, args=(second, ("open", "waiting"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()
    # Ten rounds: each ends where it began.
    assert _kept(db) == _counted(db) == {"open": 10, "waiting": 10}


def test_the_migration_counts_the_requests_already_stored(app, db, make_request):
    """Migration 0016 counts in the requests stored before it (downgraded and upgraded again
    here with requests in place; tests/integration/test_setup.py does both on an empty
    database)."""
    from flask_migrate import downgrade, upgrade

    from portal.extensions import db as database

    for days in (1, 2, 3):
        make_request(received_days_ago=days)
    make_request(confirmed=False)
    db.session.commit()
    db.session.close()
    with app.app_context():
        downgrade(revision="0015")
        upgrade()
        database.session.remove()
        database.engine.dispose()
    assert _kept(db) == _counted(db) == {"open": 3, "unconfirmed": 1}
