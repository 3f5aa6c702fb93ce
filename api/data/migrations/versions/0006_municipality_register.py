"""municipality register

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 10:00:00.000000

Seeds the register shipped with the package (api/data/register/): the 357
municipalities valid from 2024-01-01 and the numbers that changed that day.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.data import municipality_data

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    municipality = op.create_table('municipality',
    sa.Column('number', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('klass_name', sa.String(length=200), nullable=False),
    sa.Column('county_number', sa.String(length=2), nullable=False),
    sa.Column('county_name', sa.String(length=100), nullable=False),
    sa.Column('written_form', sa.String(length=10), nullable=False),
    sa.Column('search_text', sa.String(length=300), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_municipality'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_county_number'), ['county_number'], unique=False)

    change = op.create_table('municipality_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('old_number', sa.String(length=4), nullable=False),
    sa.Column('old_name', sa.String(length=200), nullable=False),
    sa.Column('new_number', sa.String(length=4), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['new_number'], ['municipality.number'], name=op.f('fk_municipality_change_new_number_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality_change')),
    sa.UniqueConstraint('old_number', 'new_number', 'changed_on', name=op.f('uq_municipality_change_old_number_new_number_changed_on'))
    )
    with op.batch_alter_table('municipality_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_change_old_number'), ['old_number'], unique=False)

    assert municipality is not None and change is not None
    op.bulk_insert(municipality, municipality_data.municipality_rows())
    op.bulk_insert(change, [
        {'old_number': c.old_number, 'old_name': c.old_name, 'new_number': c.new_number,
         'changed_on': c.changed_on, 'kind': c.kind}
        for c in municipality_data.change_rows()
    ])


def downgrade() -> None:
    with op.batch_alter_table('municipality_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_change_old_number'))

    op.drop_table('municipality_change')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_county_number'))

    op.drop_table('municipality')
