"""audit events indexed by action and time, and by request and action: the mail sender reads
each message's email.queued event among those of the hour it was queued in, and the register
each request's identity decisions, which the action index and the request index alone served by
reading every email.queued event there is and every event of each request

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX, not batch mode, as in 0014. Each new index begins with the column
    # of the one it replaces, so it serves every lookup the old one served.
    op.create_index('ix_audit_event_action_occurred_at', 'audit_event', ['action', 'occurred_at'], unique=False)
    op.create_index('ix_audit_event_request_id_action', 'audit_event', ['request_id', 'action'], unique=False)
    op.drop_index('ix_audit_event_action', table_name='audit_event')
    op.drop_index('ix_audit_event_request_id', table_name='audit_event')


def downgrade():
    op.create_index('ix_audit_event_request_id', 'audit_event', ['request_id'], unique=False)
    op.create_index('ix_audit_event_action', 'audit_event', ['action'], unique=False)
    op.drop_index('ix_audit_event_request_id_action', table_name='audit_event')
    op.drop_index('ix_audit_event_action_occurred_at', table_name='audit_event')
