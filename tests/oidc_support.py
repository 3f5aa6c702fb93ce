"""A real OpenID Connect provider for the sign-in tests: panva's ``oidc-provider`` (npm)
run by ``tests/oidc_provider.mjs`` on a free loopback port, one process per test session.

The test decides how the next login at the provider ends (subject, claims, acr) and may
ask for the next ID token to be altered and signed again with the provider's own key
(whose private half the test made), so the app sees a correctly signed token with a
wrong nonce, audience, issuer or expiry.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.npm import npm_install

PACKAGE = "oidc-provider@9.13.3"
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")


class OidcPeer:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def register(self, base_url: str) -> tuple[str, str]:
        """A new client for an app at ``base_url`` (dynamic registration): id and secret."""
        answer = self.http.post(
            "/reg",
            json={
                "redirect_uris": [base_url + "/logg-inn/tilbake"],
                "post_logout_redirect_uris": [base_url + "/logg-inn?utlogget=1"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
        )
        answer.raise_for_status()
        body = answer.json()
        return body["client_id"], body["client_secret"]

    def next_login(
        self,
        sub: str,
        *,
        claims: dict[str, Any] | None = None,
        acr: str | None = None,
        tamper: dict[str, Any] | None = None,
        token_body: str | None = None,
    ) -> None:
        """How the next login at the provider ends (and what to alter in its ID token, or
        what the token endpoint answers instead)."""
        payload = {"sub": sub, "claims": claims or {}, "acr": acr, "tamper": tamper,
                   "tokenBody": token_body}  # fmt: skip
        self.http.post("/_test/next", json=payload).raise_for_status()

    def serve(self, path: str, body: str) -> str:
        """Serve ``body`` (any text, as application/json) at ``path``; its address."""
        self.http.post("/_test/raw", json={"path": path, "body": body}).raise_for_status()
        return self.url + path

    def authorize(self, url: str, app_base: str) -> str:
        """Follow the provider's redirects from its authorization address to the app's
        callback; returns the callback address (with code and state)."""
        client = httpx.Client(timeout=10)
        with client:
            for _ in range(10):
                answer = client.get(url)
                location = answer.headers.get("location")
                assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
                assert location is not None
                if location.startswith("/"):
                    location = self.url + location
                if location.startswith(app_base):
                    return location
                url = location
        raise AssertionError("the provider never sent the browser back to the app")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def provider_process() -> Iterator[OidcPeer]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run oidc-provider for the sign-in tests")
    modules = npm_install("oidc", (PACKAGE,), "oidc-provider/package.json")
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    port = free_port()
    env = {
        **os.environ,
        "OIDC_MODULES": str(modules),
        "PORT": str(port),
        "KEYS": json.dumps({"keys": [key.as_dict(private=True)]}),
    }
    # Its output goes to a file: a pipe nobody reads would stop the provider once full.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([node, str(SCRIPT)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            peer = _wait_until_up(process, log, f"http://127.0.0.1:{port}")
            yield peer
            peer.http.close()
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen[bytes], log: IO[bytes], url: str) -> OidcPeer:
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/.well-known/openid-configuration", timeout=2).raise_for_status()
            return OidcPeer(url)
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"oidc-provider did not start: {log.read().decode()[-2000:]}")
            time.sleep(0.1)
