"""OpenID Connect providers as an installation administrator sets them up (the
municipalities' rule that their people sign in through one is ``sign_in_requirements``).

A provider has a kind (``SignInProviderKind``): ID-porten (``acr`` checked, the ``pid``
kept only as a keyed hash), Entra ID for one municipality's tenant (``tid`` must match)
or generic (Feide and the like). Its client secret is sealed at rest and never
returned (``sign_in_secrets``). Every change is audited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel import Session, col, select

from api.core.config import Settings
from api.core.errors import NotFound, SignInRequirementInvalid
from api.data.models import (
    OrgUnit,
    SignInProvider,
    SignInProviderKind,
    utcnow,
)
from api.services import audit, sign_in_secrets, user_municipality
from api.services.contracts import NO_CONTROL_CHARACTERS
from api.services.scope import Actor, Capability

# Our field -> the provider's claim. ``subject`` is what recognises the person again.
CLAIM_FIELDS = ("subject", "email", "email_verified", "name", "municipality")
DEFAULT_CLAIMS: dict[SignInProviderKind, dict[str, str]] = {
    SignInProviderKind.IDPORTEN: {"subject": "pid"},
    SignInProviderKind.ENTRA: {
        "subject": "oid",
        "email": "email",
        "email_verified": "email_verified",
        "name": "name",
    },
    SignInProviderKind.GENERIC: {
        "subject": "sub",
        "email": "email",
        "email_verified": "email_verified",
        "name": "name",
    },
}
DEFAULT_SCOPES = {
    SignInProviderKind.IDPORTEN: "openid profile",
    SignInProviderKind.ENTRA: "openid profile email",
    SignInProviderKind.GENERIC: "openid profile email",
}
IDPORTEN_ACR = "idporten-loa-substantial"
KIND_NAMES = {
    SignInProviderKind.IDPORTEN: "ID-porten",
    SignInProviderKind.ENTRA: "Entra ID",
    SignInProviderKind.GENERIC: "OpenID Connect",
}


class ProviderNotFound(NotFound):
    code = "sign_in_provider_not_found"
    message = "Fant ingen innloggingstjeneste med denne id-en."


def _word_list(value: str) -> str:
    return " ".join(dict.fromkeys(value.replace(",", " ").split()))


class GroupMapping(BaseModel):
    """What membership of one Entra ID group gives: a primary unit and/or a scoped role
    (a leader of the unit, or of the municipality without one; a municipal administrator)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: int | None = Field(default=None, ge=1, le=2**31 - 1)
    role: Literal["leader", "municipal_admin"] | None = None

    @model_validator(mode="after")
    def _something(self) -> GroupMapping:
        if self.unit is None and self.role is None:
            raise ValueError("En gruppe må gi en enhet, en rolle eller begge.")
        return self


def parse_group_line(line: str) -> tuple[str, GroupMapping]:
    """``<group id>=<unit id>[,leader|municipal_admin]`` (the unit may be left out): one line
    of the page's group field and one ``--group`` of the command line."""
    group, _, rest = line.partition("=")
    unit_text, _, role = rest.partition(",")
    if not group.strip() or not rest.strip():
        raise ValueError(f"«{line.strip()}»: skriv gruppe-id=enhets-id,rolle.")
    try:
        unit = int(unit_text) if unit_text.strip() else None
        mapping = GroupMapping(unit=unit, role=role.strip() or None)
    except (ValueError, ValidationError):
        raise ValueError(
            f"«{line.strip()}»: enheten må være et enhetsnummer og rollen leader eller "
            "municipal_admin."
        ) from None
    return group.strip()[:100], mapping


class ProviderCreate(BaseModel):
    """A new provider. ``municipalities``: numbers or names it serves (empty: any)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)
    kind: SignInProviderKind = SignInProviderKind.GENERIC
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    client_secret: str = Field(min_length=1, max_length=500, pattern=NO_CONTROL_CHARACTERS)
    scopes: str | None = Field(default=None, max_length=500, pattern=NO_CONTROL_CHARACTERS)
    claim_map: dict[str, str] = Field(default_factory=dict)
    municipalities: list[str] = Field(default_factory=list, max_length=400)
    acr_values: str | None = Field(default=None, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    tenant_id: str | None = Field(default=None, max_length=100, pattern=NO_CONTROL_CHARACTERS)
    group_map: dict[str, GroupMapping] = Field(default_factory=dict, max_length=200)

    @field_validator("name", "client_id", "client_secret")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Feltet kan ikke være tomt.")
        return value.strip()

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "Utstederen må være en https-adresse (for eksempel https://idporten.no)."
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("Utstederen skal være en adresse uten spørring og uten brukernavn.")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("Utstederen må bruke https.")
        return value

    @field_validator("claim_map")
    @classmethod
    def _claims(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(CLAIM_FIELDS))
        if unknown:
            raise ValueError(
                f"Ukjent felt i kravtilordningen: {', '.join(unknown)}. Bruk "
                + ", ".join(CLAIM_FIELDS)
                + "."
            )
        if any(not claim.strip() or len(claim) > 100 for claim in value.values()):
            raise ValueError("Hvert krav må ha et navn på 1 til 100 tegn.")
        return {key: claim.strip() for key, claim in value.items()}

    @model_validator(mode="after")
    def _by_kind(self) -> ProviderCreate:
        if self.kind == SignInProviderKind.ENTRA and not (self.tenant_id or "").strip():
            raise ValueError("Entra ID trenger kommunens tenant-id (tid).")
        if self.group_map and self.kind != SignInProviderKind.ENTRA:
            raise ValueError("Grupper kan bare knyttes til enheter og roller for Entra ID.")
        return self


@dataclass(frozen=True, slots=True)
class ProviderView:
    """A provider as pages and commands show it: never its secret."""

    id: int
    name: str
    kind: str
    issuer: str
    client_id: str
    scopes: str
    claim_map: dict[str, str]
    municipalities: tuple[str, ...]
    acr_values: str
    tenant_id: str | None
    group_map: dict[str, GroupMapping]
    is_enabled: bool

    @classmethod
    def of(cls, provider: SignInProvider) -> ProviderView:
        assert provider.id is not None
        return cls(
            id=provider.id,
            name=provider.name,
            kind=provider.kind,
            issuer=provider.issuer,
            client_id=provider.client_id,
            scopes=provider.scopes,
            claim_map=claim_map(provider),
            municipalities=tuple(provider.municipalities.split()),
            acr_values=provider.acr_values,
            tenant_id=provider.tenant_id,
            group_map=group_map(provider),
            is_enabled=provider.is_enabled,
        )


def claim_map(provider: SignInProvider) -> dict[str, str]:
    """The kind's defaults with the administrator's own mapping on top."""
    stored = json.loads(provider.claim_map or "{}")
    return {**DEFAULT_CLAIMS[SignInProviderKind(provider.kind)], **stored}


def group_map(provider: SignInProvider) -> dict[str, GroupMapping]:
    stored = json.loads(provider.group_map or "{}")
    return {group: GroupMapping.model_validate(value) for group, value in stored.items()}


def _check_units(session: Session, data: ProviderCreate, numbers: list[str]) -> None:
    """Every mapped unit exists, is open, and lies in a municipality the provider serves."""
    for group, mapping in data.group_map.items():
        if mapping.unit is None:
            continue
        unit = session.get(OrgUnit, mapping.unit)
        if unit is None or unit.closed_at is not None:
            raise SignInRequirementInvalid(f"Gruppe {group}: enhet {mapping.unit} finnes ikke.")
        if numbers and unit.municipality_number not in numbers:
            raise SignInRequirementInvalid(
                f"Gruppe {group}: enhet {mapping.unit} hører ikke til en kommune tjenesten er for."
            )


def _target(provider_id: int | None) -> str:
    return f"sign_in_provider:{provider_id}"


def create_provider(
    *, session: Session, settings: Settings, actor: Actor, data: ProviderCreate
) -> ProviderView:
    """Add a provider (installation administrators only); the secret is sealed."""
    actor.require(Capability.INSTALLATION)
    numbers: list[str] = []
    index = user_municipality.MunicipalityIndex.load(session=session)
    for given in data.municipalities:
        if given.strip():
            numbers.append(user_municipality.find(session=session, given=given, index=index).number)
    _check_units(session, data, numbers)
    acr = data.acr_values
    if acr is None:
        acr = IDPORTEN_ACR if data.kind == SignInProviderKind.IDPORTEN else ""
    provider = SignInProvider(
        name=data.name,
        kind=data.kind,
        issuer=data.issuer,
        client_id=data.client_id,
        client_secret=sign_in_secrets.seal(
            settings, sign_in_secrets.CLIENT_SECRET, data.client_secret
        ),
        scopes=_word_list(data.scopes or DEFAULT_SCOPES[data.kind]),
        claim_map=json.dumps(data.claim_map, sort_keys=True),
        municipalities=" ".join(dict.fromkeys(numbers)),
        acr_values=_word_list(acr),
        tenant_id=(data.tenant_id or "").strip() or None,
        group_map=json.dumps(
            {g: m.model_dump(exclude_none=True) for g, m in data.group_map.items()}, sort_keys=True
        ),
        created_at=utcnow(),
    )
    if "openid" not in provider.scopes.split():
        provider.scopes = ("openid " + provider.scopes).strip()
    session.add(provider)
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.SIGN_IN_PROVIDER_CREATE,
        target=_target(provider.id),
        details={"kind": provider.kind},
    )
    return ProviderView.of(provider)


def list_providers(*, session: Session, actor: Actor) -> list[ProviderView]:
    actor.require(Capability.INSTALLATION)
    rows = session.exec(select(SignInProvider).order_by(col(SignInProvider.id))).all()
    return [ProviderView.of(p) for p in rows]


def enabled_providers(*, session: Session) -> Sequence[SignInProvider]:
    """The providers the login page offers (public: names only are shown)."""
    query = select(SignInProvider).where(col(SignInProvider.is_enabled).is_(True))
    return session.exec(query.order_by(col(SignInProvider.name), col(SignInProvider.id))).all()


def get_enabled(*, session: Session, provider_id: int) -> SignInProvider | None:
    provider = session.get(SignInProvider, provider_id)
    return provider if provider is not None and provider.is_enabled else None


def remove_provider(*, session: Session, actor: Actor, provider_id: int) -> None:
    """Delete a provider, its identities and any municipality's requirement of it."""
    actor.require(Capability.INSTALLATION)
    provider = session.get(SignInProvider, provider_id)
    if provider is None:
        raise ProviderNotFound()
    session.delete(provider)
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.SIGN_IN_PROVIDER_DELETE,
        target=_target(provider_id),
    )


def set_enabled(*, session: Session, actor: Actor, provider_id: int, enabled: bool) -> None:
    actor.require(Capability.INSTALLATION)
    provider = session.get(SignInProvider, provider_id)
    if provider is None:
        raise ProviderNotFound()
    provider.is_enabled = enabled
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.SIGN_IN_PROVIDER_UPDATE,
        target=_target(provider_id),
        details={"active": enabled},
    )


def set_secret(
    *, session: Session, settings: Settings, actor: Actor, provider_id: int, secret: str
) -> None:
    """Replace the client secret (sealed; the identities stay linked)."""
    actor.require(Capability.INSTALLATION)
    provider = session.get(SignInProvider, provider_id)
    if provider is None:
        raise ProviderNotFound()
    secret = secret.strip()
    if not secret or len(secret) > 500 or not secret.isprintable():
        raise SignInRequirementInvalid("Klienthemmeligheten må være 1 til 500 vanlige tegn.")
    provider.client_secret = sign_in_secrets.seal(settings, sign_in_secrets.CLIENT_SECRET, secret)
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.SIGN_IN_PROVIDER_UPDATE,
        target=_target(provider_id),
        details={"fields": ["client_secret"]},
    )


def serves(provider: SignInProvider, municipality_number: str | None) -> bool:
    numbers = provider.municipalities.split()
    return not numbers or municipality_number in numbers
