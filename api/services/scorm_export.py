"""SCORM packages of the course or one module, from the live modules (CLI, API, instructor page).

The package is built from what the site shows now: each module's current revision,
rendered by the app's own renderer, with the site's style sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from api.core.errors import EditionNotAvailable, ModuleNotFound
from api.services import content
from api.services.contracts import CourseForm, ScormExport
from course.models import CourseInfo
from course.scorm import build_package, package_file_name

# The site's style sheet: the pages of a package look like the module pages.
STYLESHEET = Path(__file__).resolve().parents[1] / "web" / "static" / "style.css"
MEDIA_TYPE = "application/zip"


@dataclass(frozen=True, slots=True)
class ScormPackage:
    filename: str
    content: bytes


def scorm_package(
    *, session: Session, info: CourseInfo, cache: content.RenderCache, request: ScormExport
) -> ScormPackage:
    """The package ``request`` asks for; ``ModuleNotFound`` for a slug not in the course,
    ``EditionNotAvailable`` for nynorsk (there is no nynorsk edition yet)."""
    if request.form is not CourseForm.BOKMAL:
        raise EditionNotAvailable()
    if request.module is None:
        live = content.live_modules(session=session, info=info, cache=cache)
    else:
        live = [content.live_module(session=session, info=info, cache=cache, slug=request.module)]
    modules = [m.content for m in live]
    if not modules:
        raise ModuleNotFound("Kurset har ingen moduler å pakke.")
    single = modules[0] if request.module is not None else None
    data = build_package(
        info=info,
        modules=modules,
        version=request.version,
        include_quiz=request.quiz,
        stylesheet=STYLESHEET.read_bytes(),
        whole_course=single is None,
    )
    name = package_file_name(info, single, version=request.version, include_quiz=request.quiz)
    return ScormPackage(name, data)
