"""project workbook

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:00:00.000000

Adds ``project`` (a learner's innovation project; one personal project per learner),
``project_member`` (who may read and write it) and ``workbook_entry`` (a project's
answers to one workbook step, with a revision against overwriting).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=True),
    sa.Column('personal_owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_number'], ['municipality.number'], name=op.f('fk_project_municipality_number_municipality')),
    sa.ForeignKeyConstraint(['personal_owner_id'], ['user.id'], name=op.f('fk_project_personal_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('personal_owner_id', name=op.f('uq_project_personal_owner_id'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_municipality_number'), ['municipality_number'], unique=False)

    op.create_table('project_member',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_member_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_project_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_project_member'))
    )
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_member_user_id'), ['user_id'], unique=False)

    op.create_table('workbook_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=80), nullable=False),
    sa.Column('field_values', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_workbook_entry_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_workbook_entry_updated_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workbook_entry')),
    sa.UniqueConstraint('project_id', 'step_id', name=op.f('uq_workbook_entry_project_id_step_id'))
    )
    with op.batch_alter_table('workbook_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workbook_entry_updated_by'), ['updated_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workbook_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workbook_entry_updated_by'))
    op.drop_table('workbook_entry')
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_member_user_id'))
    op.drop_table('project_member')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_municipality_number'))
    op.drop_table('project')
