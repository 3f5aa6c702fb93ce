"""Every hand-written statement (``api.data.sql``) names only tables and columns that exist.

The statements are found by name (every ``*_SQL`` constant), so a new one is
checked without being listed here. Each is checked twice: statically, parsed
with sqlglot, against ``api.data.models.metadata``; and by the databases
themselves, prepared with ``EXPLAIN`` on SQLite and PostgreSQL built by the
real migrations, through ``Statements`` as the application runs it. A second
test keeps hand-written SQL from appearing anywhere else in ``api/``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import Engine, text
from sqlglot import exp

from api.data import sql
from api.data.models import metadata
from api.data.sql import Statements
from tests.conftest import Databases

API = Path(sql.__file__).resolve().parents[1]
STATEMENTS = {
    name: value
    for name, value in vars(sql).items()
    if isinstance(value, str) and name.isupper() and not name.startswith("_")
}
# Where SQL text is allowed besides api/data/sql.py: transaction control and SQLite
# pragmas on new connections (no tables), and the migrations.
# Connection and transaction control (pragmas, BEGIN, checkpoints) touch no tables.
ALLOWED = {API / "data" / "sql.py", API / "core" / "db.py", API / "core" / "admission.py"}
ALLOWED_DIRECTORIES = {API / "data" / "migrations"}
_SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|COPY|CREATE|ALTER|DROP|PRAGMA|BEGIN)\s+\S"
)
_RUNS_TEXT = {"text", "exec_driver_sql", "execute", "executemany", "executescript"}


def parse(statement: str) -> exp.Expression:
    return sqlglot.parse_one(statement, read="postgres")


def references(statement: str) -> set[tuple[str, str]]:
    """The (table, column) pairs ``statement`` names; a name that resolves to no table fails."""
    tree = parse(statement)
    tables = {table.alias_or_name: table.name for table in tree.find_all(exp.Table)}
    assert tables, "names no table"
    for name in tables.values():
        assert name in metadata.tables, f"unknown table {name!r}"
    found: set[tuple[str, str]] = set()
    for column in tree.find_all(exp.Column):
        if column.table:
            assert column.table in tables, f"unknown table or alias {column.table!r}"
            found.add((tables[column.table], column.name))
            continue
        named = sorted({t for t in tables.values() if column.name in metadata.tables[t].c})
        candidates = named or sorted(set(tables.values()))
        assert len(candidates) == 1, f"column {column.name!r} could be in any of {candidates}"
        found.add((candidates[0], column.name))
    for schema in tree.find_all(exp.Schema):  # INSERT INTO table (columns)
        found.update((schema.this.name, column.name) for column in schema.expressions)
    return found


def parameters(statement: str) -> set[str]:
    return {placeholder.name for placeholder in parse(statement).find_all(exp.Placeholder)}


def locked_statements() -> set[str]:
    """Statements the application runs as ``statement + db.for_update`` (``FOR UPDATE``)."""
    found: set[str] = set()
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Add)
                and isinstance(node.right, ast.Attribute)
                and node.right.attr == "for_update"
            ):
                left = node.left
                name = left.attr if isinstance(left, ast.Attribute) else getattr(left, "id", "")
                assert name in STATEMENTS, f"{path}:{node.lineno}: locks {name!r}, not a statement"
                found.add(name)
    return found


def test_statements_are_found() -> None:
    assert {"TOKEN_SQL", "MODULE_SQL", "PROGRESS_SQL", "NEW_ATTEMPT_SQL"} <= set(STATEMENTS)
    assert all(name.endswith("_SQL") for name in STATEMENTS), "constants here are statements"
    assert locked_statements() == {"PROGRESS_SQL", "ENROLLMENT_SQL"}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_names_only_tables_and_columns_in_the_metadata(name: str) -> None:
    statement = STATEMENTS[name]
    for table, column in sorted(references(statement)):
        assert column in metadata.tables[table].c, f"{name}: {table}.{column} is not a column"


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_parameters_are_the_ones_sqlalchemy_binds(name: str) -> None:
    # ``Statements`` hands psycopg the statement as SQLAlchemy's text() compiles it:
    # a cast (``::``) or a colon in a literal must not turn into a parameter.
    statement = STATEMENTS[name]
    assert set(text(statement).compile().params) == parameters(statement)


@pytest.fixture(scope="module")
def migrated(databases: Databases) -> Engine:
    return databases.new_engine()


@pytest.fixture
def statements(migrated: Engine) -> Iterator[Statements]:
    with migrated.connect() as connection:
        yield Statements.of(connection)
        connection.rollback()


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_database_prepares_statement(name: str, statements: Statements) -> None:
    """EXPLAIN prepares the statement without running it: unknown names are errors."""
    statement = STATEMENTS[name]
    variants = [statement]
    if name in locked_statements():
        variants.append(statement + statements.for_update)
    for variant in variants:
        plan = statements.all("EXPLAIN " + variant, dict.fromkeys(parameters(statement)))
        assert plan


def _sql_outside_sql_module(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and _SQL_TEXT.match(node.value):
                yield f"{path}:{node.lineno}: SQL text {node.value.strip()[:40]!r}"
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else None
            called = called or (function.id if isinstance(function, ast.Name) else None)
            first = node.args[0]
            is_text = isinstance(first, ast.JoinedStr) or (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            )
            if called in _RUNS_TEXT and is_text:
                yield f"{path}:{node.lineno}: {called}() of a string"


def test_no_hand_written_sql_outside_the_sql_module() -> None:
    found = [
        problem
        for path in sorted(API.rglob("*.py"))
        if path not in ALLOWED and not any(d in path.parents for d in ALLOWED_DIRECTORIES)
        for problem in _sql_outside_sql_module(path)
    ]
    assert found == []


def test_the_sql_guard_sees_statements_and_runners(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        '"""SELECT in a docstring is prose."""\n'
        'QUERY = "SELECT id FROM quiz_attempt"\n'
        'session.exec(text("SELECT 1"))\n'
        'connection.exec_driver_sql(f"UPDATE {table} SET x = 1")\n'
        'COMMAND = "update"\n'
    )
    assert sorted(line.split(": ", 1)[1] for line in _sql_outside_sql_module(source)) == [
        "SQL text 'SELECT 1'",
        "SQL text 'SELECT id FROM quiz_attempt'",
        "exec_driver_sql() of a string",
        "text() of a string",
    ]
