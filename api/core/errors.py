"""Typed domain errors. Each carries its status code; ``api.app`` maps them once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Union

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str
    code: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """A 422: what is wrong with each field, as pydantic reports it."""

    detail: list[FieldError]
    code: str = "invalid"


class ProblemsBody(ErrorBody):
    """A 422 for a file or a module source: a summary and every problem with its line."""

    errors: list[dict[str, Any]]


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "Ugyldig forespørsel."
    # Whether the request's changes are still committed when this error ends it
    # (e.g. a failed login is recorded for throttling).
    commit_changes: ClassVar[bool] = False
    body_model: ClassVar[type[BaseModel]] = ErrorBody  # the shape of ``body()``

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail or self.message

    def headers(self) -> dict[str, str] | None:
        return None

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code}


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"
    message = "Du må logge inn."

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = "Feil e-postadresse eller passord."
    commit_changes = True


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message = "Du har ikke tilgang til dette."


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "Fant ikke det du ba om."


class ModuleNotFound(NotFound):
    code = "module_not_found"
    message = "Modulen finnes ikke."


class LoginSessionNotFound(NotFound):
    code = "session_not_found"
    message = "Fant ingen aktiv innlogging med dette nummeret på kontoen din."


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message = "Forespørselen er i konflikt med gjeldende tilstand."


class StaleRevision(Conflict):
    code = "stale_revision"
    message = "Modulen er endret siden du åpnet den. Last den inn på nytt."


class JobNotFound(NotFound):
    code = "job_not_found"
    message = "Fant ikke jobben."


class JobNotRetryable(Conflict):
    code = "job_not_retryable"
    message = "Bare jobber som er døde eller avbrutt, kan kjøres på nytt."


class JobFinished(Conflict):
    code = "job_finished"
    message = "Jobben er allerede ferdig og kan ikke avbrytes."


class JobFileMissing(NotFound):
    code = "job_file_missing"
    message = "Jobben har ingen fil (ennå), eller filen er utløpt og slettet."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "Det finnes allerede en bruker med denne e-postadressen."


class CourseNotCompleted(Conflict):
    code = "course_not_completed"
    message = "Du må fullføre alle obligatoriske moduler før du kan få kursbevis."


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    message = (
        "Fant ikke noe kursbevis med denne koden. Koden ser riktig skrevet ut, men ingen "
        "kursbevis har den. Sjekk at den er skrevet av fra riktig kursbevis."
    )


class BadgeKeyNotFound(NotFound):
    code = "badge_key_not_found"
    message = "Fant ingen nøkkel med denne id-en blant nøklene som signerer Open Badges herfra."


class BadgeKeyConfigured(Conflict):
    code = "badge_key_configured"
    message = (
        "Nøkkelen som signerer Open Badges er satt med INNOSTUDY_BADGE_SIGNING_KEY. Bytt den "
        "ved å sette en ny verdi der og starte tjenesten på nytt: den gamle forblir publisert."
    )


class StatusListNotFound(NotFound):
    code = "status_list_not_found"
    message = "Fant ingen statusliste med dette nummeret."


class CertificateCodeMistyped(DomainError):
    """A code with a typing error: the wrong shape, or a check character that does not match."""

    status_code = 422
    code = "code_mistyped"
    message = (
        "Koden er skrevet feil: kontrolltegnet stemmer ikke (det siste tegnet, som fanger opp "
        "skrivefeil). Trolig er ett tegn skrevet feil, eller to tegn er byttet om. Sjekk koden "
        "og prøv igjen."
    )


class CertificateRevoked(Conflict):
    """The certificate asked for has been revoked: no PDF of it, and no new one by oneself."""

    code = "certificate_revoked"
    message = "Kursbeviset er trukket tilbake og er ikke lenger gyldig, så det kan ikke lastes ned."


class CertificateNotRevoked(Conflict):
    code = "certificate_not_revoked"
    message = (
        "Kursbeviset er gyldig. Bare et kursbevis som er trukket tilbake, kan erstattes med "
        "et nytt."
    )


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"
    message = "For mange mislykkede innlogginger. Vent litt og prøv igjen."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UnprocessableError(DomainError):
    """A body that parsed but breaks a domain rule, reported per field like pydantic does."""

    status_code = 422
    code = "invalid"
    body_model = ValidationErrorBody

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e.get("msg")) for e in errors))
        self.errors = [{"type": "value_error", **error} for error in errors]

    def body(self) -> dict[str, Any]:
        return {"detail": self.errors, "code": self.code}


class WrongCurrentPassword(UnprocessableError):
    """The current password given to change it is wrong: a field error, counted as a failure."""

    code = "wrong_current_password"
    commit_changes = True  # the failure is recorded for the login throttle

    def __init__(self) -> None:
        super().__init__(
            [{"loc": ["body", "current_password"], "msg": "Det nåværende passordet er feil."}]
        )


class ContentInvalid(DomainError):
    """Module Markdown that does not validate: the validator's problems with their lines."""

    status_code = 422
    code = "invalid_content"
    message = "Innholdet har feil. Rett linjene som er nevnt og prøv igjen."
    body_model = ProblemsBody

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__()
        self.errors = list(errors)

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, "errors": self.errors}


class ModuleExists(Conflict):
    code = "module_exists"
    message = "Det finnes allerede en modul med denne adressen (slug)."


class EditionNotAvailable(DomainError):
    status_code = 422
    code = "edition_not_available"
    message = "Nynorsk-utgaven av kurset finnes ikke ennå. Velg bokmål (nb)."


class RevisionNotFound(NotFound):
    code = "revision_not_found"
    message = "Revisjonen finnes ikke."


# Readiness (``/healthz/ready``): a load balancer sends no traffic while these hold.


class NotReadyBody(ErrorBody):
    """A 503 from the readiness check; a stuck queue names itself and how long it has waited."""

    queue: str | None = None
    oldest_due_seconds: float | None = None
    limit_seconds: float | None = None


class NotReady(DomainError):
    status_code = 503
    code = "not_ready"
    message = "Tjenesten er ikke klar."
    body_model = NotReadyBody


class DatabaseUnavailable(NotReady):
    code = "database_unavailable"
    message = "Databasen svarer ikke."


class QueueBacklog(NotReady):
    code = "queue_backlog"
    message = "Bakgrunnsjobbene står fast: den eldste jobben i køen har ventet for lenge."

    def __init__(self, *, queue: str, oldest_due_seconds: float, limit_seconds: float) -> None:
        super().__init__(
            f"Bakgrunnsjobbene står fast: den eldste jobben i køen «{queue}» har ventet i "
            f"{oldest_due_seconds:.0f} sekunder (grensen er {limit_seconds:.0f})."
        )
        self.queue = queue
        self.oldest_due_seconds = oldest_due_seconds
        self.limit_seconds = limit_seconds

    def body(self) -> dict[str, Any]:
        return {
            **super().body(),
            "queue": self.queue,
            "oldest_due_seconds": round(self.oldest_due_seconds, 1),
            "limit_seconds": self.limit_seconds,
        }


class MetricsTokenInvalid(NotAuthenticated):
    code = "metrics_token_invalid"
    message = "Målingene krever riktig tilgangsnøkkel (Authorization: Bearer …)."


def responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the errors a route can raise."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, []).append(error)
    result: dict[int | str, dict[str, Any]] = {}
    for status, shared in by_status.items():
        # Errors that share a status code are told apart by their ``code``: name each one.
        description = (
            shared[0].message
            if len(shared) == 1
            else " | ".join(f"`{e.code}`: {e.message}" for e in shared)
        )
        models = list(dict.fromkeys(error.body_model for error in shared))
        if status == 422:  # the request itself can always fail validation, too
            models = list(dict.fromkeys([*models, ValidationErrorBody]))
        model: Any = models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007
        result[status] = {"model": model, "description": description}
    return result


# Administration (users, import, privacy)


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "Fant ikke brukeren."


class OwnAccount(Conflict):
    code = "own_account"
    message = "Du kan ikke deaktivere, slette eller endre rollen til din egen konto."


class UserErased(Conflict):
    code = "user_erased"
    message = "Personopplysningene til denne brukeren er slettet, så kontoen kan ikke endres."


class UserInactive(Conflict):
    code = "user_inactive"
    message = "Kontoen er deaktivert. Aktiver den før du lager en ny passordkode."


class InvalidSetupCode(DomainError):
    status_code = 400
    code = "invalid_setup_code"
    message = (
        "Koden er ugyldig, allerede brukt eller utløpt. Be om en ny lenke under «Glemt passord» "
        "på innloggingssiden, eller be administratoren om en ny kode."
    )


class ImportInvalid(DomainError):
    """A user import with bad rows: every problem with its line; nothing was imported."""

    status_code = 422
    code = "import_invalid"
    message = "Filen har feil, så ingen brukere ble importert. Rett linjene som er nevnt."
    body_model = ProblemsBody

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__()
        self.errors = list(errors)

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, "errors": self.errors}


class GiftImportInvalid(ImportInvalid):
    """A GIFT file that cannot become the module's quiz: every problem with its line."""

    code = "gift_import_invalid"
    message = "GIFT-filen har feil, så quizen er ikke endret. Rett linjene som er nevnt."


class MunicipalityImportInvalid(ImportInvalid):
    """A KLASS file with problems: every one with its file and line; the register is unchanged."""

    code = "municipality_import_invalid"
    message = "Filen har feil, så kommuneregisteret er ikke endret. Rett linjene som er nevnt."


class WrittenFormImportInvalid(ImportInvalid):
    """A list of written forms with problems: every one with its line; nothing was changed."""

    code = "written_form_import_invalid"
    message = "Filen har feil, så ingen målform er endret. Rett linjene som er nevnt."


class MunicipalityInvalid(DomainError):
    """A municipality given by a person that the register does not know, or knows twice."""

    status_code = 422
    code = "municipality_invalid"
    message = "Kommunen finnes ikke i kommuneregisteret. Skriv kommunenavnet eller -nummeret."

    def __init__(
        self, given: str, *, candidates: Sequence[str] = (), conflict: bool = False
    ) -> None:
        shown = given.strip()
        if conflict:
            detail = f"Kommunenavnet og kommunenummeret er ikke samme kommune («{shown}»)."
        elif not shown:
            detail = "Kommunen mangler. Skriv kommunenavnet eller det firesifrede kommunenummeret."
        elif candidates:
            names = ", ".join(candidates)
            detail = f"«{shown}» passer med flere kommuner ({names}). Skriv kommunenummeret."
        else:
            detail = (
                f"Finner ingen kommune som heter eller har nummeret «{shown}». "
                "Skriv kommunenavnet eller det firesifrede kommunenummeret."
            )
        super().__init__(detail)
        self.given = given


# Organisation units (``api.services.org_units``)


class MunicipalityNotFound(NotFound):
    code = "municipality_not_found"
    message = "Kommunen finnes ikke i kommuneregisteret."


class UnitNotFound(NotFound):
    code = "unit_not_found"
    message = "Fant ikke enheten."


class UnitNameTaken(Conflict):
    code = "unit_name_taken"
    message = "Det finnes allerede en åpen enhet med dette navnet på samme sted i treet."


class UnitClosed(Conflict):
    code = "unit_closed"
    message = "Enheten er nedlagt: ingen nye personer eller underenheter kan legges i den."


class UnitHasOpenChildren(Conflict):
    code = "unit_has_open_children"
    message = (
        "Enheten har åpne underenheter. Legg ned dem først, eller legg ned hele grenen "
        "(enheten med alt under den)."
    )


class UnitNotClosed(Conflict):
    code = "unit_not_closed"
    message = "Enheten er ikke nedlagt."


class UnitMoveIntoItself(Conflict):
    code = "unit_move_into_itself"
    message = "En enhet kan ikke flyttes inn under seg selv eller en av sine egne underenheter."


class UnitOtherMunicipality(DomainError):
    status_code = 422
    code = "unit_other_municipality"
    message = "Enheten hører til en annen kommune."


class InvalidOrgNumber(DomainError):
    status_code = 422
    code = "invalid_org_number"
    message = "Organisasjonsnummeret er ikke gyldig."


class UnitImportInvalid(ImportInvalid):
    """A unit structure file with problems: every one with its line; nothing was created."""

    code = "unit_import_invalid"
    message = "Filen har feil, så ingen enheter ble opprettet. Rett linjene som er nevnt."


class OutsideScope(DomainError):
    """A municipality the caller has no rights in (the municipality itself is public)."""

    status_code = 403
    code = "outside_scope"
    message = "Du har bare tilgang til din egen kommune eller dine egne enheter."


class RoleScopeInvalid(DomainError):
    status_code = 422
    code = "role_scope_invalid"
    message = "Rollen og omfanget passer ikke sammen."


class RoleOtherMunicipality(DomainError):
    status_code = 422
    code = "role_other_municipality"
    message = "Personen hører til en annen kommune enn den rollen gjelder."


class RoleNotHeld(NotFound):
    code = "role_not_held"
    message = "Personen har ikke denne rollen med dette omfanget."


# Signed webhooks (``api.services.webhooks``)


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    message = "Fant ikke webhook-mottakeren."


# E-mail (invitations, "Glemt passord", deadlines)


class EmailNotConfigured(Conflict):
    code = "email_not_configured"
    message = (
        "E-post er ikke satt opp på denne installasjonen (INNOSTUDY_SMTP_HOST), så invitasjonen "
        "kan ikke sendes. Lag en passordkode og gi den til personen i stedet."
    )


class DeadlineNotFound(NotFound):
    code = "deadline_not_found"
    message = "Fant ikke fristen."


class DeadlineInvalid(DomainError):
    status_code = 422
    code = "deadline_invalid"
    message = "Velg enten en kommune eller en enhet, og en dato for fristen."


class TooManyResetRequests(TooManyAttempts):
    code = "too_many_reset_requests"
    message = "Det er bedt om nytt passord for mange ganger på kort tid. Vent litt og prøv igjen."


class UnsubscribeLinkInvalid(DomainError):
    status_code = 400
    code = "unsubscribe_link_invalid"
    message = (
        "Lenken for å melde seg av påminnelser er ikke gyldig. Kopier hele lenken fra e-posten, "
        "eller logg inn og slå av påminnelsene på profilen din."
    )


class SignInFailed(DomainError):
    """Signing in through an OpenID Connect provider did not succeed; no account was made."""

    status_code = 400
    code = "sign_in_failed"
    message = "Innloggingen mislyktes. Prøv igjen fra innloggingssiden."


class SignInProviderNotFound(SignInFailed):
    status_code = 404
    code = "sign_in_provider_not_found"
    message = "Denne innloggingstjenesten finnes ikke, eller den er slått av."


class SignInStateInvalid(SignInFailed):
    code = "sign_in_state_invalid"
    message = (
        "Innloggingen kunne ikke fullføres fordi svaret fra innloggingstjenesten ikke hører til "
        "en innlogging som ble startet i denne nettleseren (eller den er allerede brukt). "
        "Start innloggingen på nytt."
    )


class SignInTokenInvalid(SignInFailed):
    code = "sign_in_token_invalid"
    message = (
        "Innloggingstjenesten sendte et svar som ikke kunne godkjennes (ugyldig eller utløpt "
        "identitetsbevis). Start innloggingen på nytt."
    )


class SignInLevelTooLow(SignInFailed):
    status_code = 403
    code = "sign_in_level_too_low"
    message = (
        "Innloggingen har for lavt sikkerhetsnivå. Logg inn med MinID, BankID eller en "
        "annen metode på nivå «betydelig» eller høyere."
    )


class SignInProviderUnavailable(SignInFailed):
    status_code = 502
    code = "sign_in_provider_unavailable"
    message = "Innloggingstjenesten svarer ikke akkurat nå. Prøv igjen om litt."


class SignInNotAllowed(SignInFailed):
    status_code = 403
    code = "sign_in_not_allowed"
    message = "Du kan ikke logge inn her med denne innloggingstjenesten."


class SignInEmailUnverified(SignInFailed):
    status_code = 409
    code = "sign_in_email_unverified"
    message = (
        "Det finnes allerede en konto med denne e-postadressen, men innloggingstjenesten har "
        "ikke bekreftet at adressen er din. Logg inn med passord, eller kontakt kursansvarlig "
        "i kommunen din."
    )


class PasswordLoginNotAllowed(DomainError):
    status_code = 403
    code = "password_login_not_allowed"
    message = "Kommunen din krever at du logger inn med kommunens innloggingstjeneste."


class SignInRequirementInvalid(DomainError):
    status_code = 422
    code = "sign_in_requirement_invalid"
    message = "Kravet om innloggingstjeneste kan ikke settes slik."


# The project workbook (``api.services.workbook``)


class WorkbookStepNotFound(NotFound):
    code = "workbook_step_not_found"
    message = "Fant ikke oppgaven i kurset."


class ProjectNotFound(NotFound):
    code = "project_not_found"
    message = "Fant ikke prosjektet."


class ProjectInvitationNotFound(NotFound):
    code = "project_invitation_not_found"
    message = "Fant ikke invitasjonen. Den kan være trukket tilbake eller allerede besvart."


class ProjectMemberNotFound(NotFound):
    code = "project_member_not_found"
    message = "Personen er ikke med i prosjektet."


class NotProjectOwner(Forbidden):
    code = "not_project_owner"
    message = "Bare den som eier prosjektet, kan fjerne andre fra det."


class AlreadyInTeam(Conflict):
    code = "already_in_team"
    message = (
        "Du er allerede med i et prosjektteam. Forlat det (eller fjern medlemmene fra ditt "
        "eget prosjekt) før du blir med i et nytt."
    )


class OwnerCannotLeave(Conflict):
    code = "owner_cannot_leave"
    message = "Du eier prosjektet og kan ikke forlate det. Du kan fjerne medlemmene i stedet."


class WorkbookConflictBody(ErrorBody):
    """A 409 on a workbook step: the version saved meanwhile, so both can be shown."""

    current: dict[str, Any]


class WorkbookConflict(Conflict):
    """A save based on an older revision of the step than the one saved now (two tabs)."""

    code = "workbook_conflict"
    message = (
        "Oppgaven er lagret fra et annet sted (en annen fane, et annet vindu eller en annen "
        "person) etter at du åpnet den, så endringene dine er ikke lagret ennå. Se begge "
        "versjonene og velg hvilken du vil beholde."
    )
    body_model = WorkbookConflictBody

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__()
        self.current = current

    def body(self) -> dict[str, Any]:
        return {**super().body(), "current": self.current}


class SignInClaimInvalid(SignInFailed):
    """A claim the provider sent has the wrong type, is too long or is not what it says."""

    code = "sign_in_claim_invalid"
    message = (
        "Innloggingstjenesten sendte opplysninger om deg som vi ikke kan bruke. "
        "Kontakt kursansvarlig i kommunen din."
    )

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(
            f"Innloggingstjenesten sendte {_CLAIM_NAMES.get(field, field)} {problem}, så vi "
            "kan ikke logge deg inn. Kontakt kursansvarlig i kommunen din."
        )


_CLAIM_NAMES = {
    "subject": "en brukeridentitet",
    "email": "en e-postadresse",
    "email_verified": "en bekreftelse av e-postadressen",
    "name": "et navn",
    "municipality": "en kommune",
}


class ReviewNotFound(NotFound):
    code = "review_not_found"
    message = "Fant ikke innsendingen."


class NothingToSubmit(DomainError):
    status_code = 422
    code = "nothing_to_submit"
    message = "Det er ikke skrevet noe i prosjektplanen ennå, så det er ingenting å sende inn."


class NoLeaderToReview(DomainError):
    status_code = 422
    code = "no_leader"
    message = (
        "Ingen er registrert som leder for enheten din eller kommunen din, så planen kan ikke "
        "sendes til en leder. Send den til kursets instruktører, eller spør kursansvarlig."
    )


class ReviewAlreadyDecided(Conflict):
    code = "review_decided"
    message = "Innsendingen er allerede vurdert. Deltakeren kan sende inn på nytt."
