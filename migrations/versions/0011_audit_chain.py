"""audit chain: each audit event chained by SHA-256 to the one before it in its chain (one per
request, per account, and one for the rest), with digests of its body and details, and the head
of each chain; the events already stored are chained here, oldest first

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from portal.models.audit import GENESIS, as_stored, canonical, chain_of, link_hash, kept_details, sha256
from portal.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The events as this migration sees them (not the model, which may change later).
events = sa.table(
    'audit_event',
    sa.column('id', sa.Integer()),
    sa.column('occurred_at', UTCDateTime()),
    sa.column('actor_id', sa.Integer()),
    sa.column('subject_user_id', sa.Integer()),
    sa.column('request_id', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('public', sa.Boolean()),
    sa.column('body', sa.Text()),
    sa.column('details', sa.JSON()),
    sa.column('chain', sa.String()),
    sa.column('seq', sa.Integer()),
    sa.column('body_digest', sa.String()),
    sa.column('details_digest', sa.String()),
    sa.column('prev_hash', sa.String()),
    sa.column('chain_hash', sa.String()),
)
heads = sa.table(
    'audit_chain_head',
    sa.column('chain', sa.String()),
    sa.column('seq', sa.Integer()),
    sa.column('last_event_id', sa.Integer()),
    sa.column('last_hash', sa.String()),
)
BATCH = 1000


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('body_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('details_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_audit_event_chain_seq', ['chain', 'seq'], unique=True)

    # The events stored so far, chained as they stand now (bodies already blanked by retention
    # are chained blank): from here on any change shows. Oldest first within each chain.
    connection = op.get_bind()
    tips: dict[str, tuple[int, str, int]] = {}
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(events).where(events.c.id > last_id).order_by(events.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            chain = chain_of(row.request_id, row.subject_user_id)
            seq, prev, _ = tips.get(chain, (0, GENESIS, 0))
            seq += 1
            details = as_stored(row.details)
            body_digest = sha256(row.body or '')
            details_digest = sha256(canonical(details))
            chain_hash = link_hash(
                prev_hash=prev, chain=chain, seq=seq, event_id=row.id,
                occurred_at=row.occurred_at, actor_id=row.actor_id,
                subject_user_id=row.subject_user_id, request_id=row.request_id,
                action=row.action, public=bool(row.public), kept=kept_details(details),
                body_digest=body_digest, details_digest=details_digest,
            )
            connection.execute(
                events.update().where(events.c.id == row.id).values(
                    chain=chain, seq=seq, body_digest=body_digest,
                    details_digest=details_digest, prev_hash=prev, chain_hash=chain_hash,
                )
            )
            tips[chain] = (seq, chain_hash, row.id)
        last_id = rows[-1].id
    for chain, (seq, last_hash, last_event_id) in tips.items():
        connection.execute(
            heads.insert().values(
                chain=chain, seq=seq, last_event_id=last_event_id, last_hash=last_hash
            )
        )


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_chain_seq')
        batch_op.drop_column('chain_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('details_digest')
        batch_op.drop_column('body_digest')
        batch_op.drop_column('seq')
        batch_op.drop_column('chain')
    op.drop_table('audit_chain_head')
