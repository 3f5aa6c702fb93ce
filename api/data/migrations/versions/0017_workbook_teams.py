"""workbook teams

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:10:00.000000

Adds ``workbook_revision`` (who wrote what: each turn of writing in a step with its
author; what was saved before becomes each step's first turn) and
``project_invitation`` (colleagues invited into a team project).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workbook_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('field_values', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_workbook_revision_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['workbook_entry.id'], name=op.f('fk_workbook_revision_entry_id_workbook_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workbook_revision'))
    )
    with op.batch_alter_table('workbook_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workbook_revision_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workbook_revision_entry_id'), ['entry_id'], unique=False)
    # What was saved before this revision becomes each step's first turn, by its saver.
    op.execute(
        "INSERT INTO workbook_revision (entry_id, revision, field_values, author_id,"
        " started_at, saved_at) SELECT id, revision, field_values, updated_by, updated_at,"
        " updated_at FROM workbook_entry"
    )

    op.create_table('project_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('invitee_id', sa.Integer(), nullable=False),
    sa.Column('invited_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by'], ['user.id'], name=op.f('fk_project_invitation_invited_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitee_id'], ['user.id'], name=op.f('fk_project_invitation_invitee_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_invitation_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_invitation')),
    sa.UniqueConstraint('project_id', 'invitee_id', name=op.f('uq_project_invitation_project_id_invitee_id'))
    )
    with op.batch_alter_table('project_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_invitation_invitee_id'), ['invitee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_invitation_invitee_id'))
    op.drop_table('project_invitation')
    with op.batch_alter_table('workbook_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workbook_revision_entry_id'))
        batch_op.drop_index(batch_op.f('ix_workbook_revision_author_id'))
    op.drop_table('workbook_revision')
