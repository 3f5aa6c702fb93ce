"""Administration pages for accounts: search, create, correct, deactivate, role, password code,
erase, and the CSV import. The same services as the API's ``/users`` routes and audit rows.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api.core.config import Settings
from api.core.errors import (
    EmailTaken,
    ImportInvalid,
    MunicipalityInvalid,
    OutsideScope,
    UnitClosed,
    UnitNotFound,
    UnitOtherMunicipality,
)
from api.data.models import INSTALLATION_ROLES, Role, User
from api.http import presenters_admin as present
from api.http.auditing import audit_refusals, record_invalid, record_refusal
from api.http.deps import (
    InstallationAdmin,
    PeopleManager,
    SessionDep,
    SettingsDep,
    get_settings,
)
from api.services import (
    admin_users,
    audit,
    invitations,
    org_units,
    privacy,
    user_import,
    user_municipality,
)
from api.services.audit import Action
from api.services.contracts import UserCreate, UserUpdate
from api.services.scope import Actor
from api.web import admin_roles as role_forms
from api.web.admin_common import (
    ADMIN_PAGE_SIZE,
    page_number,
    render_admin,
    text_param,
)
from api.web.deps import FormDep, form_text, page_router
from api.web.render import ROLE_NAMES, redirect

router = page_router()
ROLE_CHOICES = [(role.value, ROLE_NAMES[role]) for role in INSTALLATION_ROLES]
_ROLES = {role.value for role in Role}
_ACTIVE_CHOICES = [("", "Alle"), ("aktive", "Aktive"), ("deaktiverte", "Deaktiverte")]
_ACTIVE = {"aktive": True, "deaktiverte": False}
# What a redirect after a change tells the administrator (keys, never text from the URL).
_NOTICES = {
    "opprettet": "Brukeren er opprettet. Lag en passordkode, så kan personen velge passord.",
    "opprettet-invitert": "Brukeren er opprettet, og en invitasjon sendes på e-post.",
    "invitert": "Invitasjonen sendes på e-post. Tidligere passordkoder virker ikke lenger.",
    "deaktivert": "Kontoen er deaktivert. Personen er logget ut og kan ikke logge inn.",
    "aktivert": "Kontoen er aktivert igjen.",
    "rolle": "Rollen er endret.",
    "slettet": "Personopplysningene er slettet. Tellinger og resultater i rapportene står igjen.",
    "endret": "Opplysningene er lagret.",
    "tildelt": "Rollen er gitt.",
    "fjernet": "Rollen er fjernet.",
    "ugyldig-rolle": "Velg en rolle og hva den skal gjelde for.",
}
_CREATE_FIELDS = {  # form field -> UserCreate field
    "epost": "email",
    "navn": "full_name",
    "kommune": "municipality",  # a name or a number (``user_municipality``)
    "rolle": "role",
}
_EDIT_FIELDS = {  # form field -> UserUpdate field (the API's PATCH /users/{id})
    **{name: field for name, field in _CREATE_FIELDS.items() if name != "rolle"},
    "enhet": "unit_id",  # a unit id from the list of the municipality's units
}
_UNIT_ERRORS = (UnitNotFound, UnitClosed, UnitOtherMunicipality)


def _error_field(exc: Exception) -> str:
    """The form field a refused account change is shown at."""
    if isinstance(exc, EmailTaken):
        return "epost"
    return "kommune" if isinstance(exc, MunicipalityInvalid | OutsideScope) else "enhet"


_CREATE_ERRORS = {
    "email": "Skriv en gyldig e-postadresse, for eksempel kari.nordmann@asker.kommune.no.",
    "full_name": "Skriv fullt navn (høyst 200 tegn).",
    "municipality": "Skriv kommunenavnet eller kommunenummeret, for eksempel Asker eller 3203.",
    "unit_id": "Velg en enhet i listen.",
    "role": "Velg en rolle.",
}


@router.get("/admin")
def overview(request: Request, actor: PeopleManager) -> Response:
    """The administration pages, each with what it is for."""
    return render_admin(request, "pages/admin_overview.html")


@router.get("/admin/brukere")
def user_list(
    request: Request,
    session: SessionDep,
    actor: PeopleManager,
    q: str | None = None,
    kommune: str | None = None,
    rolle: str | None = None,
    status: str | None = None,
    side: str | None = None,
) -> Response:
    """Accounts by name, searched and filtered, a page at a time."""
    search = {
        "q": text_param(q, 200),
        "kommune": text_param(kommune, 100),
        "rolle": rolle if rolle and rolle in _ROLES else "",
        "status": status if status and status in _ACTIVE else "",
    }
    number = page_number(side)
    found = admin_users.search_users(
        session=session,
        actor=actor,
        role=Role(search["rolle"]) if search["rolle"] else None,
        text=search["q"] or None,
        municipality=search["kommune"] or None,
        active=_ACTIVE.get(search["status"]),
        limit=ADMIN_PAGE_SIZE + 1,
        offset=(number - 1) * ADMIN_PAGE_SIZE,
    )
    shown = found[:ADMIN_PAGE_SIZE]
    context = {
        "users": shown,
        "unit_labels": org_units.labels_of(session=session, unit_ids=(u.unit_id for u in shown)),
        "search": search,
        "filtered": any(search.values()),
        "page": number,
        "has_next": len(found) > ADMIN_PAGE_SIZE,
        "query": {name: value for name, value in search.items() if value},
        "role_filter": [("", "Alle"), *ROLE_CHOICES],
        "active_filter": _ACTIVE_CHOICES,
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
    }
    return render_admin(request, "pages/admin_users.html", context)


def _field_errors(exc: ValidationError, form_fields: dict[str, str]) -> dict[str, str]:
    """The model's validation errors as a Norwegian message per form field."""
    errors: dict[str, str] = {}
    form_names = {field: name for name, field in form_fields.items()}
    for error in exc.errors():
        # The one rule about the whole model: a municipality must be given.
        field = str(error["loc"][0]) if error["loc"] else "municipality"
        if field in form_names:
            errors.setdefault(form_names[field], _CREATE_ERRORS[field])
    return errors


def _create_form(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    context = {
        "values": values or {"rolle": Role.LEARNER.value},
        "errors": errors or {},
        "roles": ROLE_CHOICES,
        "email_enabled": get_settings(request).email_enabled,
    }
    return render_admin(request, "pages/admin_user_new.html", context, status_code=status_code)


@router.get("/admin/brukere/ny")
def new_user_form(request: Request, actor: PeopleManager) -> Response:
    """The form for one new account."""
    return _create_form(request)


@router.post("/admin/brukere/ny", dependencies=[audit_refusals(Action.USER_CREATE, target="users")])
def create_user(
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: PeopleManager,
    settings: SettingsDep,
) -> Response:
    """Create the account, or show what is wrong at its field."""
    values = {name: form_text(form, name, limit=300).strip() for name in _CREATE_FIELDS}
    invite = settings.email_enabled and form_text(form, "inviter", limit=10) == "ja"
    values["inviter"] = "ja" if invite else "nei"
    values["enhet"] = form_text(form, "enhet", limit=2000).strip()  # a unit's path
    fields = {
        _CREATE_FIELDS[name]: value or None
        for name, value in values.items()
        if name in _CREATE_FIELDS
    }
    try:
        data = UserCreate.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        errors = _field_errors(exc, _CREATE_FIELDS)
        record_invalid(session=session, actor=actor.user, action=Action.USER_CREATE, target="users")
        return _create_form(request, values, errors, status_code=422)
    try:
        if values["enhet"]:
            municipality = user_municipality.from_input(
                session=session, name=data.municipality, number=data.municipality_number
            )
            unit = org_units.unit_for_path(
                session=session, municipality_number=municipality.number, path=values["enhet"]
            )
            data = data.model_copy(update={"unit_id": unit.id})
        user = admin_users.create_user(session=session, actor=actor, data=data)
    except (EmailTaken, MunicipalityInvalid, OutsideScope, *_UNIT_ERRORS) as exc:
        record_refusal(
            session=session, actor=actor.user, action=Action.USER_CREATE, target="users", error=exc
        )
        field = _error_field(exc)
        return _create_form(request, values, {field: exc.detail}, status_code=exc.status_code)
    if invite and user.id is not None:
        invitations.invite(session=session, actor=actor, settings=settings, user_id=user.id)
        return redirect(request, f"/admin/brukere/{user.id}?melding=opprettet-invitert")
    return redirect(request, f"/admin/brukere/{user.id}?melding=opprettet")


def _municipality_value(account: User) -> str:
    """The municipality field as the form shows it: "3203 Asker", or the unmatched text."""
    if account.municipality is not None:
        return f"{account.municipality.number} {account.municipality.name}"
    return account.municipality_unmatched or ""


def _user_page(
    request: Request,
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    account = admin_users.get_user(session=session, actor=actor, user_id=user_id)
    context = {
        "account": account,
        "edit_values": {
            "epost": account.email,
            "navn": account.full_name,
            "kommune": _municipality_value(account),
            "enhet": str(account.unit_id or ""),
        },
        "unit_label": org_units.label(session=session, unit_id=account.unit_id),
        "unit_choices": _unit_choices(session, account),
        "edit_errors": {},
        "own": account.id == actor.user_id,
        "account_role": ROLE_NAMES[Role(account.role)],
        "roles": ROLE_CHOICES,
        "installation_admin": actor.is_admin,
        "email_enabled": get_settings(request).email_enabled,
        **role_forms.context(session=session, actor=actor, account=account),
        "notice": _NOTICES.get(request.query_params.get("melding", "")),
        **extra,
    }
    return render_admin(request, "pages/admin_user.html", context, status_code=status_code)


def _unit_choices(session: Session, account: User) -> list[tuple[str, str]]:
    """The edit form's units: none, the open units of the person's municipality, and the
    person's own unit if it has been closed since (so that saving keeps it)."""
    found = org_units.choices(session=session, municipality_number=account.municipality_number)
    options = [("", "Ingen enhet"), *((str(unit_id), text) for unit_id, text in found)]
    if account.unit_id is not None and all(str(account.unit_id) != v for v, _ in options):
        text = org_units.label(session=session, unit_id=account.unit_id) or ""
        options.append((str(account.unit_id), f"{text} (nedlagt)"))
    return options


@router.get("/admin/brukere/{user_id:id}")
def user_page(
    user_id: int, request: Request, session: SessionDep, actor: PeopleManager
) -> Response:
    """One account with what can be done to it."""
    return _user_page(request, session, actor, user_id)


@router.post("/admin/brukere/{user_id:id}/endre", dependencies=[audit_refusals(Action.USER_UPDATE)])
def update_user(
    user_id: int, request: Request, form: FormDep, session: SessionDep, actor: PeopleManager
) -> Response:
    """Correct the name, e-mail address, municipality or unit (as the API's PATCH)."""
    values = {name: form_text(form, name, limit=300).strip() for name in _EDIT_FIELDS}
    target = audit.user_target(user_id)
    account = admin_users.get_user(session=session, actor=actor, user_id=user_id)
    given = {_EDIT_FIELDS[name]: value or None for name, value in values.items()}
    if values["kommune"] == _municipality_value(account):
        # Not changed: an account whose municipality never matched keeps its text until
        # the administrator writes a municipality, and the other fields can still be fixed.
        del given["municipality"]
    try:  # blank optional fields are cleared; blank required ones are refused at the field
        data = UserUpdate.model_validate(given)
    except ValidationError as exc:
        errors = _field_errors(exc, _EDIT_FIELDS)
        record_invalid(session=session, actor=actor.user, action=Action.USER_UPDATE, target=target)
        return _user_page(
            request,
            session,
            actor,
            user_id,
            status_code=422,
            edit_values=values,
            edit_errors=errors,
        )
    try:
        admin_users.update_user(session=session, actor=actor, user_id=user_id, data=data)
    except (EmailTaken, MunicipalityInvalid, OutsideScope, *_UNIT_ERRORS) as exc:
        record_refusal(
            session=session, actor=actor.user, action=Action.USER_UPDATE, target=target, error=exc
        )
        errors = {_error_field(exc): exc.detail}
        return _user_page(
            request,
            session,
            actor,
            user_id,
            status_code=exc.status_code,
            edit_values=values,
            edit_errors=errors,
        )
    return redirect(request, f"/admin/brukere/{user_id}?melding=endret#status")


@router.post(
    "/admin/brukere/{user_id:id}/deaktiver", dependencies=[audit_refusals(Action.USER_DEACTIVATE)]
)
def deactivate_user(
    user_id: int, request: Request, session: SessionDep, actor: PeopleManager
) -> Response:
    """Stop the account from logging in and end its sessions."""
    admin_users.deactivate(session=session, actor=actor, user_id=user_id)
    return redirect(request, f"/admin/brukere/{user_id}?melding=deaktivert#status")


@router.post(
    "/admin/brukere/{user_id:id}/aktiver", dependencies=[audit_refusals(Action.USER_REACTIVATE)]
)
def reactivate_user(
    user_id: int, request: Request, session: SessionDep, actor: PeopleManager
) -> Response:
    """Let a deactivated account log in again."""
    admin_users.reactivate(session=session, actor=actor, user_id=user_id)
    return redirect(request, f"/admin/brukere/{user_id}?melding=aktivert#status")


@router.post(
    "/admin/brukere/{user_id:id}/rolle", dependencies=[audit_refusals(Action.USER_ROLE_CHANGE)]
)
def change_role(
    user_id: int, request: Request, form: FormDep, session: SessionDep, actor: InstallationAdmin
) -> Response:
    """Make the account a learner, instructor or administrator."""
    chosen = form_text(form, "rolle", limit=20)
    if chosen not in _ROLES:
        target = audit.user_target(user_id)
        record_invalid(
            session=session, actor=actor.user, action=Action.USER_ROLE_CHANGE, target=target
        )
        return _user_page(
            request, session, actor, user_id, status_code=422, role_error="Velg en rolle."
        )
    admin_users.change_role(session=session, actor=actor, user_id=user_id, role=Role(chosen))
    return redirect(request, f"/admin/brukere/{user_id}?melding=rolle#status")


@router.post(
    "/admin/brukere/{user_id:id}/passordkode",
    dependencies=[audit_refusals(Action.USER_PASSWORD_RESET)],
)
def reset_password(
    user_id: int,
    request: Request,
    session: SessionDep,
    actor: PeopleManager,
    settings: SettingsDep,
) -> Response:
    """A new single-use password code, shown once on the page (never put in a URL)."""
    issued = admin_users.reset_password(session=session, actor=actor, user_id=user_id)
    setup = present.setup_code(issued, settings.base_url)
    return _user_page(request, session, actor, user_id, setup=setup)


@router.post(
    "/admin/brukere/{user_id:id}/invitasjon", dependencies=[audit_refusals(Action.USER_INVITE)]
)
def invite_user(
    user_id: int,
    request: Request,
    session: SessionDep,
    actor: PeopleManager,
    settings: SettingsDep,
) -> Response:
    """E-mail the person a link to choose a password."""
    invitations.invite(session=session, actor=actor, settings=settings, user_id=user_id)
    return redirect(request, f"/admin/brukere/{user_id}?melding=invitert#status")


@router.get("/admin/brukere/{user_id:id}/slett")
def erase_confirmation(
    user_id: int, request: Request, session: SessionDep, actor: PeopleManager
) -> Response:
    """What erasing does, and the button that does it."""
    account = admin_users.get_user(session=session, actor=actor, user_id=user_id)
    context = {"account": account, "own": account.id == actor.user_id}
    return render_admin(request, "pages/admin_user_erase.html", context)


@router.post("/admin/brukere/{user_id:id}/slett", dependencies=[audit_refusals(Action.USER_ERASE)])
def erase_user(
    user_id: int, request: Request, session: SessionDep, actor: PeopleManager
) -> Response:
    """Erase the person's data; counts and scores stay for the reports."""
    privacy.erase_user(session=session, actor=actor, user_id=user_id)
    return redirect(request, "/admin/brukere?melding=slettet")


def _import_page(
    request: Request, settings: Settings, *, status_code: int = 200, **extra: Any
) -> Response:
    context = {"max_kilobytes": settings.max_body_bytes // 1000, **extra}
    return render_admin(request, "pages/admin_import.html", context, status_code=status_code)


@router.get("/admin/brukere/import")
def import_form(request: Request, actor: PeopleManager, settings: SettingsDep) -> Response:
    """The form for uploading an employee list (CSV)."""
    return _import_page(request, settings)


@router.post(
    "/admin/brukere/import", dependencies=[audit_refusals(Action.USER_IMPORT, target="users")]
)
def import_users(
    request: Request,
    form: FormDep,
    session: SessionDep,
    actor: PeopleManager,
    settings: SettingsDep,
) -> Response:
    """Check the file (dry run) or import it; every bad row is listed with its line."""
    upload = form.get("fil")
    if not isinstance(upload, UploadFile) or not upload.filename:
        record_invalid(session=session, actor=actor.user, action=Action.USER_IMPORT, target="users")
        return _import_page(request, settings, status_code=422, file_error="Velg en CSV-fil.")
    dry_run = form_text(form, "handling", limit=20) != "importer"
    # The application's body limit (INNOSTUDY_MAX_BODY_BYTES) already capped the upload.
    data = upload.file.read()
    try:
        result = user_import.import_users(session=session, actor=actor, data=data, dry_run=dry_run)
    except ImportInvalid as exc:
        record_refusal(
            session=session, actor=actor.user, action=Action.USER_IMPORT, target="users", error=exc
        )
        return _import_page(
            request, settings, status_code=422, filename=upload.filename, problems=exc.errors
        )
    report = present.import_report(result, settings.base_url)
    return _import_page(
        request, settings, filename=upload.filename, report=report, problems=report.errors
    )
