"""email

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:07:12.372651

E-mail (issue 14 item 2): the outbox of messages (ids only, rendered when sent), e-mail
preferences (reminders unsubscribed, a leader's completion notices), completion deadlines
per municipality or unit, and "Glemt passord" requests for their rate limits (keyed hashes).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('password_reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_hash', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request'))
    )
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_request_account_hash'), ['account_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_client_hash'), ['client_hash'], unique=False)

    op.create_table('completion_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(municipality_number IS NULL) <> (unit_id IS NULL)', name=op.f('ck_completion_deadline_one_scope')),
    sa.ForeignKeyConstraint(['municipality_number'], ['municipality.number'], name=op.f('fk_completion_deadline_municipality_number_municipality')),
    sa.ForeignKeyConstraint(['set_by'], ['user.id'], name=op.f('fk_completion_deadline_set_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_completion_deadline_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completion_deadline')),
    sa.UniqueConstraint('scope_key', name=op.f('uq_completion_deadline_scope_key'))
    )
    with op.batch_alter_table('completion_deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completion_deadline_municipality_number'), ['municipality_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_completion_deadline_unit_id'), ['unit_id'], unique=False)

    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_email_outbox_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_email_outbox_key'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_outbox_user_id'), ['user_id'], unique=False)

    op.create_table('email_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reminders_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unit_completion_notices', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_email_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_preference'))
    )


def downgrade() -> None:
    op.drop_table('email_preference')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_user_id'))

    op.drop_table('email_outbox')
    with op.batch_alter_table('completion_deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completion_deadline_unit_id'))
        batch_op.drop_index(batch_op.f('ix_completion_deadline_municipality_number'))

    op.drop_table('completion_deadline')
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_request_client_hash'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_at'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_account_hash'))

    op.drop_table('password_reset_request')
