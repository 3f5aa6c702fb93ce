"""The organisation units of a municipality: the tree, forms to create, change, move and close
units, the CSV import of a structure (check first, then import), and the accounts whose old
department could not be placed. The same services as the API's unit routes and audit rows.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api.core.config import Settings
from api.core.errors import DomainError, ImportInvalid, MunicipalityNotFound
from api.data.models import WrittenForm
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import SessionDep, SettingsDep, UnitManager
from api.services import audit, org_import, org_units, written_forms
from api.services.audit import Action
from api.services.contracts import UnitCreate, UnitUpdate
from api.services.scope import Actor
from api.web.admin_common import render_admin, text_param
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect

router = page_router()
_NOTICES = {
    "opprettet": "Enheten er opprettet.",
    "endret": "Enheten er endret.",
    "flyttet": "Enheten er flyttet, med alt under den.",
    "nedlagt": "Enheten er lagt ned. Den blir stående i historikken og rapportene.",
    "malform": "Målformen er lagret.",
}
_WRITTEN_FORMS = [
    (WrittenForm.NYNORSK.value, "Nynorsk"),
    (WrittenForm.BOKMAL.value, "Bokmål"),
    (WrittenForm.NEUTRAL.value, "Nøytral"),
    (WrittenForm.UNKNOWN.value, "Ukjent"),
]
_UNMATCHED_SHOWN = 50


def _base(number: str) -> str:
    return f"/admin/kommuner/{number}/enheter"


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    actor: Actor,
    number: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    municipality = org_units.get_municipality(session=session, number=number)
    org_units.check_manages(actor, number)
    nodes = org_units.tree(session=session, municipality_number=number)
    open_units = [(str(n.unit.id), n.label) for n in nodes if n.unit.closed_at is None]
    unmatched = org_units.unmatched_departments(
        session=session, actor=actor, limit=_UNMATCHED_SHOWN + 1
    )
    context = {
        "municipality": municipality,
        "base": _base(number),
        "nodes": nodes,
        "unit_choices": [("", "Velg enhet"), *open_units],
        "parent_choices": [("", "Øverst i kommunen"), *open_units],
        "written_form_choices": _WRITTEN_FORMS,
        "unmatched": unmatched[:_UNMATCHED_SHOWN],
        "more_unmatched": len(unmatched) > _UNMATCHED_SHOWN,
        "values": {},
        "errors": {},
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
        "max_kilobytes": settings.max_body_bytes // 1000,
        **extra,
    }
    return render_admin(request, "pages/admin_units.html", context, status_code=status_code)


@router.get("/admin/kommuner/enheter")
def find_municipality(
    request: Request, session: SessionDep, actor: UnitManager, kommune: str | None = None
) -> Response:
    """Go to a municipality's units, named by its number or name."""
    text = text_param(kommune, 100)
    try:
        found = org_units.find_municipality(session=session, text=text or "-")
    except MunicipalityNotFound as exc:
        context = {"error": exc.detail if text else "Skriv et kommunenummer.", "kommune": text}
        return render_admin(request, "pages/admin_units_find.html", context, status_code=404)
    return redirect(request, _base(found.number))


@router.get("/admin/kommuner/{number:municipality}/enheter")
def units_page(
    number: str, request: Request, session: SessionDep, actor: UnitManager, settings: SettingsDep
) -> Response:
    """The municipality's units as a tree, with the forms that change them."""
    return _page(request, session, settings, actor, number)


def _refused(
    request: Request,
    session: Session,
    settings: Settings,
    actor: Actor,
    number: str,
    *,
    action: str,
    target: str,
    field: str,
    values: dict[str, str],
    error: DomainError | None = None,
    message: str | None = None,
) -> Response:
    """The page again with the problem at its field, the refusal audited as the API does."""
    if error is not None:
        record_refusal(session=session, actor=actor.user, action=action, target=target, error=error)
    else:
        record_invalid(session=session, actor=actor.user, action=action, target=target)
    status = error.status_code if error is not None else 422
    text = error.detail if error is not None else message or ""
    return _page(
        request,
        session,
        settings,
        actor,
        number,
        status_code=status,
        values=values,
        errors={field: text},
    )


def _unit_choice(form: Any, name: str) -> int | None:
    value = form_text(form, name, limit=12).strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2_147_483_648 else None


@router.post(
    "/admin/kommuner/{number:municipality}/enheter/ny",
    dependencies=[audit_refusals(Action.UNIT_CREATE)],
)
def create_unit(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Create a unit at the top level or under an open unit."""
    values = {name: form_text(form, name, limit=300).strip() for name in ("ny-navn", "ny-orgnr")}
    values["ny-over"] = form_text(form, "ny-over", limit=12)
    target = audit.municipality_target(number)
    try:
        data = UnitCreate(
            name=values["ny-navn"],
            parent_id=_unit_choice(form, "ny-over"),
            org_number=values["ny-orgnr"] or None,
        )
    except ValidationError:
        message = "Skriv et navn på høyst 200 tegn, uten skråstrek (/)."
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_CREATE,
            target=target, field="ny-navn", values=values, message=message,
        )  # fmt: skip
    try:
        org_units.create_unit(session=session, actor=actor, municipality_number=number, data=data)
    except DomainError as exc:
        field = "ny-orgnr" if exc.code == "invalid_org_number" else "ny-navn"
        if exc.code in ("unit_not_found", "unit_closed", "unit_other_municipality"):
            field = "ny-over"
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_CREATE,
            target=target, field=field, values=values, error=exc,
        )  # fmt: skip
    return redirect(request, f"{_base(number)}?melding=opprettet#status")


@router.post(
    "/admin/kommuner/{number:municipality}/enheter/endre",
    dependencies=[audit_refusals(Action.UNIT_UPDATE)],
)
def change_unit(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Rename a unit, or set or remove its organisation number."""
    names = ("endre-enhet", "endre-navn", "endre-orgnr", "endre-fjern-orgnr")
    values = {name: form_text(form, name, limit=300).strip() for name in names}
    unit_id = _unit_choice(form, "endre-enhet")
    target = audit.unit_target(unit_id)
    given: dict[str, str | None] = {}
    if values["endre-navn"]:
        given["name"] = values["endre-navn"]
    if values["endre-fjern-orgnr"]:
        given["org_number"] = None
    elif values["endre-orgnr"]:
        given["org_number"] = values["endre-orgnr"]
    problem = None if unit_id else ("endre-enhet", "Velg enheten som skal endres.")
    if problem is None and not given:
        problem = ("endre-navn", "Skriv et nytt navn eller et organisasjonsnummer.")
    try:
        data = UnitUpdate.model_validate(given)
    except ValidationError:
        problem = ("endre-navn", "Skriv et navn på høyst 200 tegn, uten skråstrek (/).")
    if problem is not None or unit_id is None:
        field, message = problem or ("endre-enhet", "")
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_UPDATE,
            target=target, field=field, values=values, message=message,
        )  # fmt: skip
    try:
        org_units.get_unit_in(session=session, unit_id=unit_id, municipality_number=number)
        org_units.update_unit(session=session, actor=actor, unit_id=unit_id, data=data)
    except DomainError as exc:
        field = "endre-orgnr" if exc.code == "invalid_org_number" else "endre-navn"
        field = "endre-enhet" if exc.code == "unit_not_found" else field
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_UPDATE,
            target=target, field=field, values=values, error=exc,
        )  # fmt: skip
    return redirect(request, f"{_base(number)}?melding=endret#status")


@router.post(
    "/admin/kommuner/{number:municipality}/enheter/flytt",
    dependencies=[audit_refusals(Action.UNIT_MOVE)],
)
def move_unit(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Move a unit, with everything below it, under another unit or to the top level."""
    values = {name: form_text(form, name, limit=12) for name in ("flytt-enhet", "flytt-over")}
    unit_id = _unit_choice(form, "flytt-enhet")
    target = audit.unit_target(unit_id)
    if unit_id is None:
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_MOVE, target=target,
            field="flytt-enhet", values=values, message="Velg enheten som skal flyttes.",
        )  # fmt: skip
    try:
        org_units.get_unit_in(session=session, unit_id=unit_id, municipality_number=number)
        org_units.move_unit(
            session=session,
            actor=actor,
            unit_id=unit_id,
            parent_id=_unit_choice(form, "flytt-over"),
        )
    except DomainError as exc:
        field = "flytt-enhet" if exc.code == "unit_not_found" else "flytt-over"
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_MOVE, target=target,
            field=field, values=values, error=exc,
        )  # fmt: skip
    return redirect(request, f"{_base(number)}?melding=flyttet#status")


@router.post(
    "/admin/kommuner/{number:municipality}/enheter/legg-ned",
    dependencies=[audit_refusals(Action.UNIT_CLOSE)],
)
def close_unit(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Close a unit; with open units below it only if the whole branch is to be closed."""
    values = {name: form_text(form, name, limit=12) for name in ("ned-enhet", "ned-alt")}
    unit_id = _unit_choice(form, "ned-enhet")
    target = audit.unit_target(unit_id)
    if unit_id is None:
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_CLOSE, target=target,
            field="ned-enhet", values=values, message="Velg enheten som skal legges ned.",
        )  # fmt: skip
    try:
        org_units.get_unit_in(session=session, unit_id=unit_id, municipality_number=number)
        org_units.close_unit(
            session=session, actor=actor, unit_id=unit_id, subtree=bool(values["ned-alt"])
        )
    except DomainError as exc:
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_CLOSE, target=target,
            field="ned-enhet", values=values, error=exc,
        )  # fmt: skip
    return redirect(request, f"{_base(number)}?melding=nedlagt#status")


@router.post(
    "/admin/kommuner/{number:municipality}/enheter/import",
    dependencies=[audit_refusals(Action.UNIT_IMPORT)],
)
def import_units(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Check a structure file (dry run) or import it; every bad line is listed with its line."""
    upload = form.get("fil")
    target = audit.municipality_target(number)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _refused(
            request, session, settings, actor, number, action=Action.UNIT_IMPORT, target=target,
            field="fil", values={}, message="Velg en CSV-fil.",
        )  # fmt: skip
    dry_run = form_text(form, "handling", limit=20) != "importer"
    data = upload.file.read()  # capped by the application's body limit
    try:
        result = org_import.import_units(
            session=session, actor=actor, municipality_number=number, data=data, dry_run=dry_run
        )
    except ImportInvalid as exc:
        record_refusal(
            session=session, actor=actor.user, action=Action.UNIT_IMPORT, target=target, error=exc
        )
        return _page(
            request, session, settings, actor, number, status_code=422,
            filename=upload.filename, problems=exc.errors,
        )  # fmt: skip
    problems = org_import.problems_as_errors(result.problems)
    return _page(
        request, session, settings, actor, number,
        filename=upload.filename, report=result, problems=problems,
    )  # fmt: skip


@router.post(
    "/admin/kommuner/{number:municipality}/malform",
    dependencies=[audit_refusals(Action.WRITTEN_FORM_SET)],
)
def set_written_form(
    number: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: UnitManager,
    settings: SettingsDep,
) -> Response:
    """Set the municipality's official written form."""
    given = form_text(form, "malform", limit=20).strip()
    target = audit.municipality_target(number)
    try:
        chosen = WrittenForm(given)
    except ValueError:
        return _refused(
            request, session, settings, actor, number, action=Action.WRITTEN_FORM_SET,
            target=target, field="malform", values={"malform": ""},
            message="Velg nynorsk, bokmål, nøytral eller ukjent.",
        )  # fmt: skip
    try:
        written_forms.set_written_form(session=session, actor=actor, number=number, form=chosen)
    except DomainError as exc:
        return _refused(
            request, session, settings, actor, number, action=Action.WRITTEN_FORM_SET,
            target=target, field="malform", values={"malform": given}, error=exc,
        )  # fmt: skip
    return redirect(request, f"{_base(number)}?melding=malform#status")
