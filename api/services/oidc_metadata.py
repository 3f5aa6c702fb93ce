"""What sign-in needs to know of an OpenID Connect provider: its discovery document and its
published signing keys, fetched over HTTP (httpx2) and kept for
``INNOSTUDY_SIGN_IN_METADATA_SECONDS`` in this process. Any failure to fetch them is
``SignInProviderUnavailable``: the provider is down or not what it says it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock
from typing import TYPE_CHECKING, Any

from api.core.config import Settings
from api.core.errors import SignInProviderUnavailable

if TYPE_CHECKING:
    from joserfc.jwk import KeySet


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a provider's discovery document says, as far as sign-in needs it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


_cache_lock = Lock()
_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, dict[str, Any]]] = {}


def _get_json(settings: Settings, url: str) -> dict[str, Any]:
    import httpx2

    try:
        response = httpx2.get(url, timeout=settings.sign_in_timeout_seconds)
        response.raise_for_status()
        value = response.json()
    except (httpx2.HTTPError, httpx2.InvalidURL, ValueError):
        raise SignInProviderUnavailable() from None
    if not isinstance(value, dict):
        raise SignInProviderUnavailable()
    return value


_ADDRESSES = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def _is_address(value: object) -> bool:
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2000
    )


def discover(*, settings: Settings, issuer: str) -> Metadata:
    """The provider's discovery document (kept ``sign_in_metadata_seconds``)."""
    now = time.monotonic()
    with _cache_lock:
        found = _metadata.get(issuer)
    if found is not None and now - found[0] < settings.sign_in_metadata_seconds:
        return found[1]
    doc = _get_json(settings, issuer + "/.well-known/openid-configuration")
    addresses = [doc.get(name) for name in _ADDRESSES]
    end_session = doc.get("end_session_endpoint")
    # A document whose addresses are not text (or not http) is the provider's fault.
    if not all(_is_address(value) for value in addresses) or not (
        end_session is None or _is_address(end_session)
    ):
        raise SignInProviderUnavailable()
    issuer_, authorization, token, jwks = (str(value) for value in addresses)
    metadata = Metadata(
        issuer=issuer_,
        authorization_endpoint=authorization,
        token_endpoint=token,
        jwks_uri=jwks,
        end_session_endpoint=end_session,
    )
    # A document that names another issuer is not this provider's (OpenID Discovery 4.3).
    if metadata.issuer.rstrip("/") != issuer.rstrip("/"):
        raise SignInProviderUnavailable()
    with _cache_lock:
        _metadata[issuer] = (now, metadata)
    return metadata


def key_set(settings: Settings, metadata: Metadata, *, fresh: bool = False) -> KeySet:
    from joserfc.jwk import KeySet

    now = time.monotonic()
    with _cache_lock:
        found = _keys.get(metadata.jwks_uri)
    if fresh or found is None or now - found[0] >= settings.sign_in_metadata_seconds:
        found = (now, _get_json(settings, metadata.jwks_uri))
        with _cache_lock:
            _keys[metadata.jwks_uri] = found
    try:
        return KeySet.import_key_set(found[1])  # type: ignore[arg-type]
    except Exception:  # a key set that does not parse is the provider's fault
        raise SignInProviderUnavailable() from None


def forget_cached(issuer: str | None = None) -> None:
    """Drop cached discovery documents and keys (all, or one issuer's)."""
    with _cache_lock:
        if issuer is None:
            _metadata.clear()
            _keys.clear()
        else:
            found = _metadata.pop(issuer, None)
            if found is not None:
                _keys.pop(found[1].jwks_uri, None)
