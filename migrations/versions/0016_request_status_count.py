"""request status counts: how many requests are in each status, kept by triggers on subject_request
in the same transaction as each insert, change of status and delete, so the lists count exactly
without counting their requests; the requests already stored are counted in

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _sqlite_upgrade():
    # SQLite drops a table's triggers with it: a later migration that rebuilds subject_request in
    # batch mode (move-and-copy) must create these triggers again, as 0013's
    # (tests/integration/test_request_status_count.py fails if the counts stop following).
    add_new = (
        "INSERT INTO request_status_count (status, n) VALUES (new.status, 1) "
        "ON CONFLICT (status) DO UPDATE SET n = n + 1;"
    )
    remove_old = "UPDATE request_status_count SET n = n - 1 WHERE status = old.status;"
    op.execute(
        f"CREATE TRIGGER request_status_count_insert AFTER INSERT ON subject_request BEGIN {add_new} END"
    )
    op.execute(
        "CREATE TRIGGER request_status_count_update AFTER UPDATE OF status ON subject_request "
        f"WHEN old.status IS NOT new.status BEGIN {remove_old} {add_new} END"
    )
    op.execute(
        f"CREATE TRIGGER request_status_count_delete AFTER DELETE ON subject_request BEGIN {remove_old} END"
    )


def _postgres_upgrade():
    # The rows of both statuses are made if missing, then locked in the order of their keys
    # before either changes: two transactions moving requests between the same two statuses in
    # opposite directions take the two locks in the same order, so neither waits for the other
    # while holding what the other needs.
    op.execute(
        "CREATE FUNCTION request_status_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE "
        "old_status text := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN OLD.status::text END; "
        "new_status text := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN NEW.status::text END; "
        "BEGIN "
        "INSERT INTO request_status_count (status, n) "
        "SELECT s, 0 FROM unnest(ARRAY[old_status, new_status]) AS s WHERE s IS NOT NULL "
        "ON CONFLICT (status) DO NOTHING; "
        "PERFORM 1 FROM request_status_count WHERE status IN (old_status, new_status) "
        "ORDER BY status FOR UPDATE; "
        "UPDATE request_status_count SET n = n + CASE WHEN status = new_status THEN 1 ELSE -1 END "
        "WHERE status IN (old_status, new_status); "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER request_status_count_insert AFTER INSERT ON subject_request "
        "FOR EACH ROW EXECUTE FUNCTION request_status_count_change()"
    )
    # A lock's no-op UPDATE, or one that leaves the status as it was, changes no count.
    op.execute(
        "CREATE TRIGGER request_status_count_update AFTER UPDATE OF status ON subject_request "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION request_status_count_change()"
    )
    op.execute(
        "CREATE TRIGGER request_status_count_delete AFTER DELETE ON subject_request "
        "FOR EACH ROW EXECUTE FUNCTION request_status_count_change()"
    )


def upgrade():
    op.create_table('request_status_count',
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', name=op.f('pk_request_status_count'))
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_upgrade()
    else:
        _postgres_upgrade()
    # Counted in after the triggers exist: on PostgreSQL, creating them locked subject_request
    # against writes until this migration commits, so this count sees every request written
    # before and the triggers count every one written after.
    status = "status" if sqlite else "status::text"
    op.execute(
        f"INSERT INTO request_status_count (status, n) SELECT {status}, count(*) "
        "FROM subject_request GROUP BY status"
    )


def downgrade():
    for trigger in ("insert", "update", "delete"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER request_status_count_{trigger}")
        else:
            op.execute(f"DROP TRIGGER request_status_count_{trigger} ON subject_request")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION request_status_count_change()")
    op.drop_table('request_status_count')
