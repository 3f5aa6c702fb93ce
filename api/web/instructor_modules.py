"""Instructor pages for the course's modules: the list, a new module, archive, bring back, order.

The same service functions as the API's authoring routes, and the same audit rows.
"""

from __future__ import annotations

import yaml
from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.core.errors import ContentInvalid, DomainError, ModuleExists, ModuleNotFound
from api.data.models import CourseModule, ModuleRevision
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import CourseInfoDep, SessionDep, StaffUser
from api.http.schemas import ModuleCreate
from api.services import authoring
from api.services.audit import Action
from api.web.admin_common import text_param
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect, render
from course.compile import slugify

router = page_router()
TITLE_MAX = 200  # as the front matter allows
_STEPS = {"opp": -1, "ned": 1}
# What a redirect after a change tells the instructor (keys, never text from the URL).
_NOTICES = {
    "arkivert": "«{title}» er arkivert og er ikke lenger med i kurset. "
    "Deltakernes fremdrift og forsøk er tatt vare på.",
    "hentet": "«{title}» er tilbake i kurset, sist i rekkefølgen.",
    "flyttet": "«{title}» er nå modul nummer {number}.",
}
_TITLE_ERRORS = {
    "empty": "Skriv en tittel.",
    "long": f"Tittelen kan ha høyst {TITLE_MAX} tegn.",
}
_SLUG_ERRORS = {
    "invalid": "Adressen kan bare ha små bokstaver a–z, tall og enkle bindestreker, "
    "for eksempel digitale-tjenester (høyst 80 tegn).",
    "underivable": "Tittelen gir ingen adresse. Skriv en adresse selv, "
    "for eksempel digitale-tjenester.",
}

Listed = list[tuple[CourseModule, ModuleRevision]]


def starter_markdown(title: str) -> str:
    """A new module's first revision: valid, optional until the instructor makes it count."""
    front = yaml.safe_dump(
        {"title": title, "estimated_minutes": 30, "required": False},
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )
    return f"---\n{front}---\n\n# {title}\n\nDenne modulen er under arbeid.\n"


def _notice(request: Request, live: Listed, archived: Listed) -> str | None:
    template = _NOTICES.get(request.query_params.get("melding", ""))
    titles = {module.slug: revision.title for module, revision in live + archived}
    numbers = {module.slug: number for number, (module, _) in enumerate(live, start=1)}
    slug = request.query_params.get("modul", "")
    if template is None or slug not in titles:
        return None
    return template.format(title=titles[slug], number=numbers.get(slug))


def _list_page(
    request: Request,
    session: Session,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    modules = authoring.list_modules(session=session)
    live = [(m, r) for m, r in modules if m.archived_at is None]
    archived = [(m, r) for m, r in modules if m.archived_at is not None]
    params = request.query_params
    moved = params.get("modul") if params.get("melding") == "flyttet" else None
    context = {
        "live": live,
        "archived": archived,
        "values": values or {},
        "errors": errors or {},
        "notice": _notice(request, live, archived),
        "moved": moved,
    }
    return render(request, "pages/instructor.html", context, status_code=status_code)


@router.get("/instruktor")
def module_list(request: Request, session: SessionDep, staff: StaffUser) -> Response:
    """The course's modules in order, a form for a new one, and the archived ones."""
    return _list_page(request, session)


def _checked(values: dict[str, str]) -> tuple[ModuleCreate | None, dict[str, str]]:
    """The new module as the API would receive it, or what is wrong, per form field."""
    title, address = values["tittel"], values["adresse"]
    errors: dict[str, str] = {}
    if not title:
        errors["tittel"] = _TITLE_ERRORS["empty"]
    elif len(title) > TITLE_MAX:
        errors["tittel"] = _TITLE_ERRORS["long"]
    slug = address or slugify(title)
    if title and not slug:
        errors["adresse"] = _SLUG_ERRORS["underivable"]
    try:  # the API's own checks of the slug
        data = ModuleCreate.model_validate({"slug": slug, "markdown": starter_markdown(title)})
    except ValidationError:
        if address:
            errors["adresse"] = _SLUG_ERRORS["invalid"]
        return None, errors
    return data, errors


def _refusal(exc: ModuleExists | ContentInvalid, slug: str) -> dict[str, str]:
    """The service's refusal as an error at the form field that can fix it."""
    if isinstance(exc, ContentInvalid):  # a title the front matter cannot hold
        reasons = "; ".join(str(problem["message"]) for problem in exc.errors)
        return {"tittel": f"Tittelen kan ikke brukes: {reasons}"}
    return {"adresse": f"Det finnes allerede en modul med adressen {slug}. Skriv en annen adresse."}


@router.post(
    "/instruktor/moduler", dependencies=[audit_refusals(Action.MODULE_CREATE, target="modules")]
)
def create_module(
    request: Request,
    form: FormDep,
    session: SessionDep,
    staff: StaffUser,
    info: CourseInfoDep,
) -> Response:
    """Create a module with a starting text and open it in the editor, or show what is wrong."""
    values = {
        # One line without control characters: a crafted form could send them; no title needs them.
        "tittel": text_param(" ".join(form_text(form, "tittel", limit=1000).split()), 1000),
        "adresse": form_text(form, "adresse", limit=200).strip(),
    }
    data, errors = _checked(values)
    if data is None or errors:
        record_invalid(session=session, actor=staff, action=Action.MODULE_CREATE, target="modules")
        return _list_page(request, session, values, errors, status_code=422)
    try:
        saved = authoring.create_module(
            session=session,
            slug=data.slug,
            markdown=data.markdown,
            position=None,
            author=staff,
            info=info,
        )
    except (ModuleExists, ContentInvalid) as exc:
        record_refusal(
            session=session,
            actor=staff,
            action=Action.MODULE_CREATE,
            target="modules",
            error=exc,
        )
        errors = _refusal(exc, data.slug)
        return _list_page(request, session, values, errors, status_code=exc.status_code)
    return redirect(request, f"/instruktor/moduler/{saved.module.slug}?opprettet=1#status")


@router.get("/instruktor/moduler/{slug}/arkiver")
def archive_confirmation(
    slug: str, request: Request, session: SessionDep, staff: StaffUser
) -> Response:
    """What archiving the module does, and the button that does it."""
    row = authoring.module_row(session=session, slug=slug)
    title = authoring.current_revision(session=session, row=row).title
    return render(request, "pages/instructor_archive.html", {"row": row, "title": title})


@router.post(
    "/instruktor/moduler/{slug}/arkiver", dependencies=[audit_refusals(Action.MODULE_ARCHIVE)]
)
def archive_module(slug: str, request: Request, session: SessionDep, staff: StaffUser) -> Response:
    """Take the module out of the course; learners' history stays."""
    row = authoring.archive_module(session=session, slug=slug, actor=staff)
    return redirect(request, f"/instruktor?melding=arkivert&modul={row.slug}#status")


@router.post(
    "/instruktor/moduler/{slug}/hent-tilbake",
    dependencies=[audit_refusals(Action.MODULE_UNARCHIVE)],
)
def unarchive_module(
    slug: str, request: Request, session: SessionDep, staff: StaffUser
) -> Response:
    """Bring an archived module back into the course, last."""
    row = authoring.unarchive_module(session=session, slug=slug, actor=staff)
    return redirect(request, f"/instruktor?melding=hentet&modul={row.slug}#status")


@router.post(
    "/instruktor/moduler/{slug}/flytt", dependencies=[audit_refusals(Action.MODULE_REORDER)]
)
def move_module(
    slug: str, request: Request, form: FormDep, session: SessionDep, staff: StaffUser
) -> Response:
    """Swap the module with its neighbour above (``retning=opp``) or below (``retning=ned``)."""
    step = _STEPS.get(form_text(form, "retning", limit=10))
    if step is None:
        raise DomainError("Velg om modulen skal flyttes opp eller ned.")
    order = [m.slug for m, _ in authoring.list_modules(session=session) if m.archived_at is None]
    if slug not in order:
        raise ModuleNotFound()
    index = order.index(slug)
    if 0 <= index + step < len(order):  # the first cannot go up, nor the last down
        order[index], order[index + step] = order[index + step], order[index]
        authoring.reorder(session=session, slugs=order, actor=staff)
    return redirect(request, f"/instruktor?melding=flyttet&modul={slug}#modul-{slug}")
