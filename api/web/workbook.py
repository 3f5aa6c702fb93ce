"""The workbook on the pages: a step's form under the module text, drafts, "Mitt prosjekt".

A step's form posts to ``/moduler/{slug}/oppgaver/{step_id}``; ``workbook.js`` sends the
same form as the learner types to ``…/utkast``, which answers JSON. Both call
``workbook.save_step`` like the API, so a stale revision is a conflict on both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.datastructures import FormData

from api.core.errors import UnprocessableError, WorkbookConflict
from api.http.deps import LiveModules, PageLearner, SessionDep
from api.http.schemas_workbook import MAX_REVISION
from api.services import project_review, workbook, workbook_teams
from api.services.content import LiveModule
from api.services.workbook import StepEntry
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect, render
from api.web.templating import templates
from course.workbook_models import WorkbookField, WorkbookStep
from course.workbook_values import MAX_ITEMS

router = page_router()
BLANK_ROWS = 2  # empty rows under a table's rows, to write in without JavaScript
_CELL = re.compile(r"^f\.(?P<field>[a-z0-9_-]{1,80})\.(?P<row>\d{1,3})\.(?P<col>[a-z0-9_-]{1,80})$")
_NOT_SAVED = "Oppgaven er ikke lagret: rett feltene som er merket, og lagre igjen."


@dataclass(frozen=True, slots=True)
class StepForm:
    """What a step's form shows: the values to fill in, its revision, and any refusal."""

    entry: StepEntry
    values: dict[str, Any]
    revision: int
    errors: dict[str, str] = field(default_factory=dict)
    conflict: StepEntry | None = None
    saved: bool = False

    @property
    def step(self) -> WorkbookStep:
        return self.entry.step

    def rows(self, item: WorkbookField) -> list[dict[str, Any]]:
        """A table-like field's rows, and empty ones to write new rows in."""
        rows = self.values.get(item.id) or []
        return [*rows, *({} for _ in range(BLANK_ROWS if rows else BLANK_ROWS + 1))]


def module_forms(
    *,
    session: Session,
    learner_id: int,
    modules: Sequence[LiveModule],
    module: LiveModule,
    saved: str | None = None,
) -> list[StepForm]:
    """The forms of the module's steps, filled in with what the learner has saved."""
    forms = []
    for step in module.content.workbook:
        entry = workbook.step_entry(
            session=session, user_id=learner_id, modules=modules, step_id=step.id, slug=module.slug
        )
        forms.append(StepForm(entry, entry.values, entry.revision, saved=saved == step.id))
    return forms


def form_values(form: FormData, step: WorkbookStep) -> dict[str, Any]:
    """The step's values as the form sends them (checked by the service, like the API's)."""
    cells: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in form.multi_items():
        match = _CELL.match(key)
        if match and isinstance(value, str) and int(match["row"]) < MAX_ITEMS + BLANK_ROWS + 1:
            row = cells.setdefault(match["field"], {}).setdefault(int(match["row"]), {})
            row[match["col"]] = value
    values: dict[str, Any] = {}
    for item in step.fields:
        if item.table_like:
            rows = cells.get(item.id, {})
            values[item.id] = [rows[number] for number in sorted(rows)]
        elif item.kind == "list":
            text = form_text(form, f"f.{item.id}", limit=300_000)
            values[item.id] = [line for line in text.splitlines() if line.strip()]
        else:
            values[item.id] = form_text(form, f"f.{item.id}", limit=30_000)
    return values


def _base_revision(form: FormData) -> int:
    """The revision the learner built on: the one chosen in a conflict, else the form's."""
    text = form_text(form, "behold", limit=12) or form_text(form, "revision", limit=12)
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def _field_errors(exc: UnprocessableError) -> dict[str, str]:
    """The service's errors by field id (the first for each), for the form."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        loc = error.get("loc", [])
        if len(loc) > 2:
            place = f" (rad {int(loc[3]) + 1})" if len(loc) > 3 and isinstance(loc[3], int) else ""
            errors.setdefault(str(loc[2]), f"{error.get('msg')}{place}")
    return errors


def _save(
    session: Session,
    learner_id: int,
    modules: Sequence[LiveModule],
    slug: str,
    step_id: str,
    form: FormData,
) -> tuple[StepForm, int]:
    """Save the posted form; the step's form as it should now show, and the status code."""
    module, step = workbook.find_step(modules, step_id, slug=slug)
    values = form_values(form, step)
    before = StepEntry(module, step, None, {})
    try:
        entry = workbook.save_step(
            session=session,
            user_id=learner_id,
            modules=[module],
            step_id=step.id,
            values=values,
            base_revision=_base_revision(form),
        )
    except WorkbookConflict:
        current = workbook.step_entry(
            session=session, user_id=learner_id, modules=[module], step_id=step.id
        )
        # The form keeps the revision it was built on: only "Behold min versjon" overwrites.
        return StepForm(current, values, _base_revision(form), conflict=current), 409
    except UnprocessableError as exc:
        revision = _base_revision(form)
        return StepForm(before, values, revision, errors=_field_errors(exc)), 422
    return StepForm(entry, entry.values, entry.revision, saved=True), 200


@router.post("/moduler/{slug}/oppgaver/{step_id}")
def save_step(
    slug: str,
    step_id: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    learner: PageLearner,
    modules: LiveModules,
) -> Response:
    """Save a workbook step from its form (without JavaScript), then back to the module."""
    step_form, status = _save(session, learner.id, modules, slug, step_id, form)
    if status == 200:
        return redirect(request, f"/moduler/{slug}?lagret={step_id}#oppgave-{step_id}")
    context = {"module": step_form.entry.module, "form": step_form, "not_saved": _NOT_SAVED}
    return render(request, "pages/workbook_step.html", context, status_code=status)


@router.post("/moduler/{slug}/oppgaver/{step_id}/utkast")
def save_draft(
    slug: str,
    step_id: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    learner: PageLearner,
    modules: LiveModules,
) -> Response:
    """Save a draft as the learner types (workbook.js): JSON with the new revision, or why not."""
    step_form, status = _save(session, learner.id, modules, slug, step_id, form)
    if status == 200:
        saved_at = step_form.entry.updated_at
        return JSONResponse({"revision": step_form.revision,
                             "saved_at": saved_at.isoformat() if saved_at else None})  # fmt: skip
    if status == 409:
        html = templates.get_template("pages/_workbook_conflict.html").render(
            form=step_form, module=step_form.entry.module
        )
        detail = WorkbookConflict.message
        return JSONResponse({"code": WorkbookConflict.code, "detail": detail, "html": html},
                            status_code=409)  # fmt: skip
    return JSONResponse({"code": "invalid", "detail": _NOT_SAVED, "errors": step_form.errors},
                        status_code=422)  # fmt: skip


@router.get("/mitt-prosjekt")
def my_project(
    request: Request,
    session: SessionDep,
    learner: PageLearner,
    modules: LiveModules,
    prosjekt: Annotated[int | None, Query(ge=1, le=MAX_REVISION)] = None,
) -> Response:
    """The learner's project plan: every step in course order, with what is missing.

    ``?prosjekt=ID`` shows another project the learner is in (their personal one while
    they write in a team's), read-only here; the team and invitations are for the active one.
    """
    plan = workbook.plan(session=session, user_id=learner.id, modules=modules,
                         project_id=prosjekt)  # fmt: skip
    active = workbook_teams.team(session=session, user_id=learner.id)
    personal = workbook.personal_project_id(session=session, user_id=learner.id)
    by_module: list[tuple[LiveModule, list[StepEntry]]] = []
    for entry in plan.entries:
        if not by_module or by_module[-1][0].id != entry.module.id:
            by_module.append((entry.module, []))
        by_module[-1][1].append(entry)
    feedback = project_review.feedback(session=session, user_id=learner.id, modules=modules)
    context = {
        "plan": plan,
        "by_module": by_module,
        "team": active if prosjekt is None else None,
        "invitations": workbook_teams.invitations(session=session, user_id=learner.id),
        "personal": personal if active and personal != active.project.id else None,
        "other": prosjekt is not None,
        "invited": request.query_params.get("invitert") == "1",
        "invited_text": workbook_teams.INVITED,
        "feedback": feedback,
    }
    return render(request, "pages/my_project.html", context)
