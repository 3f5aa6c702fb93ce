"""Sending e-mail over SMTP with the standard library: the connection and the MIME message.

``Smtp.of(settings)`` is None when no SMTP host is configured (then nothing is sent).
A message has a plain-text and an HTML part, UTF-8 headers (the SMTP policy encodes
names such as «Åse Ødegård» as RFC 2047 words), and a ``Message-ID`` derived from the
message's key, so a receiving system that sees a message twice can tell it is the same.

Under TLS (STARTTLS or implicit) the server's certificate is verified against the system's
trust store or ``INNOSTUDY_SMTP_CA_FILE``, its name included. A server that does not
offer STARTTLS, or whose certificate does not hold, gets nothing: no password, no
message (``TlsFailed``, an ``OSError``, so the job tries again later).
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from api.core.config import Settings
from api.data.models import utcnow

_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class PermanentlyRefused(Exception):
    """The server refused the message for good (a 5xx answer): trying again will not help."""


class TlsFailed(OSError):
    """No encrypted connection to the server could be made: nothing was sent."""


@dataclass(frozen=True, slots=True)
class Smtp:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str
    timeout: float
    ca_file: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> Smtp | None:
        if settings.smtp_host is None or settings.smtp_sender is None:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or _DEFAULT_PORTS[settings.smtp_security],
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_sender,
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
        )

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "innostudy.invalid"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to one person, rendered."""

    key: str
    to_name: str
    to_address: str
    subject: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...] = ()


def build(smtp: Smtp, outgoing: Outgoing) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = outgoing.subject
    message["From"] = smtp.sender
    username, _, domain = outgoing.to_address.rpartition("@")
    message["To"] = Address(display_name=outgoing.to_name, username=username, domain=domain)
    message["Date"] = format_datetime(utcnow())
    digest = hashlib.sha256(outgoing.key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@{smtp.sender_domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in outgoing.headers:
        message[name] = value
    message.set_content(outgoing.text, subtype="plain", charset="utf-8")
    message.add_alternative(outgoing.html, subtype="html", charset="utf-8")
    return message


def send(smtp: Smtp, message: EmailMessage) -> None:
    """Hand the message to the server. A temporary refusal (4xx), a lost connection or a
    failed TLS handshake raises ``smtplib.SMTPException``/``OSError`` (the job tries
    again); a permanent one (5xx for the recipient or the message) raises
    ``PermanentlyRefused``."""
    context = ssl.create_default_context(cafile=smtp.ca_file)
    try:
        client = _connect(smtp, context)
    except ssl.SSLCertVerificationError as exc:
        raise TlsFailed(
            f"Sertifikatet til e-posttjeneren {smtp.host} kunne ikke bekreftes "
            f"({exc.verify_message}); ingenting ble sendt. Sjekk tjeneren, eller sett "
            "INNOSTUDY_SMTP_CA_FILE til CA-sertifikatet den bruker."
        ) from None
    except ssl.SSLError as exc:
        raise TlsFailed(
            f"Kunne ikke opprette en kryptert forbindelse til e-posttjeneren {smtp.host} "
            f"({exc.reason}); ingenting ble sendt."
        ) from None
    with client:
        if smtp.user is not None and smtp.password is not None:
            client.login(smtp.user, smtp.password)
        try:
            client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentlyRefused(f"mottakeren ble avvist ({codes})") from None
            raise
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                raise PermanentlyRefused(f"meldingen ble avvist ({exc.smtp_code})") from None
            raise


def _connect(smtp: Smtp, context: ssl.SSLContext) -> smtplib.SMTP:
    """A connection that is encrypted (unless the security is ``none``) before anything
    else is said: a password and a message never go in clear text."""
    if smtp.security == "tls":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    if smtp.security == "starttls":
        try:
            client.starttls(context=context)
        except smtplib.SMTPNotSupportedError:
            client.close()
            raise TlsFailed(
                f"E-posttjeneren {smtp.host} tilbyr ikke STARTTLS; ingenting ble sendt. "
                "Bruk en tjener med kryptering, eller INNOSTUDY_SMTP_SECURITY=tls."
            ) from None
        except BaseException:
            client.close()
            raise
    return client
