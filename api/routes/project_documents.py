"""The project plan as documents: PDF and Word, for the project's members and for the
reviewers of a submission (404 for others)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from api.core.errors import NotAuthenticated, ProjectNotFound, ReviewNotFound, responses
from api.http.deps import ActorDep, CourseInfoDep, CurrentUser, LiveModules, SessionDep
from api.http.plan_downloads import PLAN_RESPONSE, plan_download
from api.http.routing import api_router
from api.http.schemas_workbook import MAX_REVISION
from api.services import project_documents
from api.services.project_documents import PlanFormat

router = api_router(tags=["workbook"])
ProjectPath = Annotated[int, Path(ge=1, le=MAX_REVISION)]


@router.get(
    "/me/project/plan.{format}",
    response_class=Response,
    responses={**PLAN_RESPONSE, **responses(NotAuthenticated)},
)
def my_plan_document(
    format: PlanFormat,
    session: SessionDep,
    user: CurrentUser,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """Your project plan as a PDF (`plan.pdf`) or a Word document (`plan.docx`)."""
    document = project_documents.plan_document(
        session=session, user_id=user.id or 0, modules=modules, info=info, format=format
    )
    return plan_download(document)


@router.get(
    "/projects/{project_id}/plan.{format}",
    response_class=Response,
    responses={**PLAN_RESPONSE, **responses(NotAuthenticated, ProjectNotFound)},
)
def plan_document(
    project_id: ProjectPath,
    format: PlanFormat,
    session: SessionDep,
    user: CurrentUser,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """A project's plan as PDF or Word, for its members (404 for anyone else's)."""
    document = project_documents.plan_document(
        session=session,
        user_id=user.id or 0,
        modules=modules,
        info=info,
        format=format,
        project_id=project_id,
    )
    return plan_download(document)


@router.get(
    "/reviews/{review_id}/plan.{format}",
    response_class=Response,
    responses={**PLAN_RESPONSE, **responses(NotAuthenticated, ReviewNotFound)},
)
def review_plan_document(
    review_id: ProjectPath,
    format: PlanFormat,
    session: SessionDep,
    actor: ActorDep,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """The plan of a submission you may review, as PDF or Word (instructors: without the
    authors' names)."""
    document = project_documents.review_plan_document(
        session=session, actor=actor, review_id=review_id, modules=modules, info=info,
        format=format,
    )  # fmt: skip
    return plan_download(document)
