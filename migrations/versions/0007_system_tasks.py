"""tasks for the owners of the systems the portal cannot reach itself: the owner's name and
address as they were, what was asked, the single-use link, the answer and the reminders

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 01:46:29.165023

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('system_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('system_key', sa.String(length=64), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('owner_email', sa.String(length=254), nullable=False),
    sa.Column('owner_locale', sa.String(length=8), nullable=False),
    sa.Column('asked', sa.Enum('export', 'confirm', name='task_ask'), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('link_jti', sa.String(length=64), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Enum('done', 'no_data', 'cannot', name='task_answer'), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('answer_event_id', sa.Integer(), nullable=True),
    sa.Column('reminded_week_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answer_event_id'], ['audit_event.id'], name=op.f('fk_system_task_answer_event_id_audit_event')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_system_task_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_system_task_request_id_subject_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_task')),
    sa.UniqueConstraint('link_jti', name=op.f('uq_system_task_link_jti'))
    )
    with op.batch_alter_table('system_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_system_task_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('system_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_system_task_request_id'))

    op.drop_table('system_task')

    # PostgreSQL keeps enum types after their tables are gone.
    for name in ('task_ask', 'task_answer'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
