"""open badges

Revision ID: 0010
Revises: 0009

Every certificate is also an Open Badges 3.0 credential (``api.services.open_badges``).
``certificate.status_index`` is its entry in the revocation lists, given at issue in
order; existing certificates get theirs here, in the order they were issued.
``badge_key`` records every public key that has signed credentials, so that it stays
published after the key is replaced.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'badge_key',
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key_id', name=op.f('pk_badge_key')),
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_certificate_status_index'), ['status_index']
        )
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('status_index', sa.Integer))
    connection = op.get_bind()
    ids = connection.execute(sa.select(certificate.c.id).order_by(certificate.c.id)).scalars()
    for index, certificate_id in enumerate(list(ids)):
        connection.execute(
            certificate.update().where(certificate.c.id == certificate_id).values(status_index=index)
        )


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_status_index'), type_='unique')
        batch_op.drop_column('status_index')
    op.drop_table('badge_key')
