"""subject requests, pauses, ticket events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:05:52.731930

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subject_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('access', 'rectification', 'erasure', 'restriction', 'objection', 'marketing_objection', 'consent_withdrawal', name='request_kind'), nullable=False),
    sa.Column('status', sa.Enum('unconfirmed', 'lapsed', 'open', 'waiting', 'closed', 'withdrawn', name='request_status'), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('particular_situation', sa.Text(), nullable=True),
    sa.Column('customer_number', sa.String(length=64), nullable=True),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('business_id', sa.String(length=32), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_months', sa.Integer(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('completed', 'partially_completed', 'refused', name='request_outcome'), nullable=True),
    sa.Column('outcome_reasons', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_subject_request_assignee_id_user_account')),
    sa.ForeignKeyConstraint(['requester_id'], ['user_account.id'], name=op.f('fk_subject_request_requester_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_request')),
    sa.UniqueConstraint('reference', name=op.f('uq_subject_request_reference')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_subject_request_submission_key'))
    )
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_request_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_request_status'), ['status'], unique=False)

    op.create_table('request_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_request_pause_request_id_subject_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_pause'))
    )
    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_pause_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        # Existing events (account events) are internal.
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_request_id'), ['request_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_request_id_subject_request'), 'subject_request', ['request_id'], ['id'], ondelete='SET NULL')

def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_request_id_subject_request'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_event_request_id'))
        batch_op.drop_column('body')
        batch_op.drop_column('public')
        batch_op.drop_column('request_id')

    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_pause_request_id'))

    op.drop_table('request_pause')
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_request_status'))
        batch_op.drop_index(batch_op.f('ix_subject_request_requester_id'))
        batch_op.drop_index(batch_op.f('ix_subject_request_due_on'))
        batch_op.drop_index(batch_op.f('ix_subject_request_assignee_id'))

    op.drop_table('subject_request')
    for name in ('request_outcome', 'request_status', 'request_kind'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
