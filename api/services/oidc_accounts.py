"""The account behind validated ID token claims: recognised by the keyed hash of its
subject, linked by an e-mail address the provider marks verified, or created just in time
in the provider's (or the claims') municipality. Writes only once every check has passed.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from api.core.config import Settings
from api.core.errors import (
    DomainError,
    SignInEmailUnverified,
    SignInNotAllowed,
    SignInTokenInvalid,
)
from api.data.models import Municipality, SignInIdentity, SignInProvider, User, utcnow
from api.services import audit, sign_in_providers, sign_in_secrets, user_municipality, users
from api.services.oidc_metadata import Metadata
from api.services.scope import Scope, find_by_email


def claim(claims: dict[str, Any], mapping: dict[str, str], field: str) -> Any:
    name = mapping.get(field)
    return claims.get(name) if name else None


def account(
    session: Session,
    settings: Settings,
    provider: SignInProvider,
    metadata: Metadata,
    claims: dict[str, Any],
) -> tuple[User, str]:
    """The account for these claims, and how: ``known``, ``linked`` (by a verified e-mail
    address) or ``created``."""
    mapping = sign_in_providers.claim_map(provider)
    subject = claim(claims, mapping, "subject")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInTokenInvalid()
    kind = provider.kind
    hashed = sign_in_secrets.subject_hash(
        settings, kind=kind, issuer=metadata.issuer, subject=subject
    )
    assert provider.id is not None
    identity = session.exec(
        select(SignInIdentity).where(
            SignInIdentity.provider_id == provider.id, SignInIdentity.subject_hash == hashed
        )
    ).first()
    now = utcnow()
    if identity is not None:
        user = session.get(User, identity.user_id)
        if user is None or not user.is_active or user.erased_at is not None:
            raise SignInNotAllowed("Kontoen din er deaktivert. Kontakt kursansvarlig i kommunen.")
        identity.last_used_at = now
        return user, "known"
    email = claim(claims, mapping, "email")
    email = users.normalise_email(email) if isinstance(email, str) and email else None
    verified = claim(claims, mapping, "email_verified") in (True, "true")
    if email is not None:
        existing = find_by_email(session=session, scope=Scope.whole(), email=email)
        if existing is not None:
            return _link(session, provider, existing, hashed, verified=verified), "linked"
    municipality = _municipality(session, provider, claims, mapping)
    user = User(
        email=email if email is not None and verified else _placeholder(kind, hashed),
        full_name=_name(claims, mapping, provider),
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


def _municipality(
    session: Session, provider: SignInProvider, claims: dict[str, Any], mapping: dict[str, str]
) -> Municipality:
    """The one municipality the provider serves, else the one the claims name (if it serves it)."""
    served = provider.municipalities.split()
    if len(served) == 1:
        found = session.get(Municipality, served[0])
        if found is not None:
            return found
    given = claim(claims, mapping, "municipality")
    if isinstance(given, str | int) and str(given).strip():
        try:
            found = user_municipality.find(session=session, given=str(given)[:100])
        except DomainError:
            found = None
        if found is not None and (not served or found.number in served):
            return found
    raise SignInNotAllowed(
        "Vi fant ikke ut hvilken kommune du hører til, så vi kan ikke opprette en konto for deg. "
        "Kontakt kursansvarlig i kommunen din."
    )


def _name(claims: dict[str, Any], mapping: dict[str, str], provider: SignInProvider) -> str:
    name = claim(claims, mapping, "name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name or f"Uten navn ({provider.name})"[:200]


def _placeholder(kind: str, hashed: str) -> str:
    """An address for an account whose provider gives none (ID-porten): never delivered to."""
    return f"{kind}-{hashed[:24]}@innlogging.invalid"
