"""Organisation units of a municipality: the tree, create, change, close, and the CSV import
of a structure; and the municipality's official written form. Readers see the units they may
read people in (leaders: their own part); administrators of the municipality or the
installation change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Path, Query, UploadFile

from api.core.errors import (
    Forbidden,
    InvalidOrgNumber,
    MunicipalityNotFound,
    NotAuthenticated,
    OutsideScope,
    UnitClosed,
    UnitHasOpenChildren,
    UnitImportInvalid,
    UnitMoveIntoItself,
    UnitNameTaken,
    UnitNotClosed,
    UnitNotFound,
    UnitOtherMunicipality,
    responses,
)
from api.http.auditing import audit_refusals
from api.http.deps import PeopleReader, SessionDep, UnitManager
from api.http.routing import api_router
from api.http.schemas_units import (
    MunicipalityWrittenForm,
    UnitImportReport,
    UnitPublic,
    WrittenFormUpdate,
    import_report,
    unit_public,
)
from api.services import org_import, org_units, written_forms
from api.services.audit import Action
from api.services.contracts import UnitCreate, UnitUpdate

router = api_router(prefix="", tags=["units"])
GUARDED = (NotAuthenticated, Forbidden)
Number = Annotated[str, Path(pattern=r"^\d{4}$", examples=["3203"])]
UnitId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/municipalities/{number}/units", responses=responses(*GUARDED, MunicipalityNotFound))
def list_units(
    number: Number,
    session: SessionDep,
    actor: PeopleReader,
    include_closed: Annotated[bool, Query(description="Closed units too")] = True,
) -> list[UnitPublic]:
    """The municipality's units as a tree (those in the caller's scope): each after its
    parent, siblings by name."""
    nodes = org_units.visible_tree(
        session=session, actor=actor, municipality_number=number, include_closed=include_closed
    )
    return [unit_public(node) for node in nodes]


@router.post(
    "/municipalities/{number}/units",
    status_code=201,
    responses=responses(
        *GUARDED,
        MunicipalityNotFound,
        UnitNotFound,
        UnitNameTaken,
        UnitClosed,
        UnitOtherMunicipality,
        InvalidOrgNumber,
    ),
    dependencies=[audit_refusals(Action.UNIT_CREATE)],
)
def create_unit(
    number: Number, data: UnitCreate, session: SessionDep, actor: UnitManager
) -> UnitPublic:
    """Create a unit at the top level or under an open unit of the same municipality."""
    unit = org_units.create_unit(
        session=session, actor=actor, municipality_number=number, data=data
    )
    return unit_public(org_units.node(session=session, unit_id=unit.id or 0))


@router.get("/units/{unit_id}", responses=responses(*GUARDED, UnitNotFound))
def get_unit(unit_id: UnitId, session: SessionDep, actor: PeopleReader) -> UnitPublic:
    """One unit in the caller's scope, with its path of names."""
    unit = org_units.visible_unit(session=session, actor=actor, unit_id=unit_id)
    return unit_public(org_units.node(session=session, unit_id=unit.id or 0))


@router.patch(
    "/units/{unit_id}",
    responses=responses(
        *GUARDED,
        UnitNotFound,
        UnitNameTaken,
        UnitClosed,
        UnitMoveIntoItself,
        UnitOtherMunicipality,
        InvalidOrgNumber,
    ),
    dependencies=[audit_refusals(Action.UNIT_UPDATE)],
)
def update_unit(
    unit_id: UnitId, data: UnitUpdate, session: SessionDep, actor: UnitManager
) -> UnitPublic:
    """Rename, set the organisation number, or move (``parent_id``; null: the top level).

    A move takes everything below the unit along; never under itself or its own units.
    """
    org_units.update_unit(session=session, actor=actor, unit_id=unit_id, data=data)
    return unit_public(org_units.node(session=session, unit_id=unit_id))


@router.post(
    "/units/{unit_id}/close",
    responses=responses(*GUARDED, UnitNotFound, UnitClosed, UnitHasOpenChildren),
    dependencies=[audit_refusals(Action.UNIT_CLOSE)],
)
def close_unit(
    unit_id: UnitId,
    session: SessionDep,
    actor: UnitManager,
    subtree: Annotated[
        bool, Query(description="Also close every open unit below it (else 409 if any)")
    ] = False,
) -> UnitPublic:
    """Close the unit: it stays for history, but gets no new people or units."""
    org_units.close_unit(session=session, actor=actor, unit_id=unit_id, subtree=subtree)
    return unit_public(org_units.node(session=session, unit_id=unit_id))


@router.post(
    "/units/{unit_id}/reopen",
    responses=responses(*GUARDED, UnitNotFound, UnitNotClosed, UnitClosed, UnitNameTaken),
    dependencies=[audit_refusals(Action.UNIT_REOPEN)],
)
def reopen_unit(unit_id: UnitId, session: SessionDep, actor: UnitManager) -> UnitPublic:
    """Open a closed unit again (its parent must be open; the units below stay closed)."""
    org_units.reopen_unit(session=session, actor=actor, unit_id=unit_id)
    return unit_public(org_units.node(session=session, unit_id=unit_id))


@router.post(
    "/municipalities/{number}/units/import",
    responses=responses(*GUARDED, MunicipalityNotFound, UnitImportInvalid),
    dependencies=[audit_refusals(Action.UNIT_IMPORT)],
)
def import_units(
    number: Number,
    file: Annotated[UploadFile, File(description="CSV: UTF-8, comma or semicolon separated")],
    session: SessionDep,
    actor: UnitManager,
    dry_run: Annotated[bool, Query(description="Only check the file and report")] = False,
) -> UnitImportReport:
    """Create the units a CSV file names; any bad line creates nothing (422).

    Columns: sti (or path), e.g. "Helse og omsorg/Hjemmetjenesten/Sone nord", and an
    optional organisasjonsnummer (or org_number). Missing units above a path are
    created too; units that exist are left as they are, so a second import adds nothing.
    """
    result = org_import.import_units(
        session=session,
        actor=actor,
        municipality_number=number,
        data=file.file.read(),
        dry_run=dry_run,
    )
    return import_report(result)


@router.put(
    "/municipalities/{number}/written-form",
    responses=responses(*GUARDED, MunicipalityNotFound, OutsideScope),
    dependencies=[audit_refusals(Action.WRITTEN_FORM_SET)],
)
def set_written_form(
    number: Number, data: WrittenFormUpdate, session: SessionDep, actor: UnitManager
) -> MunicipalityWrittenForm:
    """Set the municipality's official written form (nynorsk, bokmål, nøytral or ukjent):
    an administrator of the municipality or of the installation."""
    municipality = written_forms.set_written_form(
        session=session, actor=actor, number=number, form=data.written_form
    )
    return MunicipalityWrittenForm.model_validate(municipality)
