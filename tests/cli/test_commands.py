"""The innostudy command against a real database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import app
from api.core.config import SHIPPED_CONTENT, Settings
from tests.certificates.helpers import page_text
from tests.factories import complete_course, login, make_user

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("INNOSTUDY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INNOSTUDY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INNOSTUDY_SECRET_KEY", "c" * 40)
    return engine


def test_users_add_creates_an_account_that_can_log_in(cli_env: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, [
        "users", "add", "Aigin@Karasjok.kommune.no", "--name", "Áigin Ŋuolla Čuđe",
        "--role", "learner", "--municipality", "Karasjok", "--municipality-number", "5610",
        "--password-stdin",
    ], input="et-langt-passord\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "aigin@karasjok.kommune.no" in result.output
    client = TestClient(create_app(Settings(data_dir=tmp_path), engine=cli_env))
    me = client.get("/api/v1/me", headers=login(client, "aigin@karasjok.kommune.no",
                                                   "et-langt-passord")).json()  # fmt: skip
    assert me["full_name"] == "Áigin Ŋuolla Čuđe"
    assert me["municipality_number"] == "5610"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--municipality-number", "56"], "«--municipality-number» må være et kommunenummer"),
        (["--role", "boss"], "boss"),
    ],
)
def test_users_add_rejects_bad_input_clearly(
    cli_env: Engine, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["users", "add", "x@asker.kommune.no", "--name", "X",
                                 "--municipality", "Asker", *args])  # fmt: skip
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_users_add_refuses_a_duplicate_email(cli_env: Engine) -> None:
    make_user(cli_env, email="ola@asker.kommune.no")
    result = runner.invoke(app, ["users", "add", "OLA@asker.kommune.no", "--name", "Ola",
                                 "--municipality", "Asker"])  # fmt: skip
    assert result.exit_code == 1
    assert "finnes allerede" in result.output


def test_certificates_render_and_render_all(cli_env: Engine, tmp_path: Path) -> None:
    first = make_user(cli_env, full_name="Áigin Ŋuolla Čuđe")
    second = make_user(cli_env, full_name="Łukasz Őrs Müller")
    make_user(cli_env, full_name="Ikke Ferdig")
    complete_course(cli_env, first)
    complete_course(cli_env, second)

    result = runner.invoke(app, ["certificates", "render-all", "-o", str(tmp_path / "pdf"),
                                 "--workers", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(files) == 2
    names = {page_text(f.read_bytes()).count("Áigin Ŋuolla Čuđe") > 0 for f in files}
    assert names == {True, False}

    code = files[0].stem
    single = runner.invoke(app, ["certificates", "render", code.lower(), "-o",
                                 str(tmp_path / "one.pdf")])  # fmt: skip
    assert single.exit_code == 0, single.output
    assert code in page_text((tmp_path / "one.pdf").read_bytes())

    again = runner.invoke(app, ["certificates", "render-all", "-o", str(tmp_path / "pdf")])
    assert "0 nye kursbevis utstedt" in again.output

    unknown = runner.invoke(app, ["certificates", "render", "ABCD-EFGH-JKM", "-o", "x.pdf"])
    assert unknown.exit_code == 1


def test_db_upgrade_and_content_sync_are_idempotent(cli_env: Engine) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["content", "sync"])
    assert result.exit_code == 0, result.output
    assert "0 moduler endret" in result.output


def test_content_import_then_export_round_trips_byte_for_byte(
    cli_env: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "kurs"
    shutil.copytree(SHIPPED_CONTENT, source)
    # Line endings and a byte-order mark are kept as written, too.
    crlf = source / "02-hva-er-innovasjon.md"
    crlf.write_bytes(b"\xef\xbb\xbf" + crlf.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setenv("INNOSTUDY_CONTENT_DIR", str(source))
    assert runner.invoke(app, ["validate", str(source)]).exit_code == 0

    synced = runner.invoke(app, ["content", "sync"])
    assert synced.exit_code == 0, synced.output
    assert "1 modul endret: hva-er-innovasjon" in synced.output
    exported = runner.invoke(app, ["content", "export", str(tmp_path / "ut")])
    assert exported.exit_code == 0, exported.output

    originals = sorted(p.name for p in source.glob("[0-9]*.md"))
    assert sorted(p.name for p in (tmp_path / "ut").glob("*.md")) == originals
    for name in [*originals, "course.toml"]:
        assert (tmp_path / "ut" / name).read_bytes() == (source / name).read_bytes(), name
    again = runner.invoke(app, ["content", "sync", str(tmp_path / "ut")])
    assert "0 moduler endret" in again.output


def test_content_sync_refuses_invalid_content_with_the_validators_lines(
    cli_env: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "kurs"
    shutil.copytree(SHIPPED_CONTENT, source)
    first = sorted(source.glob("[0-9]*.md"))[0]
    first.write_text(first.read_text().replace("title:", "tittel:", 1))
    result = runner.invoke(app, ["content", "sync", str(source)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{first}:2: mangler tittel: legg til «title: …» i front matter"
    ]
