"""The project plan as a download: the same file, name and headers for the API and the pages."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from api.http.downloads import attachment
from api.services.project_documents import MEDIA_TYPES, PlanDocument

PLAN_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media_type: {} for media_type in MEDIA_TYPES.values()},
        "description": "The project plan as PDF or Word (.docx)",
    }
}


def plan_download(document: PlanDocument) -> Response:
    """The plan as an attachment, never cached (it is its authors' personal data)."""
    return attachment(document.content, media_type=document.media_type, filename=document.filename)
