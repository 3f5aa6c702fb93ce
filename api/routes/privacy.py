"""A person's own data, as a download."""

from __future__ import annotations

from fastapi.responses import Response

from api.core.errors import NotAuthenticated, responses
from api.http.deps import CurrentUser, SessionDep
from api.http.routing import api_router
from api.services import privacy
from api.services.contracts import PersonalDataExport

router = api_router(tags=["me"])


@router.get("/me/export", response_model=PersonalDataExport, responses=responses(NotAuthenticated))
def export_my_data(session: SessionDep, user: CurrentUser) -> Response:
    """Everything innostudy holds about you, as a JSON file (secrets such as hashes left out)."""
    export = privacy.export_personal_data(session=session, user=user)
    return Response(
        export.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="mine-data-innostudy.json"'},
    )
