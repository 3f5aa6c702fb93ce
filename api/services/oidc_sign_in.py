"""Signing in through an OpenID Connect provider: the authorization code flow with PKCE.

``start`` builds the provider's authorization address (state, nonce and an S256 code
challenge) and seals what the callback needs into the value of a browser cookie;
``finish`` checks the answer against that cookie, exchanges the code (Authlib), validates
the ID token (joserfc: signature against the provider's published keys, issuer, audience,
expiry, nonce, and ``acr``/``tid`` where the provider's kind asks for them), then hands
the claims to ``oidc_accounts`` (found, linked by a *verified* e-mail address, or created)
and, for Entra ID, to ``entra_groups``. Discovery and keys are ``oidc_metadata``. Every
outcome is audited with the provider and at most the account id. Nothing is written
before every check has passed, so a refused sign-in creates no account.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlmodel import Session

from api.core.config import Settings
from api.core.errors import (
    SignInFailed,
    SignInLevelTooLow,
    SignInNotAllowed,
    SignInProviderNotFound,
    SignInProviderUnavailable,
    SignInStateInvalid,
    SignInTokenInvalid,
)
from api.data.models import (
    Municipality,
    SignInProvider,
    SignInProviderKind,
    User,
    WrittenForm,
)
from api.services import audit, entra_groups, sign_in_providers, sign_in_secrets
from api.services.oidc_accounts import account
from api.services.oidc_metadata import Metadata, discover, key_set

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

FLOW_SECONDS = 600  # how long a started sign-in may take at the provider
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
_LEEWAY = 60  # seconds of clock difference allowed for exp and iat
# ID-porten's levels, lowest first: a higher level satisfies a lower requirement.
_ACR_RANK = {"idporten-loa-low": 1, "idporten-loa-substantial": 2, "idporten-loa-high": 3}
_UI_LOCALES = {WrittenForm.NYNORSK: "nn"}


def _client(provider: SignInProvider, settings: Settings, redirect_uri: str) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    secret = sign_in_secrets.unseal(settings, sign_in_secrets.CLIENT_SECRET, provider.client_secret)
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=secret,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=settings.sign_in_timeout_seconds,
    )


def _enabled(session: Session, provider_id: int) -> SignInProvider:
    provider = sign_in_providers.get_enabled(session=session, provider_id=provider_id)
    if provider is None:
        raise SignInProviderNotFound()
    return provider


def _ui_locales(session: Session, provider: SignInProvider) -> str:
    """ID-porten's language: the written form of the one municipality it serves, else bokmål."""
    numbers = provider.municipalities.split()
    if len(numbers) == 1:
        municipality = session.get(Municipality, numbers[0])
        if municipality is not None:
            return _UI_LOCALES.get(WrittenForm(municipality.written_form), "nb")
    return "nb"


@dataclass(frozen=True, slots=True)
class SignInStart:
    url: str  # where to send the browser
    flow: str  # the sealed cookie value the callback needs


def start(
    *, session: Session, settings: Settings, provider_id: int, redirect_uri: str, next_path: str
) -> SignInStart:
    """The provider's authorization address and the sealed flow for the callback."""
    provider = _enabled(session, provider_id)
    metadata = discover(settings=settings, issuer=provider.issuer)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)
    extra: dict[str, str] = {"nonce": nonce}
    if provider.acr_values:
        extra["acr_values"] = provider.acr_values
    if provider.kind == SignInProviderKind.IDPORTEN:
        extra["ui_locales"] = _ui_locales(session, provider)
    try:
        client = _client(provider, settings, redirect_uri)
    except sign_in_secrets.SealedUnreadable:
        raise SignInProviderUnavailable(_SECRET_UNREADABLE) from None
    with client:
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, code_verifier=verifier, **extra
        )
    flow = {"p": provider.id, "s": state, "n": nonce, "v": verifier, "r": next_path,
            "t": int(time.time())}  # fmt: skip
    sealed = sign_in_secrets.seal_json(settings, sign_in_secrets.FLOW, flow)
    return SignInStart(url=url, flow=sealed)


_SECRET_UNREADABLE = (
    "Innloggingstjenesten er ikke riktig satt opp (klienthemmeligheten kan ikke leses). "
    "Kontakt administratoren."
)


@dataclass(frozen=True, slots=True)
class SignInDone:
    user: User
    next_path: str
    # Sealed: the provider and the ID token, for logging out at the provider later.
    logout: str | None


@dataclass(frozen=True, slots=True)
class Callback:
    """What the provider sent back to the redirect address."""

    state: str | None
    code: str | None
    error: str | None


def finish(
    *,
    session: Session,
    settings: Settings,
    flow: str | None,
    callback: Callback,
    redirect_uri: str,
) -> SignInDone:
    """Check the provider's answer and sign the person in; SignInFailed (audited) if not."""
    provider_id: int | None = None
    try:
        values = _flow(settings, flow, callback)
        provider_id = int(values["p"])
        provider = _enabled(session, provider_id)
        if callback.error is not None:
            raise SignInFailed("Innloggingen ble avbrutt hos innloggingstjenesten. Prøv igjen.")
        if not callback.code:
            raise SignInStateInvalid()
        metadata = discover(settings=settings, issuer=provider.issuer)
        id_token = _exchange(provider, settings, metadata, redirect_uri, callback.code, values)
        claims = _validate(provider, settings, metadata, id_token, str(values["n"]))
        user, how = account(session, settings, provider, metadata, claims)
        if provider.kind == SignInProviderKind.ENTRA:
            entra_groups.apply(session=session, provider=provider, user=user, claims=claims)
    except SignInFailed as exc:
        _record(session, None, provider_id, exc.code)
        raise
    _record(session, user, provider_id, how)
    logout = None
    if metadata.end_session_endpoint:
        kept = {"p": provider_id, "t": id_token}
        logout = sign_in_secrets.seal_json(settings, sign_in_secrets.LOGOUT, kept)
    return SignInDone(user=user, next_path=str(values["r"]), logout=logout)


def _flow(settings: Settings, flow: str | None, callback: Callback) -> dict[str, Any]:
    if not flow or not callback.state:
        raise SignInStateInvalid()
    try:
        values = sign_in_secrets.unseal_json(settings, sign_in_secrets.FLOW, flow)
    except (sign_in_secrets.SealedUnreadable, ValueError):
        raise SignInStateInvalid() from None
    if not {"p", "s", "n", "v", "r", "t"} <= values.keys():
        raise SignInStateInvalid()
    if not hmac.compare_digest(str(values["s"]).encode(), callback.state.encode()):
        raise SignInStateInvalid()
    if time.time() - float(values["t"]) > FLOW_SECONDS:
        raise SignInFailed("Innloggingen tok for lang tid. Start den på nytt.")
    return values


def _exchange(
    provider: SignInProvider,
    settings: Settings,
    metadata: Metadata,
    redirect_uri: str,
    code: str,
    values: dict[str, Any],
) -> str:
    import httpx2
    from authlib.integrations.base_client import OAuthError
    from authlib.oauth2 import OAuth2Error

    try:
        client = _client(provider, settings, redirect_uri)
    except sign_in_secrets.SealedUnreadable:
        raise SignInProviderUnavailable(_SECRET_UNREADABLE) from None
    try:
        with client:
            token = client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=str(values["v"]),
            )
    except (OAuthError, OAuth2Error):
        raise SignInFailed(
            "Innloggingstjenesten godtok ikke innloggingen (koden er allerede brukt eller "
            "utløpt). Start innloggingen på nytt."
        ) from None
    except (httpx2.HTTPError, httpx2.InvalidURL, ValueError, TypeError, AttributeError):
        # Not an answer a token endpoint gives (not JSON, not an object): the provider's fault.
        raise SignInProviderUnavailable() from None
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str):
        raise SignInTokenInvalid()
    return id_token


def _validate(
    provider: SignInProvider, settings: Settings, metadata: Metadata, id_token: str, nonce: str
) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import BadSignatureError, JoseError

    def decode(keys: KeySet) -> jwt.Token:
        return jwt.decode(id_token, keys, algorithms=_ALGORITHMS)

    try:
        try:
            token = decode(key_set(settings, metadata))
        except (BadSignatureError, ValueError, JoseError):
            # The provider may have rotated its keys since they were fetched.
            token = decode(key_set(settings, metadata, fresh=True))
        registry = jwt.JWTClaimsRegistry(
            leeway=_LEEWAY,
            iss={"essential": True, "value": metadata.issuer},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError):
        raise SignInTokenInvalid() from None
    claims = dict(token.claims)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or provider.client_id not in audiences:
        raise SignInTokenInvalid()
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise SignInTokenInvalid()
    _check_acr(provider, claims.get("acr"))
    if provider.kind == SignInProviderKind.ENTRA and claims.get("tid") != provider.tenant_id:
        raise SignInNotAllowed(
            "Du logget inn med en konto fra en annen organisasjon enn kommunen denne "
            "innloggingstjenesten er satt opp for."
        )
    return claims


def _check_acr(provider: SignInProvider, acr: object) -> None:
    required = provider.acr_values.split()
    if not required:
        return
    if not isinstance(acr, str):
        raise SignInLevelTooLow()
    if acr in required:
        return
    ranks = [_ACR_RANK[value] for value in required if value in _ACR_RANK]
    if acr in _ACR_RANK and ranks and _ACR_RANK[acr] >= min(ranks):
        return
    raise SignInLevelTooLow()


def _record(session: Session, user: User | None, provider_id: int | None, reason: str) -> None:
    """``reason``: how the account was found, or the failure's code (no personal data)."""
    details: dict[str, object] = {"provider": provider_id, "reason": reason}
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.SIGN_IN,
        target=audit.user_target(user.id)
        if user is not None
        else (f"sign_in_provider:{provider_id}" if provider_id is not None else "sign_in"),
        outcome=audit.Outcome.OK if user is not None else audit.Outcome.FAILED,
        details=details,
        municipality=user.municipality_number if user is not None else None,
    )


def logout_url(
    *, session: Session, settings: Settings, kept: str | None, post_logout_redirect_uri: str
) -> str | None:
    """The provider's end-session address with the ID token as hint, if there is one."""
    if not kept:
        return None
    try:
        values = sign_in_secrets.unseal_json(settings, sign_in_secrets.LOGOUT, kept)
        provider = session.get(SignInProvider, int(values["p"]))
        id_token = str(values["t"])
    except (sign_in_secrets.SealedUnreadable, ValueError, KeyError, TypeError):
        return None
    if provider is None:
        return None
    try:
        metadata = discover(settings=settings, issuer=provider.issuer)
    except SignInFailed:
        return None  # the local session is ended anyway
    if not metadata.end_session_endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": provider.client_id,
        }
    )
    separator = "&" if "?" in metadata.end_session_endpoint else "?"
    return metadata.end_session_endpoint + separator + query


def providers_for_login(*, session: Session) -> list[tuple[int, str]]:
    """The enabled providers, as the login page offers them: id and name."""
    return [(p.id, p.name) for p in sign_in_providers.enabled_providers(session=session) if p.id]
