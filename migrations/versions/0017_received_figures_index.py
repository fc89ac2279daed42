"""requests received counted from an index: receipt and the time of the last change indexed with
the type, channel and period, so the figures count a month's received requests without reading
them (about 25 ms a month of 8,000 on SQLite, a few now)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX, not batch mode, as in 0014: a batch rebuild of subject_request on
    # SQLite would drop the triggers of 0013 and 0016.
    op.create_index('ix_subject_request_received_figures', 'subject_request', ['received_at', 'updated_at', 'kind', 'channel', 'period_months'], unique=False)
    op.drop_index('ix_subject_request_received_at_updated_at', table_name='subject_request')


def downgrade():
    op.create_index('ix_subject_request_received_at_updated_at', 'subject_request', ['received_at', 'updated_at'], unique=False)
    op.drop_index('ix_subject_request_received_figures', table_name='subject_request')
