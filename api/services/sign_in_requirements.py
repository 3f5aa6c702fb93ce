"""A municipality's rule that its people sign in through one OpenID Connect provider: set
by a municipal administrator for their own municipalities (``Capability.MANAGE_PEOPLE``
over the whole municipality), checked at every password login."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.core.errors import PasswordLoginNotAllowed, SignInRequirementInvalid
from api.data.models import Municipality, Role, SignInProvider, SignInRequirement, User, utcnow
from api.services import audit, sign_in_providers, user_municipality
from api.services.scope import Actor, Capability


@dataclass(frozen=True, slots=True)
class RequirementView:
    municipality_number: str
    municipality_name: str
    provider_id: int
    provider_name: str


def list_requirements(*, session: Session, actor: Actor) -> list[RequirementView]:
    """The requirements in the municipalities the actor manages people of."""
    scope = actor.require(Capability.MANAGE_PEOPLE)
    query = (
        select(SignInRequirement, Municipality.name, SignInProvider.name)
        .join(Municipality, col(Municipality.number) == col(SignInRequirement.municipality_number))
        .join(SignInProvider, col(SignInProvider.id) == col(SignInRequirement.provider_id))
        .order_by(col(SignInRequirement.municipality_number))
    )
    if not scope.everything:
        query = query.where(
            col(SignInRequirement.municipality_number).in_(sorted(scope.municipalities))
        )
    return [
        RequirementView(r.municipality_number, m_name, r.provider_id, p_name)
        for r, m_name, p_name in session.exec(query).all()
    ]


def set_requirement(
    *,
    session: Session,
    actor: Actor,
    municipality: str,
    provider_id: int | None,
) -> None:
    """Require (or, with no provider, stop requiring) that the municipality's people sign in
    through the provider. Only for a whole municipality the actor manages people in, and
    only a provider that serves it."""
    scope = actor.require(Capability.MANAGE_PEOPLE)
    number = user_municipality.find(session=session, given=municipality).number
    if not scope.covers_municipality(number):
        raise SignInRequirementInvalid(
            "Du kan bare bestemme innloggingen for kommuner der du er kommuneadministrator."
        )
    existing = session.get(SignInRequirement, number)
    if provider_id is None:
        if existing is not None:
            session.delete(existing)
    else:
        provider = session.get(SignInProvider, provider_id)
        if provider is None or not provider.is_enabled:
            raise sign_in_providers.ProviderNotFound()
        if not sign_in_providers.serves(provider, number):
            raise SignInRequirementInvalid(
                "Denne innloggingstjenesten er ikke satt opp for kommunen."
            )
        if existing is None:
            existing = SignInRequirement(municipality_number=number, provider_id=provider_id,
                                         set_at=utcnow())  # fmt: skip
            session.add(existing)
        existing.provider_id = provider_id
        existing.set_by = actor.user_id
        existing.set_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=actor.user,
        action=audit.Action.SIGN_IN_REQUIREMENT_SET,
        target=audit.municipality_target(number),
        details={"provider": provider_id},
        municipality=number,
    )


def check_password_login(*, session: Session, user: User) -> None:
    """Refuse password login for an account whose municipality requires a provider
    (an installation administrator may always use a password, so no one is locked out)."""
    if user.municipality_number is None or user.role == Role.ADMIN:
        return
    found = session.exec(
        select(SignInProvider.name)
        .join(SignInRequirement, col(SignInRequirement.provider_id) == col(SignInProvider.id))
        .where(
            SignInRequirement.municipality_number == user.municipality_number,
            col(SignInProvider.is_enabled).is_(True),
        )
    ).first()
    if found is not None:
        raise PasswordLoginNotAllowed(
            f"Kommunen din krever at du logger inn med {found}. Bruk knappen "
            f"«Logg inn med {found}» nedenfor."
        )
