"""npm packages that tests drive, installed from the npm registry on first use.

Under ``.cache/npm`` (git-ignored), once across pytest-xdist workers: a file lock
makes the others wait for the first worker's install. Install scripts never run.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

from api.core.config import PROJECT_ROOT

NPM_ROOT = PROJECT_ROOT / ".cache" / "npm"


def npm_install(prefix: str, packages: tuple[str, ...], marker: str) -> Path:
    """``packages`` installed under ``.cache/npm/<prefix>``; returns its ``node_modules``.

    ``marker`` is a file (relative to ``node_modules``) whose presence means the
    install is done.
    """
    directory = NPM_ROOT / prefix
    modules = directory / "node_modules"
    directory.mkdir(parents=True, exist_ok=True)
    with (NPM_ROOT / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (modules / marker).exists():
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail(f"npm is needed to install {', '.join(packages)} for the tests")
            subprocess.run(
                [npm, "install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts",
                 "--prefix", str(directory), *packages],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip
    return modules
