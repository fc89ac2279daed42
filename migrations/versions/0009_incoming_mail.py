"""incoming mail: each message read from the privacy mailbox once (mailbox, UIDVALIDITY and UID;
Message-ID), its arrival, sender, subject, text, attachment names, the raw message kept as
evidence (cut at INBOX_MAX_BYTES) and what staff decided

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 03:06:51.154693

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incoming_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=300), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('in_reply_to', sa.Text(), nullable=True),
    sa.Column('references', sa.Text(), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrival_source', sa.Enum('internaldate', 'date_header', 'fetched', name='arrival_source'), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('automatic', sa.String(length=32), nullable=True),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('raw_size', sa.BigInteger(), nullable=False),
    sa.Column('stored_size', sa.Integer(), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw_truncated', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('defects', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('new', 'joined', 'made_request', 'not_request', 'waiting', name='incoming_state'), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_incoming_message_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['subject_request.id'], name=op.f('fk_incoming_message_request_id_subject_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incoming_message')),
    sa.UniqueConstraint('mailbox', 'uidvalidity', 'uid', name='uq_incoming_message_mailbox_uid'),
    sa.UniqueConstraint('message_id', name=op.f('uq_incoming_message_message_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_incoming_message_storage_key'))
    )
    with op.batch_alter_table('incoming_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_message_arrived_at'), ['arrived_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_message_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incoming_message_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('incoming_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_message_state'))
        batch_op.drop_index(batch_op.f('ix_incoming_message_request_id'))
        batch_op.drop_index(batch_op.f('ix_incoming_message_arrived_at'))

    op.drop_table('incoming_message')

    # PostgreSQL keeps enum types after their tables are gone.
    sa.Enum(name='arrival_source').drop(op.get_bind(), checkfirst=True)
    sa.Enum(name='incoming_state').drop(op.get_bind(), checkfirst=True)
