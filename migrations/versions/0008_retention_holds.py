"""retention holds: rows of the controller's systems kept after an erasure because a law requires
it, with the system, table, key, the notice's category and the last day they are kept

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('system_key', sa.String(length=64), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_key', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('kept_until', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_how', sa.Enum('deleted', 'gone', name='hold_end'), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_retention_hold_request_id_subject_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_hold'))
    )
    with op.batch_alter_table('retention_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_hold_kept_until'), ['kept_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_retention_hold_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('retention_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_hold_request_id'))
        batch_op.drop_index(batch_op.f('ix_retention_hold_kept_until'))

    op.drop_table('retention_hold')

    # PostgreSQL keeps enum types after their tables are gone.
    sa.Enum(name='hold_end').drop(op.get_bind(), checkfirst=True)
