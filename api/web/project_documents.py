"""The project plan as documents from "Mitt prosjekt" and from a review: the same files as
the API's."""

from __future__ import annotations

from fastapi import Response

from api.core.errors import NotFound
from api.http.deps import ActorDep, CourseInfoDep, LiveModules, PageLearner, SessionDep
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


@router.get("/vurderinger/{review_id}/prosjektplan.{format}")
def review_plan_document(
    review_id: str,
    format: str,
    session: SessionDep,
    actor: ActorDep,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """The plan of a submission the reviewer may read, as PDF or Word (else the 404 page)."""
    if format not in {f.value for f in PlanFormat} or not review_id.isdigit():
        raise NotFound()
    if not 0 < int(review_id) < 2_000_000_000:
        raise NotFound()
    document = project_documents.review_plan_document(
        session=session, actor=actor, review_id=int(review_id), modules=modules, info=info,
        format=PlanFormat(format),
    )  # fmt: skip
    return plan_download(document)
