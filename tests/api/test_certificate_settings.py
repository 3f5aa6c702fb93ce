"""Certificate issuer and signer settings: unset by default, and blank means unset."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.core.config import Settings


def test_no_signer_is_configured_by_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.certificate_issuer is None  # the course's issuer from course.toml
    assert settings.certificate_signer_name is None
    assert settings.certificate_signer_title is None


def test_blank_signer_variables_count_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INNOSTUDY_CERTIFICATE_ISSUER", "")
    monkeypatch.setenv("INNOSTUDY_CERTIFICATE_SIGNER_NAME", "   ")
    monkeypatch.setenv("INNOSTUDY_CERTIFICATE_SIGNER_TITLE", "")
    settings = Settings(data_dir=tmp_path)
    assert settings.certificate_issuer is None
    assert settings.certificate_signer_name is None
    assert settings.certificate_signer_title is None


def test_signer_variables_are_read_and_trimmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INNOSTUDY_CERTIFICATE_SIGNER_NAME", " Ingrid Solberg-Haugen ")
    monkeypatch.setenv("INNOSTUDY_CERTIFICATE_SIGNER_TITLE", "Kompetanseleder")
    settings = Settings(data_dir=tmp_path)
    assert settings.certificate_signer_name == "Ingrid Solberg-Haugen"
    assert settings.certificate_signer_title == "Kompetanseleder"


def test_an_absurdly_long_signer_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="certificate_signer_name"):
        Settings(data_dir=tmp_path, certificate_signer_name="S" * 201)
