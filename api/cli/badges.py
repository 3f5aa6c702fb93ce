"""``innostudy badges``: the key that signs Open Badges."""

from __future__ import annotations

import typer

from api.cli.common import context, err, out
from api.cli.database import engine
from api.core.errors import DomainError

badges_app = typer.Typer(no_args_is_help=True, help="Open Badges")


@badges_app.command("rotate-key")
def rotate_key() -> None:
    """Bytt nøkkelen som signerer Open Badges. Nye bevis signeres med den nye nøkkelen;
    den gamle forblir publisert, så bevis den har signert, kan fortsatt kontrolleres.
    Tjenesten tar den nye nøkkelen i bruk uten omstart."""
    from api.services import open_badges

    settings = context.settings()
    try:
        rotation = open_badges.rotate_key(engine=engine(), settings=settings)
    except DomainError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(1) from None
    out.print(f"Gammel nøkkel (fortsatt publisert): {rotation.old_key_id}", markup=False)
    out.print(f"Ny nøkkel: {rotation.new_key_id}", markup=False)
