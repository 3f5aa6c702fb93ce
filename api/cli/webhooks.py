"""The ``innostudy webhooks`` commands: signed webhook endpoints and their delivery log."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli.common import context, err, out, print_invalid, run
from api.cli.database import ready
from api.core.db import transaction
from api.core.errors import DomainError
from api.data.models import WebhookDelivery, WebhookEndpoint
from api.services import audit, webhook_events, webhooks

webhooks_app = typer.Typer(no_args_is_help=True, help="Signerte webhooks til andre systemer")
EndpointId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="Mottakerens id")]
LIST_HEADER = ("id", "adresse", "hendelser", "kommune", "status", "beskrivelse")
DELIVERY_HEADER = ("tidspunkt", "mottaker", "hendelse", "meldings-id", "forsøk", "svar", "ms")


def _endpoint_json(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events.split(),
        "municipality_number": endpoint.municipality_number,
        "is_active": endpoint.is_active,
        "created_at": endpoint.created_at.isoformat(),
    }


@webhooks_app.command("list")
def webhooks_list(
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
) -> None:
    """Vis mottakerne, én per linje (tabulatorseparert). Hemmelighetene vises aldri."""
    with transaction(ready(context.settings())) as session:
        endpoints = webhooks.list_endpoints(session=session)
    if as_json:
        print(json.dumps([_endpoint_json(e) for e in endpoints], ensure_ascii=False, indent=2))
        return
    if not endpoints:
        err.print("Ingen webhook-mottakere ennå. Legg til en med «innostudy webhooks create».")
        return
    print("\t".join(LIST_HEADER))
    for e in endpoints:
        state = "aktiv" if e.is_active else "av"
        place = e.municipality_number or "alle"
        print(
            "\t".join((str(e.id), e.url, ",".join(e.events.split()), place, state, e.description))
        )


@webhooks_app.command("create")
def webhooks_create(
    url: Annotated[str, typer.Argument(help="Adressen meldingene sendes til (https://…)")],
    event: Annotated[
        list[str],
        typer.Option(
            "--event",
            help="En hendelse å sende (kan gis flere ganger): " + ", ".join(webhook_events.EVENTS),
        ),
    ],
    municipality: Annotated[
        str | None,
        typer.Option("--municipality", help="Bare hendelser om deltakere i denne kommunen"),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="Hva mottakeren er")] = "",
    inactive: Annotated[bool, typer.Option("--inactive", help="Opprett den avslått")] = False,
) -> None:
    """Legg til en mottaker. Signeringshemmeligheten skrives ut denne ene gangen."""
    try:
        data = webhooks.WebhookCreate(
            url=url,
            events=event,
            municipality=municipality,
            description=description,
            is_active=not inactive,
        )
    except ValidationError as exc:
        print_invalid(exc, {"url": "URL", "events": "--event", "description": "--description"})
        raise typer.Exit(2) from None
    settings = context.settings()
    created = run(
        ready(settings),
        audit.Action.WEBHOOK_CREATE,
        "webhooks",
        lambda s: webhooks.create_endpoint(session=s, admin=None, data=data, settings=settings),
    )
    out.print(f"Opprettet webhook-mottaker {created.endpoint.id}.", markup=False)
    out.print("Signeringshemmeligheten (vises bare nå; gi den til mottakeren):", markup=False)
    print(created.secret)


@webhooks_app.command("delete")
def webhooks_delete(endpoint_id: EndpointId) -> None:
    """Slett en mottaker og loggen dens; meldinger som venter til den, blir ikke sendt."""
    run(
        ready(context.settings()),
        audit.Action.WEBHOOK_DELETE,
        webhooks.target(endpoint_id),
        lambda s: webhooks.delete_endpoint(session=s, admin=None, endpoint_id=endpoint_id),
    )
    out.print(f"Slettet webhook-mottaker {endpoint_id}.", markup=False)


@webhooks_app.command("rotate")
def webhooks_rotate(endpoint_id: EndpointId) -> None:
    """Lag en ny signeringshemmelighet. Den gamle signerer også i 24 timer til."""
    settings = context.settings()
    rotated = run(
        ready(settings),
        audit.Action.WEBHOOK_ROTATE_SECRET,
        webhooks.target(endpoint_id),
        lambda s: webhooks.rotate_secret(
            session=s, admin=None, endpoint_id=endpoint_id, settings=settings
        ),
    )
    out.print(
        f"Ny signeringshemmelighet for webhook-mottaker {endpoint_id} (vises bare nå; den "
        "gamle signerer også i 24 timer, så mottakeren rekker å bytte):",
        markup=False,
    )
    print(rotated.secret)


@webhooks_app.command("test")
def webhooks_test(endpoint_id: EndpointId) -> None:
    """Send en signert testmelding (webhook.test) til mottakeren, med en bakgrunnsjobb."""
    queued = run(
        ready(context.settings()),
        audit.Action.WEBHOOK_TEST,
        webhooks.target(endpoint_id),
        lambda s: webhooks.send_test(session=s, admin=None, endpoint_id=endpoint_id),
    )
    out.print(
        f"Testmeldingen {queued.webhook_id} er lagt i kø (jobb {queued.job.id}). "
        "Se resultatet med «innostudy webhooks deliveries».",
        markup=False,
    )


def _delivery_json(d: WebhookDelivery) -> dict[str, object]:
    return {
        "endpoint_id": d.endpoint_id,
        "event_type": d.event_type,
        "webhook_id": d.webhook_id,
        "job_id": d.job_id,
        "attempt": d.attempt,
        "status_code": d.status_code,
        "error": d.error,
        "attempted_at": d.attempted_at.isoformat(),
        "duration_ms": d.duration_ms,
    }


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    endpoint_id: Annotated[
        int | None, typer.Argument(min=1, max=2**31 - 1, help="Bare denne mottakeren")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON")] = False,
) -> None:
    """Vis leveringsloggen, nyeste forsøk først: svarkode eller feil, og hvor lang tid det tok."""
    try:
        with transaction(ready(context.settings())) as session:
            rows = webhooks.deliveries(session=session, endpoint_id=endpoint_id, limit=limit)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps([_delivery_json(d) for d in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        err.print("Ingen leveringer ennå.")
        return
    print("\t".join(DELIVERY_HEADER))
    for d in rows:
        answer = str(d.status_code) if d.status_code is not None else (d.error or "")
        print(
            "\t".join(
                (
                    d.attempted_at.isoformat(timespec="seconds"),
                    str(d.endpoint_id),
                    d.event_type,
                    d.webhook_id,
                    str(d.attempt),
                    answer,
                    str(d.duration_ms),
                )
            )
        )
