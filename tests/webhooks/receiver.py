"""A real HTTP receiver for webhook tests, and the npm ``standardwebhooks`` verifier.

The receiver is an ``http.server`` on a loopback port in a thread. It can be told to
answer the first requests with an error; it keeps every request as it came (headers
and raw body) and "processes" each message once, deduplicating on ``webhook-id`` as
Standard Webhooks asks receivers to.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.npm import npm_install

VERIFY_SCRIPT = Path(__file__).parent / "verify.js"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    fail_first: int = 0  # answer this many requests with ``fail_status``
    fail_status: int = 500
    fail_body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (to make the sender time out)
    requests: list[Received] = field(default_factory=list)
    processed: dict[str, Any] = field(default_factory=dict)  # webhook-id → message, once
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests.append(Received(headers, body))
            if len(self.requests) <= self.fail_first:
                return self.fail_status
            message_id = headers["webhook-id"]
            if message_id not in self.processed:  # a retry of a message taken already: ignore
                self.processed[message_id] = json.loads(body)
            return 204


@contextmanager
def running_receiver(
    *, fail_first: int = 0, fail_status: int = 500, fail_body: bytes = b"", delay: float = 0.0
) -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            receiver = holder[0]
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.take(headers, body)
            answer = receiver.fail_body if status >= 300 else b""
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(
        f"http://127.0.0.1:{server.server_port}/hooks/innostudy",
        fail_first=fail_first,
        fail_status=fail_status,
        fail_body=fail_body,
        delay=delay,
    )
    holder.append(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def verify_with_npm(secret: str, received: list[Received]) -> list[dict[str, Any]]:
    """Each request verified by the npm ``standardwebhooks`` library: ``{"ok": true,
    "payload": …}`` or ``{"ok": false, "error": …}``."""
    modules = npm_install(
        "standardwebhooks", ("standardwebhooks@1.1.1",), "standardwebhooks/package.json"
    )
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the npm standardwebhooks verifier")
    messages = [{"headers": r.headers, "body": r.body.decode()} for r in received]
    done = subprocess.run(
        [node, str(VERIFY_SCRIPT)],
        input=json.dumps({"secret": secret, "messages": messages}),
        capture_output=True, text=True, check=True, timeout=60,
        env={"NODE_PATH": str(modules), "PATH": str(Path(node).parent)},
    )  # fmt: skip
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results
