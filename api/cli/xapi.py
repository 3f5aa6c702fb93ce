"""``innostudy xapi status``: the learning record store, and how delivery to it stands."""

from __future__ import annotations

import typer

from api.cli import database
from api.cli.common import context, out
from api.core.db import transaction
from api.services import xapi_delivery

xapi_app = typer.Typer(no_args_is_help=True, help="xAPI-utsagn til et læringsregister (LRS)")


@xapi_app.command("status")
def xapi_status() -> None:
    """Vis læringsregisteret (uten hemmeligheten), hva som venter, og siste sending."""
    settings = context.settings()
    with transaction(database.ready(settings)) as session:
        found = xapi_delivery.status(session=session, settings=settings)
    if found.configured:
        out.print(f"Læringsregister: {found.endpoint} (nøkkel {found.key})", markup=False)
    else:
        out.print("Ikke satt opp: sett INNOSTUDY_XAPI_ENDPOINT, _KEY og _SECRET.", markup=False)
    out.print(
        f"Venter: {found.waiting_statements} utsagn fra {found.waiting_events} hendelser. "
        f"Sendt: {found.sent_statements} utsagn.",
        markup=False,
    )
    job = found.last_delivery
    if job is not None:
        lines = (job.last_error or "").strip().splitlines()
        error = f", siste feil: {lines[-1][:300]}" if lines else ""
        out.print(
            f"Siste sending: jobb {job.id}, {job.state}, forsøk {job.attempt}{error}",
            markup=False,
        )
