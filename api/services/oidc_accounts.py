"""The account behind validated ID token claims: recognised by the keyed hash of its
subject, linked by an e-mail address the provider marks verified, or created just in time
in the provider's (or the claims') municipality. Writes only once every check has passed.

The claims are checked first (``Facts``): a claim of the wrong type, too long, or an
``email`` that is no address refuses the sign-in before anything is written. Two first
sign-ins of the same person at once both find no identity; the one whose insert loses
(the unique identity or e-mail address) rolls back its savepoint, reads again and signs
in to the winner's account, so exactly one account and one identity result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.core.config import Settings
from api.core.errors import (
    DomainError,
    SignInClaimInvalid,
    SignInEmailUnverified,
    SignInFailed,
    SignInNotAllowed,
    SignInTokenInvalid,
)
from api.data.models import Municipality, SignInIdentity, SignInProvider, User, utcnow
from api.services import audit, sign_in_providers, sign_in_secrets, user_municipality, users
from api.services.oidc_metadata import Metadata
from api.services.scope import Scope, find_by_email

_EMAIL = TypeAdapter(EmailStr)
_LIMITS = {"subject": 255, "email": 254, "name": 200, "municipality": 100}
_TRIES = 2  # a lost race reads again once; a second loss is a real conflict


def claim(claims: dict[str, Any], mapping: dict[str, str], field: str) -> Any:
    name = mapping.get(field)
    return claims.get(name) if name else None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the claims say about the person, checked."""

    subject: str
    email: str | None
    verified: bool
    name: str | None
    municipality: str | None


def facts(claims: dict[str, Any], mapping: dict[str, str]) -> Facts:
    """The mapped claims, or SignInClaimInvalid naming the first that cannot be used."""
    subject = _text("subject", claim(claims, mapping, "subject"))
    if not subject:
        raise SignInTokenInvalid()
    email = _text("email", claim(claims, mapping, "email"))
    email = email.strip() if email else None
    if email:
        try:
            _EMAIL.validate_python(email)
        except ValidationError:
            raise SignInClaimInvalid("email", "som ikke er en gyldig e-postadresse") from None
    verified = claim(claims, mapping, "email_verified")
    if isinstance(verified, str) and verified.lower() in ("true", "false"):
        verified = verified.lower() == "true"  # some providers send the JSON boolean as text
    if verified is not None and not isinstance(verified, bool):
        raise SignInClaimInvalid("email_verified", "i feil form")
    name = (_text("name", claim(claims, mapping, "name")) or "").strip()
    if not name:
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())[:200]
    municipality = claim(claims, mapping, "municipality")
    if isinstance(municipality, int) and not isinstance(municipality, bool):
        municipality = str(municipality)
    return Facts(
        subject=subject,  # as sent: its hash recognises the person
        email=users.normalise_email(email) if email else None,
        verified=verified is True,
        name=name or None,
        municipality=(_text("municipality", municipality) or "").strip() or None,
    )


def _text(field: str, value: object) -> str | None:
    """A text claim, if there is one; SignInClaimInvalid if it is not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SignInClaimInvalid(field, "i feil form")
    if len(value) > _LIMITS[field]:
        raise SignInClaimInvalid(field, "med for mange tegn")
    return value


def account(
    session: Session,
    settings: Settings,
    provider: SignInProvider,
    metadata: Metadata,
    claims: dict[str, Any],
) -> tuple[User, str]:
    """The account for these claims, and how: ``known``, ``linked`` (by a verified e-mail
    address) or ``created``."""
    found = facts(claims, sign_in_providers.claim_map(provider))
    hashed = sign_in_secrets.subject_hash(
        settings, kind=provider.kind, issuer=metadata.issuer, subject=found.subject
    )
    for _ in range(_TRIES):
        user = _known(session, provider, hashed)
        if user is not None:
            return user, "known"
        try:
            with session.begin_nested():
                return _link_or_create(session, provider, found, hashed)
        except IntegrityError:
            continue  # a sign-in at the same moment made the identity or the address: read again
    raise SignInFailed("Innloggingen kolliderte med en annen innlogging på samme tid. Prøv igjen.")


def _known(session: Session, provider: SignInProvider, hashed: str) -> User | None:
    assert provider.id is not None
    identity = session.exec(
        select(SignInIdentity).where(
            SignInIdentity.provider_id == provider.id, SignInIdentity.subject_hash == hashed
        )
    ).first()
    if identity is None:
        return None
    user = session.get(User, identity.user_id)
    if user is None or not user.is_active or user.erased_at is not None:
        raise SignInNotAllowed("Kontoen din er deaktivert. Kontakt kursansvarlig i kommunen.")
    identity.last_used_at = utcnow()
    return user


def _link_or_create(
    session: Session, provider: SignInProvider, found: Facts, hashed: str
) -> tuple[User, str]:
    assert provider.id is not None
    if found.email is not None:
        existing = find_by_email(session=session, scope=Scope.whole(), email=found.email)
        if existing is not None:
            return _link(session, provider, existing, hashed, verified=found.verified), "linked"
    municipality = _municipality(session, provider, found)
    now = utcnow()
    user = User(
        email=found.email
        if found.email is not None and found.verified
        else _placeholder(provider.kind, hashed),
        full_name=_name(found, provider),
        created_at=now,
    )
    user_municipality.assign(user, municipality)
    users.add_accounts(session=session, users=[user])
    assert user.id is not None
    session.add(SignInIdentity(provider_id=provider.id, user_id=user.id, subject_hash=hashed,
                               created_at=now, last_used_at=now))  # fmt: skip
    session.flush()
    audit.record(
        session=session,
        actor=user,
        action=audit.Action.USER_CREATE,
        target=audit.user_target(user.id),
        details={"provider": provider.id},
        municipality=user.municipality_number,
    )
    return user, "created"


def _link(
    session: Session, provider: SignInProvider, user: User, hashed: str, *, verified: bool
) -> User:
    if not verified:
        raise SignInEmailUnverified()
    # A provider that serves some municipalities links only accounts in them (the scope).
    served = frozenset(provider.municipalities.split())
    scope = Scope(municipalities=served) if served else Scope.whole()
    if find_by_email(session=session, scope=scope, email=user.email) is None:
        raise SignInNotAllowed(
            "Kontoen med denne e-postadressen hører til en annen kommune enn denne "
            "innloggingstjenesten er satt opp for."
        )
    if not user.is_active or user.erased_at is not None:
        raise SignInNotAllowed("Kontoen din er deaktivert. Kontakt kursansvarlig i kommunen.")
    assert provider.id is not None and user.id is not None
    now = utcnow()
    session.add(SignInIdentity(provider_id=provider.id, user_id=user.id, subject_hash=hashed,
                               created_at=now, last_used_at=now))  # fmt: skip
    session.flush()
    return user


def _municipality(session: Session, provider: SignInProvider, found: Facts) -> Municipality:
    """The one municipality the provider serves, else the one the claims name (if it serves it)."""
    served = provider.municipalities.split()
    if len(served) == 1:
        only = session.get(Municipality, served[0])
        if only is not None:
            return only
    if found.municipality:
        try:
            named = user_municipality.find(session=session, given=found.municipality)
        except DomainError:
            named = None
        if named is not None and (not served or named.number in served):
            return named
    raise SignInNotAllowed(
        "Vi fant ikke ut hvilken kommune du hører til, så vi kan ikke opprette en konto for deg. "
        "Kontakt kursansvarlig i kommunen din."
    )


def _name(found: Facts, provider: SignInProvider) -> str:
    name = "".join(ch for ch in found.name or "" if ch.isprintable()).strip()[:200]
    return name or f"Uten navn ({provider.name})"[:200]


def _placeholder(kind: str, hashed: str) -> str:
    """An address for an account whose provider gives none (ID-porten): never delivered to."""
    return f"{kind}-{hashed[:24]}@innlogging.invalid"
