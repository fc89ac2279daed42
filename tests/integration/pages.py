"""What a requester and the contact person do through the pages, shared by the tests of the
register's systems (identity, the copy of the data, erasure); and the SQL statements a page runs."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.models import Role
from tests.conftest import csrf_token, link_in, path_of, sign_in, submit

PASSWORD = "kirsikkapuu kukkii keväällä"
STAFF_PASSWORD = "ville pitää kirjaa kaikesta"


def signed_in_contact_person(app, make_user):
    """The contact person the notice names, signed in (with the second factor) on a client."""
    make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )
    client = app.test_client()
    assert sign_in(client, "ville@wprod.fi", STAFF_PASSWORD).status_code == 302
    return client


def ask_through_pages(
    app, make_user, mailbox, deliver, email, kind, description, **identifiers
) -> int:
    """An account with ``email`` asks through the request form and confirms through the emailed
    link, as a requester does; returns the request's id."""
    make_user(email=email, name="Aino Virtanen", password=PASSWORD)
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    page = client.get(f"/requests/new/{kind}").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/requests/new/{kind}",
        data={
            "csrf_token": csrf_token(page),
            "submission_key": key,
            "description": description,
            **identifiers,
        },
    )
    assert response.status_code == 302
    deliver()
    link = path_of(link_in(mailbox.to(email)[-1], "/requests/confirm/"))
    assert submit(client, link).status_code == 302
    deliver()
    return int(response.headers["Location"].split("?")[0].rstrip("/").split("/")[-1])


@contextmanager
def sql_statements(app):
    """The SQL statements the app's engine runs inside the block, in order (issue 14: a page's
    count must not grow with the number of requests, rows or events)."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def remember(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def query_plans(app, run, table: str) -> list[list[str]]:
    """The database's plan of each statement on ``table`` that ``run()`` makes, line by line,
    asked with the statement's own parameters. On PostgreSQL the small test tables would be
    read whole whatever the indexes; sequential scans are ruled out so that the plan shows
    which index the database would use."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
        seen: list[tuple] = []

        def remember(_connection, _cursor, statement, parameters, *_args):
            if table in statement:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", remember)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        postgresql = engine.dialect.name == "postgresql"
        plans = []
        with engine.connect() as connection:
            if postgresql:
                connection.exec_driver_sql("SET enable_seqscan = off")
            prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
            for statement, parameters in seen:
                rows = connection.exec_driver_sql(prefix + statement, parameters).all()
                plans.append([str(row[-1]) for row in rows])
    return plans
