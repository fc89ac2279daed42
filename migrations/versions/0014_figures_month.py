"""figures of ended months: the controller's figures of each month that has ended, kept with a
fingerprint of the month's requests; receipt and closure indexed with the time of the last change,
from which the fingerprint is read

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figures_month',
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('timezone', 'month', name=op.f('pk_figures_month'))
    )
    # Plain CREATE/DROP INDEX, not batch mode: rebuilding subject_request on SQLite would drop the
    # request search's triggers (0013).
    op.create_index('ix_subject_request_received_at_updated_at', 'subject_request', ['received_at', 'updated_at'], unique=False)
    op.create_index('ix_subject_request_closed_at_updated_at', 'subject_request', ['closed_at', 'updated_at'], unique=False)
    op.drop_index('ix_subject_request_received_at', table_name='subject_request')
    op.drop_index('ix_subject_request_closed_at', table_name='subject_request')


def downgrade():
    op.create_index('ix_subject_request_closed_at', 'subject_request', ['closed_at'], unique=False)
    op.create_index('ix_subject_request_received_at', 'subject_request', ['received_at'], unique=False)
    op.drop_index('ix_subject_request_closed_at_updated_at', table_name='subject_request')
    op.drop_index('ix_subject_request_received_at_updated_at', table_name='subject_request')
    op.drop_table('figures_month')
