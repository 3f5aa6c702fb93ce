"""A real SMTP server for tests: aiosmtpd's Controller on a free loopback port.

It keeps every message it accepted, parsed with the standard library, and can be told
to answer the first deliveries with a temporary refusal (451), as a busy server does.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, subtype
        return str(body.get_content())  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def links(self) -> list[str]:
        """The links of the plain-text part, in order."""
        return re.findall(r"https?://\S+", self.text)

    def link(self, contains: str) -> str:
        """The path and query of the one text link containing ``contains`` (for the app),
        after checking the HTML part has the same link."""
        (found,) = [link for link in self.links() if contains in link]
        assert f'href="{found.replace("&", "&amp;")}"' in self.html, found
        parts = urlsplit(found)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Inbox:
    fail_first: int = 0
    port: int = 0
    tries: int = 0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.tries += 1
            if self.tries <= self.fail_first:
                return "451 4.3.0 Midlertidig feil, prøv igjen senere"
            content = envelope.original_content or envelope.content
            parsed = message_from_bytes(content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(fail_first: int = 0, **options: Any) -> Iterator[Inbox]:
    """``options`` go to aiosmtpd's Controller and SMTP (``tls_context``,
    ``require_starttls``, ``ssl_context`` for implicit TLS, ``authenticator``, ...)."""
    inbox = Inbox(fail_first=fail_first, port=_free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
