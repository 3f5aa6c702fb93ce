"""accounts by municipality number

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 10:00:00.000000

An account belongs to a municipality in the register by its number: ``user.municipality_number``
becomes a foreign key to ``municipality.number`` and the free-text ``user.municipality`` goes.
Each account's municipality is found once, here: a number that the register knows (an old one
followed to its successor), else the text as a number or as one of the register's names (case
and accents folded), else nothing, and then ``user.municipality_unmatched`` keeps the text for
an administrator to fix. Nothing is dropped; the downgrade writes the text back.

The matching below is a frozen copy of ``api.services.user_municipality`` (and the folding of
``api.core.collation.search_key``) as they were when this migration was written: a migration
must give the same result whenever it runs, whatever the application's rules are by then.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMATCHED_LENGTH = 100

_user = sa.table(
    'user',
    sa.column('id', sa.Integer()),
    sa.column('municipality', sa.String()),
    sa.column('municipality_number', sa.String()),
    sa.column('municipality_unmatched', sa.String()),
)
_municipality = sa.table(
    'municipality',
    sa.column('number', sa.String()),
    sa.column('name', sa.String()),
    sa.column('klass_name', sa.String()),
    sa.column('valid_to', sa.Date()),
)
_change = sa.table(
    'municipality_change',
    sa.column('old_number', sa.String()),
    sa.column('new_number', sa.String()),
    sa.column('changed_on', sa.Date()),
)

# api.core.collation.search_key, frozen.
_BASE_LETTERS = {"đ": "d", "ŋ": "n", "ł": "l", "ŧ": "t", "ß": "ss", "œ": "oe", "ı": "i"}
_SEARCH_LETTERS = {"æ": "ae", "ä": "ae", "ø": "o", "ö": "o", "å": "a", **_BASE_LETTERS}
_SEARCH_PAIRS = (("aa", "a"), ("oe", "o"))
_LEADING_NUMBER = re.compile(r"\s*(\d{3,4})(?!\d)")
_MAX_STEPS = 20


def _fold(text: str) -> str:
    letters = []
    for character in text.casefold():
        if character in _SEARCH_LETTERS:
            letters.append(_SEARCH_LETTERS[character])
        else:
            base = unicodedata.normalize("NFD", character)[0]
            letters.append(base if base.isalnum() else " ")
    folded = " ".join("".join(letters).split())
    for pair, single in _SEARCH_PAIRS:
        folded = folded.replace(pair, single)
    return folded


class _Register:
    """The register as it is in the database at this revision, for matching."""

    def __init__(self, connection: sa.Connection) -> None:
        self.ended: dict[str, bool] = {}
        self.by_name: dict[str, set[str]] = {}
        for number, name, klass_name, valid_to in connection.execute(sa.select(_municipality)):
            self.ended[number] = valid_to is not None
            if valid_to is None:
                for form in {name, klass_name, *klass_name.split(" - ")}:
                    self.by_name.setdefault(_fold(form), set()).add(number)
        self.successors: dict[str, list[tuple[date, str]]] = {}
        for old, new, changed_on in connection.execute(sa.select(_change)):
            self.successors.setdefault(old, []).append((changed_on, new))

    def number(self, given: str) -> str | None:
        """The municipality that holds ``given`` now; None when unknown or split."""
        current = given.zfill(4)
        for _ in range(_MAX_STEPS):
            if self.ended.get(current) is False:
                return current
            steps = self.successors.get(current)
            if not steps:
                return current if current in self.ended else None
            latest = max(day for day, _ in steps)
            successors = {new for day, new in steps if day == latest}
            if len(successors) != 1:
                return None  # a split: which part the person belongs to is not ours to guess
            current = successors.pop()
        return None

    def match(self, text: str, number: str | None) -> str | None:
        if number and number.strip().isdigit():
            found = self.number(number.strip())
            if found is not None:
                return found
        written = _LEADING_NUMBER.match(text)
        if written is not None:
            found = self.number(written.group(1))
            if found is not None:
                return found
        candidates = self.by_name.get(_fold(text), set())
        return next(iter(candidates)) if len(candidates) == 1 else None


def _unmatched(text: str, number: str | None) -> str:
    """The text as given, with a number that did not match, so that nothing is lost."""
    text = text.strip()
    number = (number or "").strip()
    if not number or number in text:
        return text[:UNMATCHED_LENGTH]
    suffix = f" ({number})"
    return (text[: UNMATCHED_LENGTH - len(suffix)] + suffix).strip()


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_unmatched', sa.String(length=UNMATCHED_LENGTH), nullable=True))

    connection = op.get_bind()
    register = _Register(connection)
    updates = []
    for user_id, text, number in connection.execute(
        sa.select(_user.c.id, _user.c.municipality, _user.c.municipality_number)
    ):
        found = register.match(text or "", number)
        updates.append({
            'user_id': user_id,
            'new_number': found,
            'unmatched': None if found is not None else _unmatched(text or "", number),
        })
    if updates:
        connection.execute(
            _user.update()
            .where(_user.c.id == sa.bindparam('user_id'))
            .values(municipality_number=sa.bindparam('new_number'),
                    municipality_unmatched=sa.bindparam('unmatched')),
            updates,
        )

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('municipality')
        batch_op.create_index(batch_op.f('ix_user_municipality_number'), ['municipality_number'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_municipality_number_municipality'), 'municipality', ['municipality_number'], ['number'])


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality', sa.String(length=100), nullable=True))

    name = (
        sa.select(_municipality.c.name)
        .where(_municipality.c.number == _user.c.municipality_number)
        .scalar_subquery()
    )
    op.get_bind().execute(
        _user.update().values(
            municipality=sa.func.coalesce(name, _user.c.municipality_unmatched, '')
        )
    )

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('municipality', existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_user_municipality_number_municipality'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_municipality_number'))
        batch_op.drop_column('municipality_unmatched')
