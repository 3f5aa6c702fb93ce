"""Settings from ``INNOSTUDY_*`` environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

import ipaddress
import secrets
import ssl
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONTENT = PROJECT_ROOT / "modules"
# The user's data folder (~/.local/share/innostudy on Linux): the same database whichever
# folder a command runs from. A relative INNOSTUDY_DATA_DIR is still taken from there.
DEFAULT_DATA_DIR = user_data_path("innostudy", appauthor=False)
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_WEAK_SECRETS = {"changeme", "change-me", "secret", "dev", "development", "innostudy"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INNOSTUDY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    content_dir: Path = SHIPPED_CONTENT
    base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None

    token_ttl_minutes: int = Field(default=8 * 60, gt=0)
    # Login throttling (api.services.login_throttle), all counted over the window.
    login_window_seconds: int = Field(default=15 * 60, gt=0)
    # Failures for one account from anywhere, after which only a known client (one that
    # signed in to the account within login_known_client_days) may still try.
    login_max_failures_per_account: int = Field(default=5, gt=0)
    # Failures from one address for any accounts: high enough for a town hall behind NAT.
    login_max_failures_per_client: int = Field(default=300, gt=0)
    # Failures for one account from one client before each next try must wait: the
    # first wait is login_delay_base_seconds, doubled with each further failure, at
    # most login_delay_max_seconds.
    login_free_failures_per_pair: int = Field(default=3, ge=0)
    login_delay_base_seconds: int = Field(default=2, gt=0)
    login_delay_max_seconds: int = Field(default=15 * 60, gt=0)
    # How long a client that signed in stays known to the account, and how many are kept.
    login_known_client_days: int = Field(default=90, gt=0)
    login_known_clients_per_account: int = Field(default=10, gt=0)
    # Proxies whose X-Forwarded-For is believed: comma-separated addresses or networks
    # (``10.0.0.5, 192.168.0.0/24``). Default: none, so the peer's own address is counted.
    trusted_proxies: str = ""
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    # FastAPI's own OpenTelemetry traces, metrics and logs, for an operator who has set up
    # an exporter. Off by default: checking for one costs every request about 10 µs.
    opentelemetry: bool = False

    # The issuing organisation (default: the course's ``issuer`` in course.toml) and
    # the person who signs for it. Without a signer name the organisation itself
    # signs, in the role of the signer title or else "Kursarrangør": a certificate
    # never shows a made-up person.
    certificate_issuer: str | None = Field(default=None, max_length=200)
    certificate_signer_name: str | None = Field(default=None, max_length=200)
    certificate_signer_title: str | None = Field(default=None, max_length=200)
    certificate_logo: Path | None = None

    # Open Badges (api.services.badge_keys): the Ed25519 key that signs them, as PKCS#8 PEM
    # (``openssl genpkey -algorithm ed25519``). Unset: one generated once into the data
    # directory (badge-signing-key.pem). Replacing either rotates the key.
    badge_signing_key: SecretStr | None = None

    accessibility_contact: str | None = Field(default=None, max_length=200)

    # Background jobs (api.services.jobs, api.services.worker). serve runs a worker in the
    # web process unless inprocess_worker is off (then run `innostudy worker` elsewhere).
    inprocess_worker: bool = True
    job_lease_seconds: float = Field(default=60, gt=0)
    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_retry_base_seconds: float = Field(default=10, ge=0)
    job_retry_max_seconds: float = Field(default=3600, ge=0)
    job_file_days: float = Field(default=7, gt=0)
    job_keep_days: float = Field(default=30, gt=0)
    log_format: Literal["json", "text"] = "json"

    # Signed webhooks (api.services.webhooks): how long one delivery may take, and the
    # hosts an endpoint may use plain http for besides loopback (e.g. a receiver on the
    # same private network); every other endpoint must use https.
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=120)
    webhook_http_hosts: str = ""
    # The delivery log keeps each try this long (the nightly clean-up removes older ones).
    webhook_log_days: float = Field(default=90, gt=0)

    # Operations (api.services.queue_health, api.http.observe): readiness, metrics, request logs.
    # /healthz/ready answers 503 once a due job has waited longer than this (0: never).
    ready_max_queue_age_seconds: float = Field(default=900, ge=0)
    # /metrics answers only with ``Authorization: Bearer <token>``; without a token it is 404.
    metrics_token: SecretStr | None = None
    # One JSON line per request on the ``innostudy.requests`` logger.
    request_log: bool = True

    # The learning record store that receives xAPI statements (api.services.xapi_delivery):
    # its xAPI endpoint (the statements resource is under it) and the Basic auth key and
    # secret it gave this installation. Without an endpoint no statements are made.
    xapi_endpoint: str | None = Field(default=None, max_length=500)
    xapi_key: str | None = Field(default=None, max_length=200)
    xapi_secret: SecretStr | None = None
    xapi_timeout_seconds: float = Field(default=10, gt=0)
    xapi_batch_size: int = Field(default=100, gt=0, le=1000)

    # E-mail over SMTP (api.services.mailer). Without a host no e-mail is sent: invitations
    # are refused, "Glemt passord" says to ask an administrator, and no reminders go out.
    # ``smtp_security``: "starttls" (port 587 by default), "tls" (implicit TLS, 465) or
    # "none" (25; for a relay on the same host or network only).
    smtp_host: str | None = Field(default=None, max_length=253)
    smtp_port: int | None = Field(default=None, gt=0, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = Field(default=None, max_length=254)
    smtp_password: SecretStr | None = None
    # The From address: ``kurs@kommune.no`` or ``Innovasjonsstudiet <kurs@kommune.no>``.
    smtp_sender: str | None = Field(default=None, max_length=300)
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=300)
    # The CA certificates (PEM) the server's certificate must chain to; unset: the system's
    # trust store. The certificate is always verified (and its name checked) under TLS.
    smtp_ca_file: Path | None = None
    # Self-service password reset ("Glemt passord"): how long a link works, and how many
    # requests one account (by address, known or not) and one client may make per window.
    password_reset_link_minutes: int = Field(default=60, gt=0, le=24 * 60)
    password_reset_window_seconds: int = Field(default=60 * 60, gt=0)
    password_reset_max_per_account: int = Field(default=3, gt=0)
    password_reset_max_per_client: int = Field(default=20, gt=0)
    # Deadline reminders go out this many days before a unit's or municipality's deadline.
    reminder_days_before: int = Field(default=7, ge=0, le=365)
    # OpenID Connect sign-in (api.services.oidc_sign_in): how long one request to a provider
    # (discovery, keys, token) may take, and how long its discovery document and keys are kept.
    sign_in_timeout_seconds: float = Field(default=10, gt=0, le=60)
    sign_in_metadata_seconds: float = Field(default=300, ge=0)

    @field_validator("certificate_issuer", "certificate_signer_name", "certificate_signer_title")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        """``INNOSTUDY_CERTIFICATE_SIGNER_NAME=`` (empty) means "not configured"."""
        return (value or "").strip() or None

    @field_validator("metrics_token")
    @classmethod
    def _check_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Blank is unset; a token anyone could guess would open the metrics to everyone."""
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("INNOSTUDY_METRICS_TOKEN må være en tilfeldig verdi på minst 16 tegn")
        return value

    @field_validator("badge_signing_key")
    @classmethod
    def _check_badge_key(cls, value: SecretStr | None) -> SecretStr | None:
        """Blank is unset; anything else must be an Ed25519 private key in PEM."""
        if value is None or not value.get_secret_value().strip():
            return None
        from api.core.signing_keys import KeyInvalid, load_pem

        try:
            load_pem(value.get_secret_value())
        except KeyInvalid as exc:
            raise ValueError(f"INNOSTUDY_BADGE_SIGNING_KEY: {exc}") from None
        return value

    @field_validator("xapi_endpoint", "xapi_key")
    @classmethod
    def _blank_xapi_is_unset(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("smtp_host", "smtp_user", "smtp_sender")
    @classmethod
    def _blank_smtp_is_unset(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("smtp_password")
    @classmethod
    def _blank_smtp_password_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("smtp_sender")
    @classmethod
    def _check_sender(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from email.headerregistry import Address
        from email.utils import parseaddr

        _, address = parseaddr(value)
        try:
            parsed = Address(addr_spec=address)
        except (ValueError, IndexError):
            parsed = None
        if parsed is None or not parsed.username or "." not in parsed.domain:
            raise ValueError(
                "INNOSTUDY_SMTP_SENDER må være en e-postadresse, for eksempel kurs@kommune.no "
                "eller «Innovasjonsstudiet <kurs@kommune.no>»"
            )
        return value

    @field_validator("xapi_secret")
    @classmethod
    def _blank_xapi_secret_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("xapi_endpoint")
    @classmethod
    def _check_xapi_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("INNOSTUDY_XAPI_ENDPOINT må være en http- eller https-adresse")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                "INNOSTUDY_XAPI_ENDPOINT skal være adressen til xAPI-endepunktet, uten "
                "spørring og uten brukernavn og passord (bruk INNOSTUDY_XAPI_KEY og _SECRET)"
            )
        return value.rstrip("/") + "/"

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"INNOSTUDY_TRUSTED_PROXIES: «{item}» er ikke en IP-adresse eller et nettverk "
                    "(for eksempel 10.0.0.5 eller 192.168.0.0/24)"
                ) from None
        return value

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """The networks of INNOSTUDY_TRUSTED_PROXIES (a single address is a /32 or /128)."""
        parts = (part.strip() for part in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(part, strict=False) for part in parts if part)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value.lower() in _WEAK_SECRETS or len(value) < 32:
                raise ValueError("INNOSTUDY_SECRET_KEY må være en tilfeldig verdi på minst 32 tegn")
        elif self.environment == "production":
            raise ValueError("INNOSTUDY_SECRET_KEY må være satt i produksjon")
        if self.xapi_endpoint is not None:
            if self.xapi_key is None or self.xapi_secret is None:
                raise ValueError(
                    "INNOSTUDY_XAPI_ENDPOINT trenger INNOSTUDY_XAPI_KEY og INNOSTUDY_XAPI_SECRET"
                )
            if self.environment == "production" and not self.xapi_endpoint.startswith("https:"):
                raise ValueError("INNOSTUDY_XAPI_ENDPOINT må bruke https i produksjon")
        self._check_smtp()
        return self

    def _check_smtp(self) -> None:
        """Refuse half an SMTP configuration: a message would fail only when it is sent."""
        smtp_set = {
            "INNOSTUDY_SMTP_PORT": self.smtp_port is not None,
            "INNOSTUDY_SMTP_USER": self.smtp_user is not None,
            "INNOSTUDY_SMTP_PASSWORD": self.smtp_password is not None,
            "INNOSTUDY_SMTP_SENDER": self.smtp_sender is not None,
            "INNOSTUDY_SMTP_CA_FILE": self.smtp_ca_file is not None,
        }
        if self.smtp_host is None:
            given = [name for name, present in smtp_set.items() if present]
            if given:
                raise ValueError(
                    f"{', '.join(given)} er satt, men ikke INNOSTUDY_SMTP_HOST: sett vertsnavnet "
                    "til e-posttjeneren, eller fjern de andre SMTP-innstillingene"
                )
            return
        if self.smtp_sender is None:
            raise ValueError("INNOSTUDY_SMTP_HOST trenger INNOSTUDY_SMTP_SENDER (avsenderadressen)")
        if (self.smtp_user is None) != (self.smtp_password is None):
            raise ValueError(
                "INNOSTUDY_SMTP_USER og INNOSTUDY_SMTP_PASSWORD må settes sammen "
                "(eller ingen av dem)"
            )
        if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
            raise ValueError(
                f"INNOSTUDY_SMTP_CA_FILE ({self.smtp_ca_file}) finnes ikke eller er ikke en fil"
            )
        if self.smtp_ca_file is not None:
            try:
                ssl.create_default_context(cafile=self.smtp_ca_file)
            except ssl.SSLError:
                raise ValueError(
                    f"INNOSTUDY_SMTP_CA_FILE ({self.smtp_ca_file}) har ingen CA-sertifikater i "
                    "PEM-format"
                ) from None
        if self.smtp_password is not None and self.smtp_security == "none":
            raise ValueError(
                "INNOSTUDY_SMTP_PASSWORD sendes ikke uten kryptering: sett "
                "INNOSTUDY_SMTP_SECURITY til starttls eller tls"
            )

    @property
    def email_enabled(self) -> bool:
        return self.smtp_host is not None

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'innostudy.db').resolve()}"

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()
