"""The ``innostudy sign-in-providers`` commands: OpenID Connect providers for signing in,
and the municipalities that require one. Client secrets are never printed."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli.common import OPERATOR, context, err, out, print_invalid, run
from api.cli.database import ready
from api.core.db import transaction
from api.data.models import SignInProviderKind
from api.services import audit, sign_in_providers, sign_in_requirements
from api.services.sign_in_providers import ProviderCreate, ProviderView

sign_in_app = typer.Typer(
    no_args_is_help=True, help="Innlogging med OpenID Connect (ID-porten, Entra ID, Feide)"
)
ProviderId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="Tjenestens id")]
LIST_HEADER = ("id", "navn", "type", "utsteder", "klient-id", "kommuner", "acr", "status")


def _json(view: ProviderView) -> dict[str, object]:
    return {
        "id": view.id,
        "name": view.name,
        "kind": view.kind,
        "issuer": view.issuer,
        "client_id": view.client_id,
        "scopes": view.scopes.split(),
        "claim_map": view.claim_map,
        "municipalities": list(view.municipalities),
        "acr_values": view.acr_values.split(),
        "tenant_id": view.tenant_id,
        "group_map": {g: m.model_dump(exclude_none=True) for g, m in view.group_map.items()},
        "is_enabled": view.is_enabled,
    }


@sign_in_app.command("list")
def providers_list(
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
) -> None:
    """Vis tjenestene, én per linje (tabulatorseparert). Klienthemmeligheter vises aldri."""
    with transaction(ready(context.settings())) as session:
        views = sign_in_providers.list_providers(session=session, actor=OPERATOR)
    if as_json:
        print(json.dumps([_json(v) for v in views], ensure_ascii=False, indent=2))
        return
    if not views:
        err.print(
            "Ingen innloggingstjenester ennå. Legg til en med «innostudy sign-in-providers add»."
        )
        return
    print("\t".join(LIST_HEADER))
    for v in views:
        state = "på" if v.is_enabled else "av"
        places = ",".join(v.municipalities) or "alle"
        print("\t".join((str(v.id), v.name, v.kind, v.issuer, v.client_id, places,
                         v.acr_values or "-", state)))  # fmt: skip


@sign_in_app.command("add")
def providers_add(
    name: Annotated[str, typer.Argument(help="Navnet på knappen: «Logg inn med <navn>»")],
    issuer: Annotated[str, typer.Option("--issuer", help="Utstederen (https://idporten.no)")],
    client_id: Annotated[str, typer.Option("--client-id", help="Klient-id-en hos tjenesten")],
    kind: Annotated[
        SignInProviderKind, typer.Option("--kind", help="idporten, entra eller generic (Feide)")
    ] = SignInProviderKind.GENERIC,
    scopes: Annotated[str | None, typer.Option("--scopes", help="Scopes (mellomromsdelt)")] = None,
    municipality: Annotated[
        list[str] | None,
        typer.Option("--municipality", help="En kommune tjenesten er for (kan gis flere ganger)"),
    ] = None,
    acr: Annotated[
        str | None, typer.Option("--acr", help="Krevde acr-verdier (ID-porten: substantial)")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Entra ID: kommunens tid")] = None,
    claim: Annotated[
        list[str] | None,
        typer.Option("--claim", help="felt=krav, f.eks. municipality=kommunenr (kan gjentas)"),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            help="Entra ID: gruppe-id=enhets-id[,leader|municipal_admin] (kan gjentas)",
        ),
    ] = None,
) -> None:
    """Legg til en tjeneste. Klienthemmeligheten leses fra standard inn (eller spørres om)."""
    secret = typer.prompt("Klienthemmelighet", hide_input=True)
    mapping: dict[str, str] = {}
    for item in claim or []:
        field, _, claim_name = item.partition("=")
        mapping[field.strip()] = claim_name.strip()
    groups = {}
    try:
        for line in group or []:
            group_id, mapping_of_group = sign_in_providers.parse_group_line(line)
            groups[group_id] = mapping_of_group
    except ValueError as exc:
        err.print(f"«--group» {exc}", markup=False)
        raise typer.Exit(2) from None
    try:
        data = ProviderCreate(
            name=name,
            kind=kind,
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            scopes=scopes,
            claim_map=mapping,
            municipalities=municipality or [],
            acr_values=acr,
            tenant_id=tenant,
            group_map=groups,
        )
    except ValidationError as exc:
        names = {"issuer": "--issuer", "client_id": "--client-id", "client_secret": "hemmelighet",
                 "claim_map": "--claim", "tenant_id": "--tenant", "name": "navn"}  # fmt: skip
        print_invalid(exc, names)
        raise typer.Exit(2) from None
    settings = context.settings()
    view = run(
        ready(settings),
        audit.Action.SIGN_IN_PROVIDER_CREATE,
        "sign_in_providers",
        lambda s: sign_in_providers.create_provider(
            session=s, settings=settings, actor=OPERATOR, data=data
        ),
    )
    out.print(f"La til innloggingstjeneste {view.id} ({view.name}).", markup=False)
    out.print(
        f"Registrer {settings.base_url}/logg-inn/tilbake som redirect-adresse og "
        f"{settings.base_url}/logg-inn?utlogget=1 som adresse etter utlogging hos tjenesten.",
        markup=False,
    )


@sign_in_app.command("secret")
def providers_secret(provider_id: ProviderId) -> None:
    """Bytt klienthemmeligheten (leses fra standard inn); kontoene forblir koblet."""
    secret = typer.prompt("Ny klienthemmelighet", hide_input=True)
    settings = context.settings()
    run(
        ready(settings),
        audit.Action.SIGN_IN_PROVIDER_UPDATE,
        f"sign_in_provider:{provider_id}",
        lambda s: sign_in_providers.set_secret(
            session=s, settings=settings, actor=OPERATOR, provider_id=provider_id, secret=secret
        ),
    )
    out.print(f"Ny klienthemmelighet lagret for innloggingstjeneste {provider_id}.", markup=False)


@sign_in_app.command("remove")
def providers_remove(provider_id: ProviderId) -> None:
    """Fjern en tjeneste, koblingene til kontoer og kommunenes krav om den."""
    run(
        ready(context.settings()),
        audit.Action.SIGN_IN_PROVIDER_DELETE,
        f"sign_in_provider:{provider_id}",
        lambda s: sign_in_providers.remove_provider(
            session=s, actor=OPERATOR, provider_id=provider_id
        ),
    )
    out.print(f"Fjernet innloggingstjeneste {provider_id}.", markup=False)


@sign_in_app.command("enable")
def providers_enable(provider_id: ProviderId) -> None:
    """Slå på en tjeneste (knappen vises på innloggingssiden)."""
    _set_enabled(provider_id, enabled=True)
    out.print(f"Innloggingstjeneste {provider_id} er slått på.", markup=False)


@sign_in_app.command("disable")
def providers_disable(provider_id: ProviderId) -> None:
    """Slå av en tjeneste (ingen kan logge inn med den, og kommunenes krav gjelder ikke)."""
    _set_enabled(provider_id, enabled=False)
    out.print(f"Innloggingstjeneste {provider_id} er slått av.", markup=False)


def _set_enabled(provider_id: int, *, enabled: bool) -> None:
    run(
        ready(context.settings()),
        audit.Action.SIGN_IN_PROVIDER_UPDATE,
        f"sign_in_provider:{provider_id}",
        lambda s: sign_in_providers.set_enabled(
            session=s, actor=OPERATOR, provider_id=provider_id, enabled=enabled
        ),
    )


@sign_in_app.command("require")
def providers_require(
    municipality: Annotated[str, typer.Argument(help="Kommunenummer eller -navn")],
    provider_id: Annotated[
        int | None,
        typer.Option("--provider", min=1, max=2**31 - 1, help="Tjenestens id; uten: ingen krav"),
    ] = None,
) -> None:
    """Krev at kommunens ansatte logger inn med tjenesten (passord avvises da for dem)."""
    run(
        ready(context.settings()),
        audit.Action.SIGN_IN_REQUIREMENT_SET,
        audit.municipality_target(municipality[:20]),
        lambda s: sign_in_requirements.set_requirement(
            session=s, actor=OPERATOR, municipality=municipality, provider_id=provider_id
        ),
    )
    if provider_id is None:
        out.print(f"{municipality}: ingen krav om innloggingstjeneste lenger.", markup=False)
    else:
        out.print(f"{municipality}: ansatte må logge inn med tjeneste {provider_id}.", markup=False)
