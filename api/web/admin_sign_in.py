"""The sign-in page of the administration: OpenID Connect providers (installation
administrators: add, switch off and on, remove; the client secret is write-only) and
the municipalities' requirement that their people sign in through one (municipal
administrators, for their own municipalities). Same services as ``innostudy
sign-in-providers`` (``api.services.sign_in_providers``), which audit each change.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.core.errors import DomainError, MunicipalityInvalid, SignInRequirementInvalid
from api.data.models import SignInProviderKind
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import InstallationAdmin, PeopleManager, SessionDep, SettingsDep
from api.services import sign_in_providers, sign_in_requirements
from api.services.audit import Action
from api.services.scope import Actor, Capability
from api.web.admin_common import render_admin
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect

router = page_router()
PAGE = "/admin/innlogging"
_NOTICES = {
    "ny": "Innloggingstjenesten er lagt til. Knappen vises nå på innloggingssiden.",
    "av": "Innloggingstjenesten er slått av.",
    "pa": "Innloggingstjenesten er slått på igjen.",
    "fjernet": "Innloggingstjenesten er fjernet, med koblingene til kontoene.",
    "krav": "Kravet om innloggingstjeneste er lagret.",
    "hemmelighet": "Den nye klienthemmeligheten er lagret.",
}
_FIELDS = (
    "navn", "type", "utsteder", "klient_id", "scopes", "kommuner", "acr", "tenant", "krav",
    "grupper",
)  # fmt: skip
_FIELD_OF = {
    "name": "navn",
    "kind": "type",
    "issuer": "utsteder",
    "client_id": "klient_id",
    "client_secret": "hemmelighet",
    "scopes": "scopes",
    "municipalities": "kommuner",
    "acr_values": "acr",
    "tenant_id": "tenant",
    "claim_map": "krav",
    "group_map": "grupper",
}


def _page(
    request: Request, session: Session, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    installation = actor.can(Capability.INSTALLATION)
    providers = (
        sign_in_providers.list_providers(session=session, actor=actor) if installation else []
    )
    enabled = sign_in_providers.enabled_providers(session=session)
    context = {
        "installation": installation,
        "providers": providers,
        "requirements": sign_in_requirements.list_requirements(session=session, actor=actor),
        "provider_choices": [("", "Ingen krav (passord er lov)")]
        + [(str(p.id), p.name) for p in enabled],
        "kind_choices": [(k.value, sign_in_providers.KIND_NAMES[k]) for k in SignInProviderKind],
        "kind_names": sign_in_providers.KIND_NAMES,
        "values": {"type": SignInProviderKind.GENERIC.value},
        "errors": {},
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
        **extra,
    }
    return render_admin(request, "pages/admin_sign_in.html", context, status_code=status_code)


@router.get(PAGE)
def sign_in_page(request: Request, session: SessionDep, actor: PeopleManager) -> Response:
    """The providers (installation administrators) and the municipalities' requirements."""
    return _page(request, session, actor)


def _claim_map(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            field, _, claim = line.partition("=")
            mapping[field.strip()] = claim.strip()
    return mapping


@router.post(f"{PAGE}/ny", dependencies=[audit_refusals(Action.SIGN_IN_PROVIDER_CREATE)])
def add_provider(
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: InstallationAdmin,
    settings: SettingsDep,
) -> Response:
    """Add a provider; its client secret is sealed and never shown again."""
    values = {name: form_text(form, name, limit=2100).strip() for name in _FIELDS}
    secret = form_text(form, "hemmelighet", limit=600).strip()
    groups = {}
    errors: dict[str, str] = {}
    try:
        for line in filter(str.strip, values["grupper"].splitlines()):
            group_id, group_mapping = sign_in_providers.parse_group_line(line)
            groups[group_id] = group_mapping
    except ValueError as exc:
        record_invalid(session=session, actor=actor.user, action=Action.SIGN_IN_PROVIDER_CREATE,
                       target="sign_in_providers")  # fmt: skip
        errors = {"grupper": str(exc)}
        return _page(request, session, actor, status_code=422, values=values, errors=errors)
    try:
        data = sign_in_providers.ProviderCreate(
            name=values["navn"],
            kind=values["type"] or "generic",
            issuer=values["utsteder"],
            client_id=values["klient_id"],
            client_secret=secret,
            scopes=values["scopes"] or None,
            claim_map=_claim_map(values["krav"]),
            municipalities=[
                m for m in values["kommuner"].replace(";", ",").split(",") if m.strip()
            ],
            acr_values=values["acr"] or None,
            tenant_id=values["tenant"] or None,
            group_map=groups,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = _FIELD_OF.get(str(error["loc"][0]) if error["loc"] else "", "tenant")
            errors.setdefault(field, str(error["msg"]).removeprefix("Value error, "))
        record_invalid(session=session, actor=actor.user, action=Action.SIGN_IN_PROVIDER_CREATE,
                       target="sign_in_providers")  # fmt: skip
        return _page(request, session, actor, status_code=422, values=values, errors=errors)
    try:
        sign_in_providers.create_provider(
            session=session, settings=settings, actor=actor, data=data
        )
    except (MunicipalityInvalid, SignInRequirementInvalid) as exc:
        record_refusal(session=session, actor=actor.user, action=Action.SIGN_IN_PROVIDER_CREATE,
                       target="sign_in_providers", error=exc)  # fmt: skip
        field = "kommuner" if isinstance(exc, MunicipalityInvalid) else "grupper"
        errors = {field: exc.detail}
        return _page(request, session, actor, status_code=422, values=values, errors=errors)
    return redirect(request, f"{PAGE}?melding=ny")


def _switch(session: Session, actor: Actor, provider_id: int, *, on: bool) -> None:
    sign_in_providers.set_enabled(session=session, actor=actor, provider_id=provider_id, enabled=on)


@router.post(
    f"{PAGE}/{{provider_id:id}}/av", dependencies=[audit_refusals(Action.SIGN_IN_PROVIDER_UPDATE)]
)
def switch_off(
    request: Request, session: SessionDep, actor: InstallationAdmin, provider_id: int
) -> Response:
    """Switch the provider off: no one signs in with it, and no requirement of it applies."""
    _switch(session, actor, provider_id, on=False)
    return redirect(request, f"{PAGE}?melding=av")


@router.post(
    f"{PAGE}/{{provider_id:id}}/pa", dependencies=[audit_refusals(Action.SIGN_IN_PROVIDER_UPDATE)]
)
def switch_on(
    request: Request, session: SessionDep, actor: InstallationAdmin, provider_id: int
) -> Response:
    """Switch the provider on again."""
    _switch(session, actor, provider_id, on=True)
    return redirect(request, f"{PAGE}?melding=pa")


@router.post(
    f"{PAGE}/{{provider_id:id}}/hemmelighet",
    dependencies=[audit_refusals(Action.SIGN_IN_PROVIDER_UPDATE)],
)
def replace_secret(
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: InstallationAdmin,
    settings: SettingsDep,
    provider_id: int,
) -> Response:
    """Replace the provider's client secret (the accounts stay linked)."""
    secret = form_text(form, "hemmelighet", limit=600)
    sign_in_providers.set_secret(
        session=session, settings=settings, actor=actor, provider_id=provider_id, secret=secret
    )
    return redirect(request, f"{PAGE}?melding=hemmelighet")


@router.post(
    f"{PAGE}/{{provider_id:id}}/fjern",
    dependencies=[audit_refusals(Action.SIGN_IN_PROVIDER_DELETE)],
)
def remove(
    request: Request, session: SessionDep, actor: InstallationAdmin, provider_id: int
) -> Response:
    """Remove the provider, its links to accounts and any requirement of it."""
    sign_in_providers.remove_provider(session=session, actor=actor, provider_id=provider_id)
    return redirect(request, f"{PAGE}?melding=fjernet")


@router.post(f"{PAGE}/krav", dependencies=[audit_refusals(Action.SIGN_IN_REQUIREMENT_SET)])
def set_requirement(
    request: Request, form: FormDep, session: SessionDep, actor: PeopleManager
) -> Response:
    """Require (or stop requiring) sign-in through a provider for a municipality's people."""
    municipality = form_text(form, "kommune", limit=100).strip()
    chosen = form_text(form, "tjeneste", limit=12).strip()
    values = {"kommune": municipality, "tjeneste": chosen}
    provider_id = int(chosen) if chosen.isdigit() and 0 < len(chosen) < 10 else None
    try:
        sign_in_requirements.set_requirement(
            session=session, actor=actor, municipality=municipality, provider_id=provider_id
        )
    except DomainError as exc:
        record_refusal(session=session, actor=actor.user, action=Action.SIGN_IN_REQUIREMENT_SET,
                       target="sign_in_requirements", error=exc)  # fmt: skip
        errors = {"kommune": exc.detail}
        return _page(request, session, actor, status_code=422, krav=values, krav_errors=errors)
    return redirect(request, f"{PAGE}?melding=krav")
