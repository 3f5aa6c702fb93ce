"""project review

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:10:00.000000

Adds ``project_review``: a project's plan or one step submitted to a leader or the
instructors, with the reviewer's comments per step and the decision.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('project_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=80), nullable=True),
    sa.Column('reviewer_kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revisions', sa.Text(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_review_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['user.id'], name=op.f('fk_project_review_reviewed_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user.id'], name=op.f('fk_project_review_submitted_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_review'))
    )
    with op.batch_alter_table('project_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_review_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_review_project_id'))
    op.drop_table('project_review')
