"""The certificates commands share the pages' and the API's rules: no PDF of a revoked one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli.main import app
from api.core.config import SHIPPED_CONTENT
from api.core.db import transaction
from api.data.models import AuditEvent, Role
from api.services import certificates as certificate_service
from course.loader import load_course
from tests.factories import complete_course, make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def test_a_revoked_certificate_is_neither_rendered_nor_issued_again(
    cli_env: Engine, tmp_path: Path
) -> None:
    course = load_course(SHIPPED_CONTENT).course
    assert course is not None
    revoked, valid = make_user(cli_env), make_user(cli_env)
    admin = make_user(cli_env, role=Role.ADMIN)
    for learner in (revoked, valid):
        complete_course(cli_env, learner)
    with transaction(cli_env, write=True) as session:
        code = certificate_service.issue(session=session, user=revoked, info=course.info)
        certificate_service.revoke(
            session=session, code=code.certificate.code, reason="Feil", admin=admin
        )

    single = runner.invoke(app, ["certificates", "render", code.certificate.code, "-o",
                                 str(tmp_path / "one.pdf")])  # fmt: skip
    assert single.exit_code == 1
    assert "trukket tilbake" in single.output
    assert not (tmp_path / "one.pdf").exists()

    result = runner.invoke(app, ["certificates", "render-all", "-o", str(tmp_path / "pdf"),
                                 "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 nytt kursbevis utstedt; skrev 1 PDF" in result.output
    assert code.certificate.code not in {f.stem for f in (tmp_path / "pdf").glob("*.pdf")}
    with Session(cli_env) as session:
        issued = session.exec(
            select(AuditEvent.actor_id).where(col(AuditEvent.action) == "certificate.issue")
        ).all()
    assert issued == [revoked.id, None]  # the learner's own, then the command line's


def test_a_mistyped_code_is_reported_as_such(cli_env: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["certificates", "render", "7K3M-Q9XD-4TJ", "-o",
                                 str(tmp_path / "x.pdf")])  # fmt: skip
    assert result.exit_code == 1
    assert "kontrolltegnet stemmer ikke" in result.output
