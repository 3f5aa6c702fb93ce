"""The project plan as documents from "Mitt prosjekt": the same files as the API's."""

from __future__ import annotations

from fastapi import Response

from api.core.errors import NotFound
from api.http.deps import CourseInfoDep, LiveModules, PageLearner, SessionDep
from api.http.plan_downloads import plan_download
from api.services import project_documents
from api.services.project_documents import PlanFormat
from api.web.deps import page_router

router = page_router()


@router.get("/mitt-prosjekt/prosjektplan.{format}")
def my_plan_document(
    format: str,
    session: SessionDep,
    learner: PageLearner,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """The learner's project plan as PDF or Word (another suffix: the 404 page)."""
    if format not in {f.value for f in PlanFormat}:
        raise NotFound()
    document = project_documents.plan_document(
        session=session, user_id=learner.id, modules=modules, info=info, format=PlanFormat(format)
    )
    return plan_download(document)
