"""Sending e-mail over SMTP with the standard library: the connection and the MIME message.

``Smtp.of(settings)`` is None when no SMTP host is configured (then nothing is sent).
A message has a plain-text and an HTML part, UTF-8 headers (the SMTP policy encodes
names such as «Åse Ødegård» as RFC 2047 words), and a ``Message-ID`` derived from the
message's key, so a receiving system that sees a message twice can tell it is the same.
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

from api.core.config import Settings
from api.data.models import utcnow

_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class PermanentlyRefused(Exception):
    """The server refused the message for good (a 5xx answer): trying again will not help."""


@dataclass(frozen=True, slots=True)
class Smtp:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str
    timeout: float

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
    """Hand the message to the server. A temporary refusal (4xx) or a lost connection
    raises ``smtplib.SMTPException``/``OSError`` (the job tries again); a permanent one
    (5xx for the recipient or the message) raises ``PermanentlyRefused``."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
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
