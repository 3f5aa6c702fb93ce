"""The instructor's SCORM export: a form, and the package it downloads (as ``innostudy export
scorm`` and ``GET /api/v1/export/scorm`` build it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError

from api.http import downloads
from api.http.deps import CourseInfoDep, LiveModules, RenderCacheDep, SessionDep, StaffUser
from api.services import scorm_export
from api.services.content import LiveModule
from api.services.contracts import ScormExport
from api.web.admin_common import text_param
from api.web.deps import page_router
from api.web.render import render

router = page_router()
VERSIONS = (
    ("1.2", "SCORM 1.2 – for Moodle og KS Læring"),
    ("2004", "SCORM 2004, 4. utgave"),
)
QUIZ_CHOICES = (
    ("med", "Med quiz – pakken inneholder fasiten"),
    ("uten", "Uten quiz – modulen er fullført når teksten er lest"),
)
WHOLE_COURSE = ""
_ERRORS = {
    "versjon": "Velg SCORM 1.2 eller SCORM 2004.",
    "modul": "Velg hele kurset eller en av modulene i kurset.",
    "quiz": "Velg med eller uten quiz.",
}


def _choices(modules: list[LiveModule]) -> list[tuple[str, str]]:
    return [(WHOLE_COURSE, f"Hele kurset ({len(modules)} moduler)")] + [
        (m.slug, f"{number}. {m.content.title}") for number, m in enumerate(modules, start=1)
    ]


def export_request(
    params: Mapping[str, str], modules: list[LiveModule]
) -> tuple[dict[str, str], ScormExport | None, dict[str, str]]:
    """The form's values, the request they make (or None), and an error per field."""
    values = {
        "versjon": text_param(params.get("versjon"), 10) or VERSIONS[0][0],
        "modul": text_param(params.get("modul"), 80),
        "quiz": text_param(params.get("quiz"), 10) or QUIZ_CHOICES[0][0],
    }
    errors: dict[str, str] = {}
    if values["modul"] not in {slug for slug, _ in _choices(modules)}:
        errors["modul"] = _ERRORS["modul"]
    if values["quiz"] not in {value for value, _ in QUIZ_CHOICES}:
        errors["quiz"] = _ERRORS["quiz"]
    try:
        request = ScormExport.model_validate(
            {"version": values["versjon"], "module": values["modul"] or None,
             "quiz": values["quiz"] == "med"}
        )  # fmt: skip
    except ValidationError as exc:
        names = {"version": "versjon", "module": "modul"}
        for error in exc.errors():
            name = names.get(str(error["loc"][0]), "versjon")
            errors.setdefault(name, _ERRORS[name])
        return values, None, errors
    return values, (None if errors else request), errors


def _page(
    request: Request,
    modules: list[LiveModule],
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "versions": VERSIONS,
        "modules": _choices(modules),
        "quiz_choices": QUIZ_CHOICES,
    }
    return render(request, "pages/instructor_scorm.html", context, status_code=status_code)


@router.get("/instruktor/scorm")
def scorm_page(request: Request, staff: StaffUser, modules: LiveModules) -> Response:
    """The form for a SCORM package of the course or one module, with the answer-key warning."""
    values, _, _ = export_request({}, modules)
    return _page(request, modules, values, {})


@router.get("/instruktor/scorm/pakke")
def scorm_download(
    request: Request,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    modules: LiveModules,
) -> Response:
    """The SCORM package the form asks for, or the form with its errors (422)."""
    values, export, errors = export_request(request.query_params, modules)
    if export is None:
        return _page(request, modules, values, errors, status_code=422)
    package = scorm_export.scorm_package(session=session, info=info, cache=cache, request=export)
    return downloads.scorm_download(package)
