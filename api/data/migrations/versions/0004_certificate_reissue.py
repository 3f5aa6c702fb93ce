"""certificate reissue after revocation

Revision ID: 0004
Revises: 0003

A revoked certificate stays (it must go on verifying as revoked), and an
administrator may issue the learner a new one: "one certificate per learner and
course version" becomes "one that is not revoked", a partial unique index.
Revoking may carry a message to the holder (the reason stays internal).

The downgrade restores the old constraint, so it fails if some learner has been
issued a new certificate after a revocation.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_REVOKED = sa.text('revoked_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_message', sa.String(length=500), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_certificate_user_id_course_version'), type_='unique')
        batch_op.create_index(
            'uq_certificate_user_id_course_version_unrevoked',
            ['user_id', 'course_version'],
            unique=True,
            sqlite_where=NOT_REVOKED,
            postgresql_where=NOT_REVOKED,
        )


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_user_id_course_version_unrevoked')
        batch_op.create_unique_constraint(
            batch_op.f('uq_certificate_user_id_course_version'), ['user_id', 'course_version']
        )
        batch_op.drop_column('holder_message')
