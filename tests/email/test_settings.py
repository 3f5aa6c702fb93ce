"""SMTP settings: half a configuration is refused with a message that says what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.core.config import Settings
from api.services.mailer import Smtp


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"smtp_sender": "kurs@kommune.no"}, "INNOSTUDY_SMTP_SENDER er satt, men ikke"),
        ({"smtp_host": "smtp.kommune.no"}, "trenger INNOSTUDY_SMTP_SENDER"),
        (
            {"smtp_host": "smtp.kommune.no", "smtp_sender": "kurs@kommune.no", "smtp_user": "u"},
            "må settes sammen",
        ),
        (
            {
                "smtp_host": "smtp.kommune.no",
                "smtp_sender": "kurs@kommune.no",
                "smtp_user": "u",
                "smtp_password": "p",
                "smtp_security": "none",
            },
            "sendes ikke uten kryptering",
        ),
        ({"smtp_host": "smtp.kommune.no", "smtp_sender": "ikke en adresse"}, "må være en e-post"),
    ],
)
def test_half_an_smtp_configuration_is_refused(
    tmp_path: Path, given: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(data_dir=tmp_path, **given)  # type: ignore[arg-type]


def test_a_whole_configuration_gets_the_port_of_its_security(tmp_path: Path) -> None:
    base = {"smtp_host": "smtp.kommune.no", "smtp_sender": "Kurs <kurs@kommune.no>"}
    assert Smtp.of(Settings(data_dir=tmp_path)) is None  # no host: no e-mail at all
    ports = {
        security: Smtp.of(Settings(data_dir=tmp_path, smtp_security=security, **base))
        for security in ("starttls", "tls", "none")
    }
    assert {k: v.port for k, v in ports.items() if v} == {"starttls": 587, "tls": 465, "none": 25}
    custom = Smtp.of(Settings(data_dir=tmp_path, smtp_port=2525, **base))
    assert custom is not None and custom.port == 2525
