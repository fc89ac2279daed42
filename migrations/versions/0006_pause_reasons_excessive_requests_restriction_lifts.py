"""why the clock pauses, fees and refusals of manifestly unfounded or excessive requests, and
restrictions lifted in two steps

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:06:59.534706

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

PAUSE_REASON = sa.Enum('identity', 'clarification', 'fee', name='pause_reason')


def upgrade():
    op.create_table('excessive_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.Enum('fee', 'refusal', name='excessive_measure'), nullable=False),
    sa.Column('ground', sa.Enum('repetitive', 'manifestly_unfounded', 'excessive', name='excessive_ground'), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=True),
    sa.Column('payment_instructions', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_excessive_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['payment_recorded_by_id'], ['user_account.id'], name=op.f('fk_excessive_decision_payment_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_excessive_decision_request_id_subject_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excessive_decision'))
    )
    with op.batch_alter_table('excessive_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excessive_decision_request_id'), ['request_id'], unique=False)

    op.create_table('excessive_evidence',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['excessive_decision.id'], name=op.f('fk_excessive_evidence_decision_id_excessive_decision')),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_excessive_evidence_request_id_subject_request')),
    sa.PrimaryKeyConstraint('decision_id', 'request_id', name=op.f('pk_excessive_evidence'))
    )

    op.create_table('restriction_lift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_how', sa.Enum('notice_delivered', 'no_address', 'delivery_failed', 'cancelled', name='lift_end'), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user_account.id'], name=op.f('fk_restriction_lift_ended_by_id_user_account')),
    sa.ForeignKeyConstraint(['notice_id'], ['outbox_message.id'], name=op.f('fk_restriction_lift_notice_id_outbox_message')),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_restriction_lift_request_id_subject_request')),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_restriction_lift_started_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_restriction_lift_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restriction_lift'))
    )
    with op.batch_alter_table('restriction_lift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restriction_lift_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_restriction_lift_user_id'), ['user_id'], unique=False)

    # add_column does not create a PostgreSQL enum type the way create_table does. Pauses from
    # before keep no reason: nobody recorded why they were asked for.
    PAUSE_REASON.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', PAUSE_REASON, nullable=True))


def downgrade():
    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.drop_column('reason')

    with op.batch_alter_table('restriction_lift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restriction_lift_user_id'))
        batch_op.drop_index(batch_op.f('ix_restriction_lift_request_id'))

    op.drop_table('restriction_lift')
    op.drop_table('excessive_evidence')
    with op.batch_alter_table('excessive_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excessive_decision_request_id'))

    op.drop_table('excessive_decision')

    # PostgreSQL keeps enum types after their columns and tables are gone.
    for name in ('pause_reason', 'lift_end', 'excessive_ground', 'excessive_measure'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
