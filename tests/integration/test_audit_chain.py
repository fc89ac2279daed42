"""The audit trail is tamper-evident (GDPR Art. 5(2)): every event is chained by SHA-256 to the one
before it, `flask audit verify` names the first event that was changed, inserted or removed, and
retention anonymisation (Art. 5(1)(e)) leaves every chain verifiable."""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, RequestKind, SubjectRequest
from portal.models.audit import AuditChainHead
from tests.integration.conftest import ticket
from tests.integration.test_retention import answered, upload_dir, years_ago  # noqa: F401


def verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def chain_events(db, request_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq)
    ).all()


def sql(db, statement: str, **params) -> None:
    """A change made around the portal, as someone with database access would make it."""
    db.session.execute(sa.text(statement), params)
    db.session.commit()


@pytest.fixture
def worked(make_request, staff_client):
    """A request with a reply, a note and a question: a chain of some length."""
    request_id = make_request(kind=RequestKind.ACCESS)
    ticket(staff_client, request_id, "reply", {"body": "Kokoamme tietojasi."})
    ticket(staff_client, request_id, "note", {"body": "Tarkista laskutus."})
    ticket(staff_client, request_id, "note", {"body": "Laskutus tarkistettu."})
    return request_id


def test_every_event_is_chained_to_the_one_before_it(worked, db, runner):
    events = chain_events(db, worked)
    assert len(events) >= 6
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.chain for e in events} == {f"request:{worked}"}
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.chain_hash
    head = db.session.get(AuditChainHead, f"request:{worked}")
    assert (head.seq, head.last_event_id, head.last_hash) == (
        events[-1].seq,
        events[-1].id,
        events[-1].chain_hash,
    )
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "The audit trail verifies" in result.output
    # The staff member's sign-in is on their own account's chain.
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.chain.like("user:%")))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"status": ["open", "closed"]}'),
        ("action", "request.note"),
        ("body", "Toinen teksti."),
        ("actor_id", None),
        ("public", "the opposite"),
    ],
)
def test_an_edit_with_plain_sql_names_the_event(worked, db, runner, column, value):
    events = chain_events(db, worked)
    target = next(e for e in events[2:-1] if e.body) if column == "body" else events[2]
    if column == "public":
        value = not target.public
    # The column name comes from the fixed list above; the values are bound.
    statement = f"UPDATE audit_event SET {column} = :value WHERE id = :id"  # noqa: S608
    sql(db, statement, value=value, id=target.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"The first: event {target.id} (chain request:{worked}, position {target.seq})" in (
        result.output
    )
    # The next events are not blamed for it.
    assert "1 break(s)" in result.output


def test_a_deleted_event_in_the_middle_is_named_by_the_next(worked, db, runner):
    events = chain_events(db, worked)
    gone, (following, position) = events[3].seq, (events[4].id, events[4].seq)
    sql(db, "DELETE FROM audit_event WHERE id = :id", id=events[3].id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"event {following} (chain request:{worked}, position {position})" in result.output
    assert f"position {gone} before it are missing" in result.output


def test_a_deleted_newest_event_is_named_by_the_head(worked, db, runner):
    newest = chain_events(db, worked)[-1]
    newest_id, position = newest.id, newest.seq
    sql(db, "DELETE FROM audit_event WHERE id = :id", id=newest_id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"The first: event {newest_id} (chain request:{worked}, position {position})" in (
        result.output
    )
    assert "the newest event(s) are missing" in result.output


def test_an_event_inserted_around_the_portal_is_named(worked, db, runner):
    sql(
        db,
        "INSERT INTO audit_event (occurred_at, action, public, details, request_id) "
        "VALUES (:at, 'request.closed', :public, '{}', :rid)",
        at=chain_events(db, worked)[-1].occurred_at,
        public=False,
        rid=worked,
    )
    forged = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    result = verify(runner)
    assert result.exit_code == 1
    assert f"event {forged}" in result.output and "not chained" in result.output


def test_verify_gives_each_chains_newest_hash(worked, db, app):
    """Someone who rewrites a whole chain and its head leaves nothing to compare with inside the
    database; the newest hashes are for keeping elsewhere (the case file carries its chain's)."""
    from portal.audit import verify as verify_chains

    with app.app_context():
        before = verify_chains([f"request:{worked}"])
    assert (
        before.ok and before.heads[f"request:{worked}"] == chain_events(db, worked)[-1].chain_hash
    )


def test_retention_anonymisation_keeps_the_chain_verifiable(answered, runner, db):  # noqa: F811
    request_id = answered(years_ago(3) - timedelta(days=1))
    assert verify(runner).exit_code == 0
    result = runner.invoke(args=["requests", "purge"])
    assert "anonymised 1 request" in result.output
    events = chain_events(db, request_id)
    assert not any(e.body for e in events)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert int(re.search(r"\((\d+) with bodies", result.output).group(1)) > 0
    # A kept fact of an anonymised event is still covered: changing the outcome shows.
    resolved = next(e for e in events if e.details.get("outcome"))
    sql(
        db,
        "UPDATE audit_event SET details = :value WHERE id = :id",
        value='{"outcome": "completed"}',
        id=resolved.id,
    )
    result = verify(runner)
    assert result.exit_code == 1 and f"event {resolved.id}" in result.output


def test_blanking_a_body_of_a_request_not_anonymised_shows(worked, db, runner):
    """Only retention may blank bodies, and only of an anonymised request's chain."""
    target = next(e for e in chain_events(db, worked) if e.body)
    sql(db, "UPDATE audit_event SET body = NULL, details = '{}' WHERE id = :id", id=target.id)
    result = verify(runner)
    assert result.exit_code == 1 and f"event {target.id}" in result.output


def test_the_orm_refuses_to_change_an_event(worked, app):
    from portal.extensions import db as portal_db

    with app.app_context():
        event = portal_db.session.scalars(sa.select(AuditEvent).limit(1)).one()
        event.action = "forged"
        with pytest.raises(RuntimeError, match="append-only"):
            portal_db.session.flush()
        portal_db.session.rollback()


# Concurrency -----------------------------------------------------------------------------------

WRITERS = 6
ROUNDS = 5


def test_concurrent_appends_never_fork_a_chain(app, make_request, db, runner, db_backend):
    """Writers in their own threads and connections append to one request's chain and to the
    portal's own chain at once, each holding its transaction open a moment after the append:
    every event gets its own position, each links to the one before, nothing fails."""
    from portal import audit
    from portal.extensions import db as portal_db

    request_id = make_request()
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for round_ in range(ROUNDS):
                    request = portal_db.session.get(SubjectRequest, request_id)
                    audit.record("test.append", request=request, writer=n, round=round_)
                    audit.record("test.portal", writer=n, round=round_)
                    portal_db.session.flush()
                    # Another writer arriving now must wait for this commit, not fork.
                    time.sleep(0.01)
                    portal_db.session.commit()
                portal_db.session.remove()
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    for name, where in (
        (f"request:{request_id}", AuditEvent.action == "test.append"),
        ("portal", AuditEvent.action == "test.portal"),
    ):
        db.session.expire_all()
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.chain == name).order_by(AuditEvent.seq)
        ).all()
        assert len([e for e in events if e.action.startswith("test.")]) == WRITERS * ROUNDS
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        prevs = [e.prev_hash for e in events]
        assert len(prevs) == len(set(prevs)), "two events chained to one predecessor"
        assert db.session.scalar(sa.select(sa.func.count()).where(where)) == WRITERS * ROUNDS
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_verify_while_a_chain_grows_sees_no_break(app, make_request, runner, db_backend):
    """Heads and events are read as of one moment: a chain appended to while it is checked is
    whole at that moment, not broken (on PostgreSQL; SQLite has one writer at a time)."""
    from portal import audit
    from portal.extensions import db as portal_db

    if db_backend.startswith("sqlite"):
        pytest.skip("PostgreSQL: readers and writers at once")
    request_id = make_request()
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with app.app_context():
                while not stop.is_set():
                    request = portal_db.session.get(SubjectRequest, request_id)
                    audit.record("test.append", request=request)
                    audit.record("test.portal")
                    portal_db.session.commit()
                portal_db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        results = []
        for _ in range(15):
            with app.app_context():
                results.append(audit.verify())
                portal_db.session.remove()
    finally:
        stop.set()
        writer.join(30)
    assert not errors, errors
    assert [str(b) for r in results for b in r.breaks] == []
    assert results[-1].events > results[0].events  # it did grow meanwhile


# Events stored before the chain ----------------------------------------------------------------


def test_events_stored_before_the_chain_are_chained_by_the_migration(db_backend, tmp_path):
    from flask_migrate import upgrade

    from portal import audit, create_app
    from portal.extensions import db as portal_db

    if db_backend.startswith("sqlite"):
        url, schema = f"sqlite:///{tmp_path / 'chain.sqlite3'}", None
    else:
        schema = f"chain_{secrets.token_hex(4)}"
        engine = sa.create_engine(db_backend)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = db_backend.rsplit("search_path%3D", 1)[0] + f"search_path%3D{schema}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade(revision="0010")
            with portal_db.engine.begin() as connection:
                for n, (body, details) in enumerate(
                    [
                        (
                            "Hei, poistakaa tietoni.",
                            '{"to": "maija@example.fi", "kind": "erasure"}',
                        ),
                        (None, "{}"),
                        ("Å ä ö – ✓", '{"files": 2, "nested": {"b": [1, 2.5, null], "a": true}}'),
                    ]
                ):
                    connection.execute(
                        sa.text(
                            "INSERT INTO audit_event (occurred_at, action, public, body, details)"
                            " VALUES (:at, :action, :public, :body, :details)"
                        ),
                        {
                            "at": f"2025-0{n + 1}-01 10:00:00.123456+00:00",
                            "action": f"old.{n}",
                            "public": bool(n % 2),
                            "body": body,
                            "details": details,
                        },
                    )
            upgrade()
            result = audit.verify()
            assert result.ok, result.breaks
            assert (result.events, result.chains) == (3, 1)
            # New events continue the old chain.
            audit.record("new.event")
            portal_db.session.commit()
            assert (
                portal_db.session.scalar(
                    sa.select(AuditEvent.seq).where(AuditEvent.action == "new.event")
                )
                == 4
            )
            assert audit.verify().ok
            portal_db.session.remove()
            portal_db.engine.dispose()
    finally:
        if schema:
            engine = sa.create_engine(db_backend)
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
