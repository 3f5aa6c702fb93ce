"""scoped role assignments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:00:00.000000

Adds ``role_assignment``: a leader of a unit or a municipality, or a municipal
administrator of a municipality (``api.services.scope``). The installation-wide
role stays in ``user.role``; no existing row changes. ``audit_event`` gains the
municipality an event concerns, so a municipal administrator can read their own.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('role_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('(municipality_number IS NULL) <> (unit_id IS NULL)', name=op.f('ck_role_assignment_one_scope')),
    sa.ForeignKeyConstraint(['granted_by'], ['user.id'], name=op.f('fk_role_assignment_granted_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_number'], ['municipality.number'], name=op.f('fk_role_assignment_municipality_number_municipality')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_role_assignment_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_role_assignment_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignment')),
    sa.UniqueConstraint('user_id', 'role', 'scope_key', name=op.f('uq_role_assignment_user_id_role_scope_key'))
    )
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignment_municipality_number'), ['municipality_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignment_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_number', sa.String(length=4), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_municipality_number'), ['municipality_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_municipality_number'))
        batch_op.drop_column('municipality_number')
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignment_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignment_unit_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignment_municipality_number'))
    op.drop_table('role_assignment')
