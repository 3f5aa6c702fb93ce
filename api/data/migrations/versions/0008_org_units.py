"""organisation units

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 10:00:00.000000

Adds ``org_unit`` (a tree per municipality, with the materialised path of ids),
``user.unit_id`` (the person's primary unit) and ``user.department_unmatched``, and
moves the free-text ``user.department`` into units: one top-level unit per
municipality and department name (folded as ``api.core.collation.search_key``
folds it), for accounts whose municipality number is in the register. The text of
the others is kept in ``department_unmatched``. The downgrade puts the text back.

It reads only ``user.municipality_number`` (a register number since 0007) and
``user.department``.

SQLite: ``user`` is referenced by many tables with ON DELETE CASCADE, so it must
never be recreated (dropping it would delete their rows): its columns are added
and dropped with SQLite's own ALTER TABLE, the foreign key written inline.
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from api.core.collation import search_key
from api.data import timestamps

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_CHILD = sa.text('closed_at IS NULL AND parent_id IS NOT NULL')
_OPEN_TOP = sa.text('closed_at IS NULL AND parent_id IS NULL')


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.create_table('org_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=400), nullable=False),
    sa.Column('org_number', sa.String(length=9), nullable=True),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality_number'], ['municipality.number'], name=op.f('fk_org_unit_municipality_number_municipality')),
    sa.ForeignKeyConstraint(['parent_id'], ['org_unit.id'], name=op.f('fk_org_unit_parent_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit'))
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_municipality_number'), ['municipality_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_unit_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_org_unit_path', ['path'], unique=False, postgresql_ops={'path': 'text_pattern_ops'})
        batch_op.create_index('uq_org_unit_parent_id_name_key_open', ['parent_id', 'name_key'], unique=True, sqlite_where=_OPEN_CHILD, postgresql_where=_OPEN_CHILD)
        batch_op.create_index('uq_org_unit_municipality_number_name_key_open_top', ['municipality_number', 'name_key'], unique=True, sqlite_where=_OPEN_TOP, postgresql_where=_OPEN_TOP)

    if sqlite:
        op.execute('ALTER TABLE "user" ADD COLUMN unit_id INTEGER '
                   'CONSTRAINT fk_user_unit_id_org_unit REFERENCES org_unit (id)')
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        if not sqlite:
            batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_user_unit_id_org_unit'), 'org_unit', ['unit_id'], ['id'])
        batch_op.add_column(sa.Column('department_unmatched', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_unit_id'), ['unit_id'], unique=False)

    _departments_to_units()

    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('department')


_user = sa.table('user', sa.column('id', sa.Integer()), sa.column('municipality_number', sa.String()),
                 sa.column('department', sa.String()), sa.column('unit_id', sa.Integer()),
                 sa.column('department_unmatched', sa.String()))
_unit = sa.table('org_unit', sa.column('id', sa.Integer()), sa.column('municipality_number', sa.String()),
                 sa.column('parent_id', sa.Integer()), sa.column('name', sa.String()),
                 sa.column('name_key', sa.String()), sa.column('path', sa.String()),
                 sa.column('depth', sa.Integer()), sa.column('created_at'))  # bound by api.data.timestamps
_municipality = sa.table('municipality', sa.column('number', sa.String()))


def _departments_to_units() -> None:
    bind = op.get_bind()
    known = set(bind.execute(sa.select(_municipality.c.number)).scalars())
    rows = bind.execute(
        sa.select(_user.c.id, _user.c.municipality_number, _user.c.department)
        .where(_user.c.department.is_not(None)).order_by(_user.c.id)
    ).all()
    units: dict[tuple[str, str], int] = {}
    placed: dict[int, list[int]] = {}
    unmatched: dict[str, list[int]] = {}
    now_value = timestamps.bind(datetime.now(UTC), sqlite=bind.dialect.name == 'sqlite')
    for user_id, number, department in rows:
        name = ' '.join(department.split())[:200]
        if not name:
            continue
        if number not in known:
            unmatched.setdefault(name, []).append(user_id)
            continue
        key = (number, search_key(name) or name.casefold())
        if key not in units:
            unit_id = bind.execute(
                _unit.insert().values(municipality_number=number, parent_id=None, name=name,
                                      name_key=key[1], path='', depth=0, created_at=now_value)
                .returning(_unit.c.id)
            ).scalar_one()
            bind.execute(_unit.update().where(_unit.c.id == unit_id).values(path=f'/{unit_id}/'))
            units[key] = unit_id
        placed.setdefault(units[key], []).append(user_id)
    for unit_id, user_ids in placed.items():
        bind.execute(_user.update().where(_user.c.id.in_(user_ids)).values(unit_id=unit_id))
    for text, user_ids in unmatched.items():
        bind.execute(_user.update().where(_user.c.id.in_(user_ids)).values(department_unmatched=text))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=200), nullable=True))

    bind = op.get_bind()
    names = dict(bind.execute(sa.select(_unit.c.id, _unit.c.name)).all())
    paths = dict(bind.execute(sa.select(_unit.c.id, _unit.c.path)).all())
    rows = bind.execute(
        sa.select(_user.c.id, _user.c.unit_id, _user.c.department_unmatched)
        .where(sa.or_(_user.c.unit_id.is_not(None), _user.c.department_unmatched.is_not(None)))
    ).all()
    user = sa.table('user', sa.column('id', sa.Integer()), sa.column('department', sa.String()))
    for user_id, unit_id, unmatched in rows:
        if unit_id is not None:
            ids = [int(part) for part in paths[unit_id].strip('/').split('/') if part]
            text = ' / '.join(names[i] for i in ids)[:200]
        else:
            text = unmatched
        bind.execute(user.update().where(user.c.id == user_id).values(department=text))

    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_unit_id'))
        if not sqlite:
            batch_op.drop_constraint(batch_op.f('fk_user_unit_id_org_unit'), type_='foreignkey')
        batch_op.drop_column('department_unmatched')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index('uq_org_unit_municipality_number_name_key_open_top', sqlite_where=_OPEN_TOP, postgresql_where=_OPEN_TOP)
        batch_op.drop_index('uq_org_unit_parent_id_name_key_open', sqlite_where=_OPEN_CHILD, postgresql_where=_OPEN_CHILD)
        batch_op.drop_index('ix_org_unit_path', postgresql_ops={'path': 'text_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_org_unit_parent_id'))
        batch_op.drop_index(batch_op.f('ix_org_unit_municipality_number'))

    op.drop_table('org_unit')
