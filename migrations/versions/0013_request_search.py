"""request search: one row per request with its reference, its requester's name and email and
the identifiers given on it, kept by triggers and indexed for substrings (FTS5 trigram on SQLite,
pg_trgm GIN on PostgreSQL); the requests already stored are written in

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The fields, in SQL of each backend; char(31)/chr(31) keeps a search from matching across two.
SQLITE_HAYSTACK = (
    "lower(coalesce({r}.reference, '') || char(31) || coalesce({r}.customer_number, '') || char(31)"
    " || coalesce({r}.username, '') || char(31) || coalesce({r}.business_id, '') || char(31)"
    " || coalesce({u}.name, '') || char(31) || coalesce({u}.email, ''))"
)
POSTGRES_HAYSTACK = (
    "lower(concat_ws(chr(31), {r}.reference, {r}.customer_number, {r}.username, {r}.business_id,"
    " {u}.name, {u}.email))"
)


def _sqlite_upgrade():
    # SQLite drops a table's triggers with it: a later migration that rebuilds subject_request or
    # user_account in batch mode (move-and-copy) must create these triggers again
    # (tests/integration/test_request_search.py fails if the index stops following changes).
    haystack_new = SQLITE_HAYSTACK.format(r="new", u="u")
    op.execute("CREATE VIRTUAL TABLE request_search USING fts5(haystack, tokenize = 'trigram')")
    op.execute(
        "CREATE TRIGGER request_search_insert AFTER INSERT ON subject_request BEGIN "
        f"INSERT INTO request_search (rowid, haystack) SELECT new.id, {haystack_new} "
        "FROM user_account u WHERE u.id = new.requester_id; END"
    )
    op.execute(
        "CREATE TRIGGER request_search_update AFTER UPDATE OF reference, customer_number, username,"
        " business_id, requester_id ON subject_request BEGIN "
        "DELETE FROM request_search WHERE rowid = old.id; "
        f"INSERT INTO request_search (rowid, haystack) SELECT new.id, {haystack_new} "
        "FROM user_account u WHERE u.id = new.requester_id; END"
    )
    op.execute(
        "CREATE TRIGGER request_search_delete AFTER DELETE ON subject_request BEGIN "
        "DELETE FROM request_search WHERE rowid = old.id; END"
    )
    haystack_account = SQLITE_HAYSTACK.format(r="r", u="new")
    op.execute(
        "CREATE TRIGGER request_search_account AFTER UPDATE OF name, email ON user_account BEGIN "
        "DELETE FROM request_search WHERE rowid IN "
        "(SELECT id FROM subject_request WHERE requester_id = new.id); "
        f"INSERT INTO request_search (rowid, haystack) SELECT r.id, {haystack_account} "
        "FROM subject_request r WHERE r.requester_id = new.id; END"
    )
    op.execute(
        "INSERT INTO request_search (rowid, haystack) SELECT r.id, "
        f"{SQLITE_HAYSTACK.format(r='r', u='u')} "
        "FROM subject_request r JOIN user_account u ON u.id = r.requester_id"
    )


def _postgres_upgrade():
    connection = op.get_bind()
    # pg_trgm is one per database (a trusted extension since PostgreSQL 13): made if missing and
    # never dropped here, since other schemas in the database may use it too. Two migrations at
    # once (two test runs, two deploys) may both find it missing: the second's failure is undone.
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.IntegrityError:
        pass
    trgm_schema = connection.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    quoted_schema = connection.dialect.identifier_preparer.quote(trgm_schema)
    op.execute(
        "CREATE TABLE request_search ("
        " request_id INTEGER NOT NULL PRIMARY KEY"
        " REFERENCES subject_request (id) ON DELETE CASCADE,"
        " haystack TEXT NOT NULL)"
    )
    op.execute(
        "CREATE INDEX ix_request_search_haystack ON request_search "
        f"USING gin (haystack {quoted_schema}.gin_trgm_ops)"
    )
    op.execute(
        "CREATE FUNCTION request_search_of_request() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "INSERT INTO request_search (request_id, haystack) "
        f"SELECT NEW.id, {POSTGRES_HAYSTACK.format(r='NEW', u='u')} "
        "FROM user_account u WHERE u.id = NEW.requester_id "
        "ON CONFLICT (request_id) DO UPDATE SET haystack = EXCLUDED.haystack; "
        "RETURN NEW; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER request_search_insert AFTER INSERT ON subject_request "
        "FOR EACH ROW EXECUTE FUNCTION request_search_of_request()"
    )
    # Only a change of a searched field rewrites the row (a lock's no-op UPDATE does not).
    op.execute(
        "CREATE TRIGGER request_search_update AFTER UPDATE OF reference, customer_number,"
        " username, business_id, requester_id ON subject_request FOR EACH ROW WHEN ("
        " OLD.reference IS DISTINCT FROM NEW.reference"
        " OR OLD.customer_number IS DISTINCT FROM NEW.customer_number"
        " OR OLD.username IS DISTINCT FROM NEW.username"
        " OR OLD.business_id IS DISTINCT FROM NEW.business_id"
        " OR OLD.requester_id IS DISTINCT FROM NEW.requester_id)"
        " EXECUTE FUNCTION request_search_of_request()"
    )
    op.execute(
        "CREATE FUNCTION request_search_of_account() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "UPDATE request_search s "
        f"SET haystack = {POSTGRES_HAYSTACK.format(r='r', u='NEW')} "
        "FROM subject_request r WHERE r.requester_id = NEW.id AND s.request_id = r.id; "
        "RETURN NEW; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER request_search_account AFTER UPDATE OF name, email ON user_account "
        "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)"
        " EXECUTE FUNCTION request_search_of_account()"
    )
    op.execute(
        "INSERT INTO request_search (request_id, haystack) SELECT r.id, "
        f"{POSTGRES_HAYSTACK.format(r='r', u='u')} "
        "FROM subject_request r JOIN user_account u ON u.id = r.requester_id"
    )


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete", "account"):
            op.execute(f"DROP TRIGGER request_search_{trigger}")
        op.execute("DROP TABLE request_search")
        return
    op.execute("DROP TRIGGER request_search_account ON user_account")
    op.execute("DROP TRIGGER request_search_update ON subject_request")
    op.execute("DROP TRIGGER request_search_insert ON subject_request")
    op.execute("DROP FUNCTION request_search_of_account()")
    op.execute("DROP FUNCTION request_search_of_request()")
    op.execute("DROP TABLE request_search")
