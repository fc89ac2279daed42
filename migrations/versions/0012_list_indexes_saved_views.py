"""list indexes and saved views: the queue's and the other lists' orders as indexes (status with
due date, with receipt, with assignee or type and due date; receipt; closure), the staff list by role and name, and
each staff member's saved views of the queue

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('view_name', sa.String(length=16), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_saved_view_staff_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view')),
    sa.UniqueConstraint('staff_id', 'name', name='uq_saved_view_staff_name')
    )
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_view_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.create_index('ix_subject_request_status_due_on', ['status', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_subject_request_status_received_at', ['status', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_subject_request_status_assignee_id', ['status', 'assignee_id', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_subject_request_status_kind', ['status', 'kind', 'due_on', 'id'], unique=False)
        batch_op.create_index('ix_subject_request_received_at', ['received_at'], unique=False)
        batch_op.create_index('ix_subject_request_closed_at', ['closed_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index('ix_user_account_role_name', ['role', 'name'], unique=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index('ix_user_account_role_name')

    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_request_closed_at')
        batch_op.drop_index('ix_subject_request_received_at')
        batch_op.drop_index('ix_subject_request_status_kind')
        batch_op.drop_index('ix_subject_request_status_assignee_id')
        batch_op.drop_index('ix_subject_request_status_received_at')
        batch_op.drop_index('ix_subject_request_status_due_on')

    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_view_staff_id'))

    op.drop_table('saved_view')
