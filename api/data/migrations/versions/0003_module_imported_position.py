"""module imported position

Revision ID: 0003
Revises: 0002

The position a module's file had when it was last imported, so that a content
sync moves a module only when its file moved, not back over an instructor's reorder.
Existing rows start without one: their current position is kept.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_position', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_column('imported_position')
