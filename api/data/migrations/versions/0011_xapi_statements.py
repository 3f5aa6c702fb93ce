"""xapi statements

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 02:00:00.000000

Adds ``xapi_outbox``: the xAPI statements made at learning events (one row per
event), kept until the learning record store has them, and after, for the learner's
personal data export.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('xapi_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('statements', sa.Text(), nullable=False),
    sa.Column('statement_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_xapi_outbox_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_outbox'))
    )
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_outbox_unsent', ['sent_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_outbox_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_xapi_outbox_user_id'))
        batch_op.drop_index('ix_xapi_outbox_unsent')
    op.drop_table('xapi_outbox')
