"""A new operator's first commands: a fresh data directory, an old schema, a server that is down.

These run the installed ``innostudy`` script in a real process, with the data
directory in a temporary folder, as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from api.core.db import make_engine
from api.data import migrate

INNOSTUDY = Path(sys.executable).parent / "innostudy"
UPGRADE = "Kjør: innostudy db upgrade"


def run(
    *args: str, data: Path, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INNOSTUDY_")}
    environment |= {"INNOSTUDY_DATA_DIR": str(data), "INNOSTUDY_SECRET_KEY": "f" * 40, **env}
    return subprocess.run(
        [str(INNOSTUDY), *args],
        env=environment,
        cwd=cwd or data.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def database_line(data: Path) -> str:
    return f"Database: sqlite:///{(data / 'innostudy.db').resolve()}"


COMMANDS = [
    ["users", "list"],
    ["reports", "municipalities"],
    ["users", "add", "ola@asker.kommune.no", "--name", "Ola", "--municipality", "Asker"],
    ["roster", "export", "-o", "deltakere.csv"],
    ["content", "sync"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_on_a_fresh_data_directory_says_what_to_run_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    data = tmp_path / "data"
    result = run(*command, data=data)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        database_line(data),
        f"Databasen sqlite:///{(data / 'innostudy.db').resolve()} finnes ikke ennå. {UPGRADE}",
    ]
    assert not (data / "innostudy.db").exists()
    assert not (tmp_path / "deltakere.csv").exists()


def test_db_upgrade_says_what_it_did_then_the_commands_work(tmp_path: Path) -> None:
    data = tmp_path / "data"
    head = migrate.head()
    created = run("db", "upgrade", data=data)
    assert created.returncode == 0, created.stderr
    assert created.stderr.splitlines() == [database_line(data)]
    assert created.stdout == f"Opprettet databaseskjemaet (versjon {head}).\n"
    again = run("db", "upgrade", data=data)
    assert again.stdout == f"Databaseskjemaet er allerede oppdatert (versjon {head}).\n"

    added = run("users", "add", "ola@asker.kommune.no", "--name", "Ola", "--municipality",
                "Asker", data=data)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Opprettet deltaker ola@asker.kommune.no (id 1)\n"
    assert added.stderr.splitlines() == [database_line(data)]


def test_an_older_schema_is_named_and_upgraded_from_its_revision(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'innostudy.db'}")
    migrate.upgrade(engine, "0002")
    engine.dispose()
    head = migrate.head()

    listed = run("users", "list", data=data)
    assert listed.returncode == 1
    assert listed.stderr.splitlines()[-1].endswith(
        f"har en eldre skjemaversjon (0002); denne versjonen av innostudy trenger {head}. {UPGRADE}"
    )
    upgraded = run("db", "upgrade", data=data)
    assert upgraded.stdout == f"Oppgraderte databaseskjemaet fra versjon 0002 til {head}.\n"
    assert run("users", "list", data=data).returncode == 0


def test_an_empty_database_file_is_refused_with_the_same_advice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'innostudy.db'}")
    with engine.begin() as connection:  # a file left behind by the old version's traceback
        connection.execute(text("CREATE TABLE leftover (id INTEGER)"))
    engine.dispose()
    result = run("reports", "municipalities", data=data)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith(f"har ingen tabeller ennå. {UPGRADE}")


def test_a_postgresql_server_that_is_down_gets_a_norwegian_line_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://innostudy:hemmelig@127.0.0.1:1/innostudy"
    for command in (["users", "list"], ["db", "upgrade"]):
        result = run(*command, data=tmp_path / "data", INNOSTUDY_DATABASE_URL=url)
        assert result.returncode == 1, command
        assert "Traceback" not in result.stderr
        assert "hemmelig" not in result.stderr + result.stdout
        shown = "postgresql://innostudy:***@127.0.0.1:1/innostudy"
        assert result.stderr.splitlines() == [
            f"Database: {shown}",
            f"Får ikke kontakt med databasen {shown}: sjekk at databaseserveren kjører, og at "
            "INNOSTUDY_DATABASE_URL har riktig adresse, brukernavn og passord.",
        ]


def test_the_default_data_directory_does_not_depend_on_the_current_folder(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INNOSTUDY_")}
    environment |= {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    script = "from api.core.config import Settings; print(Settings().effective_database_url)"
    seen = set()
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        found = subprocess.run(
            [sys.executable, "-c", script], env=environment, cwd=folder,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seen.add(found.stdout.strip())
    assert seen == {f"sqlite:///{home / '.local' / 'share' / 'innostudy' / 'innostudy.db'}"}


def test_certificate_rendering_on_a_fresh_directory_says_what_to_run(tmp_path: Path) -> None:
    result = run("certificates", "render-all", "-o", "pdf", data=tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("Databasen sqlite:///") and last.endswith(f"finnes ikke ennå. {UPGRADE}")
    assert not (tmp_path / "data" / "innostudy.db").exists()
