"""The project workbook: a learner's answers to the course's workbook steps (own data only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from api.core.errors import (
    ModuleNotFound,
    NotAuthenticated,
    ProjectNotFound,
    UnprocessableError,
    WorkbookConflict,
    WorkbookStepNotFound,
    responses,
)
from api.http.deps import CurrentUser, LiveModules, SessionDep, SlugPath
from api.http.presenters_workbook import entry_public, plan_public
from api.http.routing import api_router
from api.http.schemas_workbook import (
    MAX_REVISION,
    ProjectPlanPublic,
    WorkbookEntryPublic,
    WorkbookSave,
)
from api.services import workbook

router = api_router(tags=["workbook"])
StepPath = Annotated[str, Path(max_length=80, examples=["m04-interessenter"])]
ProjectPath = Annotated[int, Path(ge=1, le=MAX_REVISION)]
_READ = responses(NotAuthenticated, ModuleNotFound, WorkbookStepNotFound)
_WRITE = responses(
    NotAuthenticated, ModuleNotFound, WorkbookStepNotFound, WorkbookConflict, UnprocessableError
)


@router.get("/modules/{slug}/workbook/{step_id}", responses=_READ)
def get_step(
    slug: SlugPath, step_id: StepPath, session: SessionDep, user: CurrentUser, modules: LiveModules
) -> WorkbookEntryPublic:
    """A workbook step of the module and what you have written in it."""
    entry = workbook.step_entry(
        session=session, user_id=user.id or 0, modules=modules, step_id=step_id, slug=slug
    )
    return entry_public(entry)


@router.put("/modules/{slug}/workbook/{step_id}", responses=_WRITE)
def save_step(
    slug: SlugPath,
    step_id: StepPath,
    body: WorkbookSave,
    session: SessionDep,
    user: CurrentUser,
    modules: LiveModules,
) -> WorkbookEntryPublic:
    """Save the step in your project (made on the first save); 409 if saved elsewhere since."""
    entry = workbook.save_step(
        session=session,
        user_id=user.id or 0,
        modules=modules,
        step_id=step_id,
        slug=slug,
        values=body.values,
        base_revision=body.base_revision,
    )
    return entry_public(entry)


@router.get("/me/project", responses=responses(NotAuthenticated))
def my_project(session: SessionDep, user: CurrentUser, modules: LiveModules) -> ProjectPlanPublic:
    """Your project plan: every workbook step in course order, with what is missing."""
    return plan_public(workbook.plan(session=session, user_id=user.id or 0, modules=modules))


@router.get("/projects/{project_id}", responses=responses(NotAuthenticated, ProjectNotFound))
def project(
    project_id: ProjectPath, session: SessionDep, user: CurrentUser, modules: LiveModules
) -> ProjectPlanPublic:
    """A project you are a member of, step by step (404 for anyone else's)."""
    found = workbook.plan(
        session=session, user_id=user.id or 0, modules=modules, project_id=project_id
    )
    return plan_public(found)


@router.get(
    "/projects/{project_id}/workbook/{step_id}",
    responses=responses(NotAuthenticated, ProjectNotFound, WorkbookStepNotFound),
)
def project_step(
    project_id: ProjectPath,
    step_id: StepPath,
    session: SessionDep,
    user: CurrentUser,
    modules: LiveModules,
) -> WorkbookEntryPublic:
    """One step of a project you are a member of (404 for anyone else's)."""
    entry = workbook.step_entry(
        session=session,
        user_id=user.id or 0,
        modules=modules,
        step_id=step_id,
        project_id=project_id,
    )
    return entry_public(entry)


@router.put(
    "/projects/{project_id}/workbook/{step_id}",
    responses=responses(
        NotAuthenticated,
        ProjectNotFound,
        WorkbookStepNotFound,
        WorkbookConflict,
        UnprocessableError,
    ),
)
def save_project_step(
    project_id: ProjectPath,
    step_id: StepPath,
    body: WorkbookSave,
    session: SessionDep,
    user: CurrentUser,
    modules: LiveModules,
) -> WorkbookEntryPublic:
    """Save one step of a project you are a member of (404 for anyone else's)."""
    entry = workbook.save_step(
        session=session,
        user_id=user.id or 0,
        modules=modules,
        step_id=step_id,
        project_id=project_id,
        values=body.values,
        base_revision=body.base_revision,
    )
    return entry_public(entry)
