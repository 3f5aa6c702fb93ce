"""Every audit action, outcome and detail key the code writes has a Norwegian word."""

from __future__ import annotations

import ast
from pathlib import Path

import api
from api.http.auditing import INVALID_CODE
from api.services.audit import Action, Outcome
from api.services.roster import RosterFilters
from api.web.audit_labels import (
    ACTION_LABELS,
    DETAIL_LABELS,
    OUTCOME_LABELS,
    details,
    target_label,
)

API = Path(api.__file__).parent


def _detail_keys_written() -> set[str]:
    """Keys of every ``details={...}`` literal in api/ (services, auditing, command line)."""
    keys: set[str] = set()
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "details"
                and isinstance(node.value, ast.Dict)
            ):
                keys |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return keys


def test_every_action_and_outcome_has_a_norwegian_label() -> None:
    assert set(ACTION_LABELS) == set(Action)
    assert set(OUTCOME_LABELS) == set(Outcome)


def test_every_detail_key_the_code_writes_has_a_norwegian_label() -> None:
    written = _detail_keys_written()
    assert {"was_active", "dry_run", "fields", "code"} <= written  # the scan finds them
    filters = set(RosterFilters.model_fields)
    assert written | filters <= set(DETAIL_LABELS), sorted((written | filters) - set(DETAIL_LABELS))


def test_details_and_targets_read_in_norwegian() -> None:
    assert details({"was_active": True, "fields": ["full_name", "email"]}) == [
        ("var aktiv", "ja"),
        ("endrede felt", "navn, e-post"),
    ]
    assert details({"from": "learner", "to": "admin"}) == [
        ("fra", "deltaker"),
        ("til", "administrator"),
    ]
    assert details({"code": INVALID_CODE, "status": 422}) == [
        ("feilkode", "validation_error"),
        ("status", "422"),
    ]
    assert details({"filters": {"municipality": "Asker", "status": "completed"}}) == [
        ("filtre", "kommune = Asker, status = fullført")
    ]
    assert [target_label(t) for t in ("roster", "users", "user:7", "module:intro", "job:3")] == [
        "Kursliste",
        "Brukere",
        "Bruker 7",
        "Modul intro",
        "Jobb 3",
    ]
