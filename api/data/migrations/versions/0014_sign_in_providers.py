"""sign-in providers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:30:00.000000

Adds OpenID Connect sign-in: ``sign_in_provider`` (the providers an installation
administrator set up, the client secret sealed), ``sign_in_identity`` (an account's
subject at a provider as a keyed hash, never the identifier) and ``sign_in_requirement``
(a municipality that requires its people to sign in through a provider).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('client_secret', sa.String(length=1000), nullable=False),
    sa.Column('scopes', sa.String(length=500), nullable=False),
    sa.Column('claim_map', sa.Text(), nullable=False),
    sa.Column('municipalities', sa.String(length=2000), nullable=False),
    sa.Column('acr_values', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.String(length=100), nullable=True),
    sa.Column('group_map', sa.Text(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_provider'))
    )
    op.create_table('sign_in_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject_hash', sa.String(length=64), nullable=False),
    sa.Column('group_roles', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['sign_in_provider.id'], name=op.f('fk_sign_in_identity_provider_id_sign_in_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sign_in_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_identity')),
    sa.UniqueConstraint('provider_id', 'subject_hash', name=op.f('uq_sign_in_identity_provider_id_subject_hash'))
    )
    with op.batch_alter_table('sign_in_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_identity_user_id'), ['user_id'], unique=False)
    op.create_table('sign_in_requirement',
    sa.Column('municipality_number', sa.String(length=4), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_number'], ['municipality.number'], name=op.f('fk_sign_in_requirement_municipality_number_municipality')),
    sa.ForeignKeyConstraint(['provider_id'], ['sign_in_provider.id'], name=op.f('fk_sign_in_requirement_provider_id_sign_in_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by'], ['user.id'], name=op.f('fk_sign_in_requirement_set_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('municipality_number', name=op.f('pk_sign_in_requirement'))
    )
    with op.batch_alter_table('sign_in_requirement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_requirement_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_requirement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_requirement_provider_id'))
    op.drop_table('sign_in_requirement')
    with op.batch_alter_table('sign_in_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_identity_user_id'))
    op.drop_table('sign_in_identity')
    op.drop_table('sign_in_provider')
