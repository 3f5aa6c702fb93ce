"""Peers for the xAPI tests: two validators nobody here wrote, and a real HTTP receiver.

- ``ralph-malph`` (France Université Numérique's LRS) 5.1.0: its pydantic statement
  model ``BaseXapiStatement``. Its LRS extra pins an old FastAPI, so it lives in a
  venv of its own under ``.cache/ralph-venv``, made on first use, and is called as a
  subprocess: never in the project's environment.
- ``xapi-validation`` (Learning Locker's validator) from the npm registry, run by node.
- ``Receiver``: a threaded ``http.server`` on 127.0.0.1 that behaves like an LRS's
  statements resource (checks the version header and Basic auth, keeps statements by
  id, 409 for a POST naming an id it has, 204 for the same statement PUT again), and
  can be told to fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from api.core.config import PROJECT_ROOT
from tests.npm import npm_install

RALPH_VENV = PROJECT_ROOT / ".cache" / "ralph-venv"
RALPH = "ralph-malph==5.1.0"

_RALPH_CHECK = """
import json, sys
from ralph.models.xapi.base.statements import BaseXapiStatement
problems = []
for statement in json.load(sys.stdin):
    try:
        BaseXapiStatement.model_validate(statement)
    except Exception as exc:
        problems.append({"id": statement.get("id"), "error": str(exc)})
json.dump(problems, sys.stdout)
"""

_NODE_CHECK = """
const validate = require('xapi-validation').default;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const problems = [];
  for (const statement of JSON.parse(input)) {
    const warnings = validate(statement);
    if (warnings.length) {
      problems.push({ id: statement.id, warnings: warnings.map((w) => w.message || String(w)) });
    }
  }
  process.stdout.write(JSON.stringify(problems));
});
"""


def ralph_python() -> Path:
    """The Python of the separate ralph venv, made (once across xdist workers) if missing."""
    python = RALPH_VENV / "bin" / "python"
    RALPH_VENV.parent.mkdir(parents=True, exist_ok=True)
    with (RALPH_VENV.parent / ".ralph-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = RALPH_VENV / ".installed-ralph-malph-5.1.0"
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(RALPH_VENV)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", RALPH],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            marker.touch()
    return python


def ralph_problems(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(ralph_python()), "-c", _RALPH_CHECK],
        input=json.dumps(statements), capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    problems: list[dict[str, Any]] = json.loads(done.stdout)
    return problems


def xapi_validation_problems(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    modules = npm_install("xapi", ("xapi-validation@2.1.4",), "xapi-validation/dist/index.js")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run xapi-validation")
    done = subprocess.run(
        [node, "-e", _NODE_CHECK], input=json.dumps(statements), capture_output=True,
        text=True, check=True, timeout=120, env={"NODE_PATH": str(modules)},
    )  # fmt: skip
    problems: list[dict[str, Any]] = json.loads(done.stdout)
    return problems


@dataclass
class Receiver:
    """What the receiver was sent, and how it should answer."""

    key: str
    secret: str
    url: str = ""
    # Answers to give, first to last, before behaving: "fail" (503 at once), "redirect"
    # (302 elsewhere) or "lose" (keep the statements, then 503, as when the answer is
    # lost on its way back).
    script: list[str] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)  # (method, status)
    refused: list[str] = field(default_factory=list)  # why a request was refused
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"{self.url}/xapi/"

    def answer(self, method: str, query: str, headers: Any, body: bytes) -> int:
        with self.lock:
            status = self._answer(method, query, headers, body)
            self.log.append((method, status))
            return status

    def _answer(self, method: str, query: str, headers: Any, body: bytes) -> int:
        if method == "GET":  # as an LRS answers a query for statements: a followed redirect
            return 200  # of a POST would come back as this, and look like success
        if headers.get("X-Experience-API-Version") != "1.0.3":
            self.refused.append(f"version header {headers.get('X-Experience-API-Version')!r}")
            return 400
        expected = "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        if headers.get("Authorization") != expected:
            self.refused.append("authorization")
            return 401
        step = self.script.pop(0) if self.script else None
        if step == "fail":
            return 503
        if step == "redirect":
            return 302
        statements = json.loads(body)
        if method == "PUT":
            statement_id = parse_qs(query)["statementId"][0]
            if statements.get("id", statement_id) != statement_id:
                return 400
            statements = [statements | {"id": statement_id}]
        elif not isinstance(statements, list):
            statements = [statements]
        if method == "POST" and any(s["id"] in self.stored for s in statements):
            return 409
        for statement in statements:
            known = self.stored.get(statement["id"])
            if known is not None and known != statement:
                return 409
        for statement in statements:
            self.stored.setdefault(statement["id"], statement)
        if step == "lose":
            return 503
        return 200 if method == "POST" else 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(key="innostudy-nokkel", secret="hemmelig-lrs-passord")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if parts.path != "/xapi/statements":
                status = 404
            else:
                status = state.answer(self.command, parts.query, self.headers, body)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/xapi/statements?moved=1")
            self.send_header("X-Experience-API-Version", "1.0.3")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_GET = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
