"""SMTP with STARTTLS and with implicit TLS against aiosmtpd, with a throwaway CA: the
server's certificate is verified, AUTH goes only over TLS, and a server that cannot be
trusted (or offers no STARTTLS) gets neither the password nor the message.

One set of servers per module: STARTTLS required, implicit TLS, and a plain server that
would even take a password in clear text (the mailer must not give it one).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.data.models import Job, JobState
from api.services import mailer
from tests.email.conftest import drain
from tests.email.smtp_server import Inbox, smtp_server
from tests.email.tls_certificates import Certificates, make_certificates

USER, PASSWORD = "kurs@example.no", "et-smtp-passord"


@dataclass
class Logins:
    """Every AUTH a server saw: user, password."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD))


@dataclass
class Servers:
    certificates: Certificates
    starttls: Inbox
    implicit: Inbox
    plain: Inbox
    logins: Logins


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    certificates = make_certificates(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    logins = Logins()
    with ExitStack() as stack:
        starttls = stack.enter_context(smtp_server(
            tls_context=context, require_starttls=True, authenticator=logins,
            auth_required=True,
        ))  # fmt: skip
        implicit = stack.enter_context(smtp_server(
            ssl_context=context, authenticator=logins,
            auth_require_tls=False,  # the whole connection is TLS (aiosmtpd cannot tell)
        ))  # fmt: skip
        plain = stack.enter_context(smtp_server(authenticator=logins, auth_require_tls=False))
        yield Servers(certificates, starttls, implicit, plain, logins)


@pytest.fixture(autouse=True)
def _clean(servers: Servers) -> None:
    for inbox in (servers.starttls, servers.implicit, servers.plain):
        inbox.received.clear()
    servers.logins.seen.clear()


def _smtp(servers: Servers, inbox: Inbox, security: str, *, trusted: bool = True) -> mailer.Smtp:
    ca_file = servers.certificates.ca_file if trusted else None
    return mailer.Smtp(host="127.0.0.1", port=inbox.port, security=security, user=USER,
                       password=PASSWORD, sender="Innovasjonsstudiet <kurs@example.no>",
                       timeout=10, ca_file=ca_file)  # fmt: skip


def _send(smtp: mailer.Smtp) -> None:
    outgoing = mailer.Outgoing(key="tls-test", to_name="Åse Ødegård",
                               to_address="ase@asker.kommune.no", subject="Prøve",
                               text="Hei", html="<p>Hei</p>")  # fmt: skip
    mailer.send(smtp, mailer.build(smtp, outgoing))


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_message_goes_over_tls_with_auth_to_a_trusted_server(
    servers: Servers, security: str
) -> None:
    inbox = servers.starttls if security == "starttls" else servers.implicit
    _send(_smtp(servers, inbox, security))
    (received,) = inbox.received
    assert received.recipients == ["ase@asker.kommune.no"]
    assert received.subject == "Prøve"
    assert servers.logins.seen == [(USER, PASSWORD)]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_gets_nothing(servers: Servers, security: str) -> None:
    inbox = servers.starttls if security == "starttls" else servers.implicit
    with pytest.raises(mailer.TlsFailed, match=r"Sertifikatet til e-posttjeneren 127\.0\.0\.1"):
        _send(_smtp(servers, inbox, security, trusted=False))  # the system's trust store
    assert inbox.received == [] and servers.logins.seen == []


def test_no_password_to_a_server_without_starttls(servers: Servers) -> None:
    # The plain server would take AUTH in clear text; the mailer never offers it.
    with pytest.raises(mailer.TlsFailed, match="tilbyr ikke STARTTLS"):
        _send(_smtp(servers, servers.plain, "starttls"))
    assert servers.plain.received == [] and servers.logins.seen == []


@pytest.fixture
def settings(tmp_path: Path, servers: Servers) -> Settings:
    """STARTTLS to the test server, trusting only the system's store (not the test CA);
    a failed try waits an hour, so one drain is one try."""
    return Settings(
        data_dir=tmp_path,
        secret_key="x" * 40,
        base_url="http://kurs.example.no",
        smtp_host="127.0.0.1",
        smtp_port=servers.starttls.port,
        smtp_security="starttls",
        smtp_user=USER,
        smtp_password=PASSWORD,  # type: ignore[arg-type]
        smtp_sender="Innovasjonsstudiet <kurs@example.no>",
        smtp_timeout_seconds=10,
        job_retry_base_seconds=3600,
        job_retry_max_seconds=3600,
    )


def test_the_job_fails_with_a_clear_message_and_is_tried_again_later(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings, servers: Servers
) -> None:
    body = {"email": "ola@asker.kommune.no", "full_name": "Ola", "municipality": "Asker"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    invited = client.post(f"/api/v1/users/{created.json()['id']}/invitation", headers=admin)
    assert invited.status_code == 202, invited.text
    drain(engine, settings)
    with Session(engine) as session:
        (job,) = session.exec(select(Job).where(col(Job.kind) == "email.send")).all()
    assert (job.state, job.attempt) == (JobState.QUEUED, 1)
    assert "kunne ikke bekreftes" in (job.last_error or "")
    assert "INNOSTUDY_SMTP_CA_FILE" in (job.last_error or "")
    assert servers.starttls.received == [] and servers.logins.seen == []


def test_a_ca_file_that_is_not_one_stops_the_service(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("ikke et sertifikat")
    with pytest.raises(ValueError, match="INNOSTUDY_SMTP_CA_FILE"):
        Settings(data_dir=tmp_path, secret_key="x" * 40, smtp_host="smtp.example.no",
                 smtp_sender="kurs@example.no", smtp_ca_file=not_pem)  # fmt: skip
