"""login throttle

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 03:00:00.000000

Adds ``login_known_client``: the clients (a keyed hash of the address) that signed in
to an account recently, which pass the account's failure limit with the right password.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_known_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_known_client_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_known_client')),
    sa.UniqueConstraint('user_id', 'client_hash', name=op.f('uq_login_known_client_user_id_client_hash'))
    )
    with op.batch_alter_table('login_known_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_known_client_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_known_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_known_client_user_id'))
    op.drop_table('login_known_client')
