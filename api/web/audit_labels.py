"""The audit log in Norwegian: one table of words for its actions, outcomes, targets and details.

The log stores English keys (``audit.Action`` values, detail keys such as
``was_active``); the log page shows these words instead. A test checks that
every ``Action`` and every detail key the code writes has a word here.
"""

from __future__ import annotations

from typing import Any

from api.data.models import Role
from api.services.audit import Action, Outcome
from api.web.render import ROLE_NAMES
from course.progress import ModuleStatus

ACTION_LABELS: dict[str, str] = {
    Action.USER_CREATE: "Bruker opprettet",
    Action.USER_UPDATE: "Bruker endret",
    Action.USER_DEACTIVATE: "Bruker deaktivert",
    Action.USER_REACTIVATE: "Bruker aktivert igjen",
    Action.USER_ROLE_CHANGE: "Rolle endret",
    Action.USER_PASSWORD_RESET: "Passordkode laget",
    Action.USER_PASSWORD_SETUP: "Passord valgt",
    Action.USER_PASSWORD_CHANGE: "Passord endret",
    Action.USER_SESSIONS_END: "Innlogginger avsluttet",
    Action.USER_INVITE: "Invitasjon sendt på e-post",
    Action.USER_PASSWORD_RESET_REQUEST: "Nytt passord bedt om («Glemt passord»)",
    Action.USER_EMAIL_PREFERENCES: "E-postvarsler endret",
    Action.USER_IMPORT: "Brukerimport",
    Action.USER_ERASE: "Personopplysninger slettet",
    Action.CERTIFICATE_ISSUE: "Kursbevis utstedt",
    Action.CERTIFICATE_REVOKE: "Kursbevis trukket tilbake",
    Action.CERTIFICATE_REISSUE: "Nytt kursbevis utstedt",
    Action.ROSTER_EXPORT: "Kursliste lastet ned",
    Action.MODULE_CREATE: "Modul opprettet",
    Action.MODULE_EDIT: "Modul redigert",
    Action.MODULE_RESTORE: "Revisjon gjenopprettet",
    Action.MODULE_GIFT_IMPORT: "Quiz importert fra GIFT",
    Action.MODULE_ARCHIVE: "Modul arkivert",
    Action.MODULE_UNARCHIVE: "Modul hentet tilbake",
    Action.MODULE_REORDER: "Moduler ordnet på nytt",
    Action.CERTIFICATES_RENDER_ALL: "Alle kursbevis bestilt som PDF",
    Action.JOB_CANCEL: "Jobb avbrutt",
    Action.JOB_RETRY: "Jobb startet på nytt",
    Action.JOB_FILE_DOWNLOAD: "Fil fra jobb lastet ned",
    Action.MUNICIPALITY_IMPORT: "Kommuneregisteret importert",
    Action.WRITTEN_FORM_SET: "Kommunens målform endret",
    Action.WRITTEN_FORM_IMPORT: "Målformer importert",
    Action.UNIT_CREATE: "Enhet opprettet",
    Action.UNIT_RENAME: "Enhet fikk nytt navn",
    Action.UNIT_UPDATE: "Enhet endret",
    Action.UNIT_MOVE: "Enhet flyttet",
    Action.UNIT_CLOSE: "Enhet nedlagt",
    Action.UNIT_REOPEN: "Enhet gjenåpnet",
    Action.UNIT_IMPORT: "Enhetsimport",
    Action.ROLE_GRANT: "Rolle gitt",
    Action.ROLE_REVOKE: "Rolle fjernet",
    Action.WEBHOOK_CREATE: "Webhook-mottaker lagt til",
    Action.WEBHOOK_UPDATE: "Webhook-mottaker endret",
    Action.WEBHOOK_DELETE: "Webhook-mottaker slettet",
    Action.WEBHOOK_TEST: "Testmelding til webhook-mottaker bestilt",
    Action.WEBHOOK_ROTATE_SECRET: "Ny signeringshemmelighet for webhook-mottaker",
    Action.DEADLINE_SET: "Frist satt",
    Action.DEADLINE_REMOVE: "Frist fjernet",
    Action.SIGN_IN: "Innlogging med innloggingstjeneste",
    Action.SIGN_IN_PROVIDER_CREATE: "Innloggingstjeneste lagt til",
    Action.SIGN_IN_PROVIDER_UPDATE: "Innloggingstjeneste endret",
    Action.SIGN_IN_PROVIDER_DELETE: "Innloggingstjeneste fjernet",
    Action.SIGN_IN_REQUIREMENT_SET: "Krav om innloggingstjeneste endret",
    Action.WORKBOOK_SUBMIT: "Prosjektplan sendt til vurdering",
    Action.WORKBOOK_REVIEW: "Prosjektplan vurdert",
    Action.WORKBOOK_PORTFOLIO_EXPORT: "Prosjektoversikt lastet ned",
}
OUTCOME_LABELS: dict[str, str] = {
    Outcome.OK: "Utført",
    Outcome.DENIED: "Avvist",
    Outcome.FAILED: "Mislyktes",
}
DETAIL_LABELS: dict[str, str] = {
    # refusals (api.http.auditing, api.cli.common)
    "code": "feilkode",
    "status": "status",
    # accounts
    "fields": "endrede felt",
    "was_active": "var aktiv",
    "from": "fra",
    "to": "til",
    "expires_at": "gyldig til",
    "changed": "endret",
    "project_id": "prosjekt (nr.)",
    "due_on": "frist",
    "via_link": "med lenken i e-posten",
    # the account's own sessions (api.services.own_account)
    "session_ids": "innlogginger avsluttet (nr.)",
    "ended_session_ids": "andre innlogginger avsluttet (nr.)",
    # the import
    "dry_run": "bare kontroll",
    "records": "rader",
    "created": "nye",
    "updated": "endret",
    "unchanged": "uendret",
    "role_changes": "rolleendringer",
    "errors": "feil",
    # the municipality register import
    "renamed": "nytt navn",
    "ended": "avsluttet",
    "reinstated": "gyldig igjen",
    "changes": "nummerendringer",
    # the roster export and its filters
    "format": "format",
    "as_job": "som bakgrunnsjobb",
    "size": "størrelse (byte)",
    "filters": "filtre",
    "municipality": "kommune",
    "county": "fylke",
    "unit": "enhet (med alt under)",
    "role": "rolle",
    "scope": "omfang",
    # workbook review
    "review": "innsending",
    "step": "oppgave",
    "rows": "rader",
    "everything": "hele installasjonen",
    "completed_from": "fullført fra",
    "completed_to": "fullført til",
    # certificates
    "already_revoked": "var allerede trukket tilbake",
    "replaces": "erstatter",
    "holder": "innehaver",
    # organisation units
    "parent_id": "overordnet enhet",
    "from_parent_id": "fra overordnet enhet",
    "to_parent_id": "til overordnet enhet",
    "units": "enheter",
    # webhooks
    "events": "hendelser",
    "active": "aktiv",
    "webhook_id": "meldings-id",
    # sign-in through a provider (api.services.oidc_sign_in)
    "kind": "type",
    "provider": "innloggingstjeneste",
    "reason": "årsak",
    # modules
    "revision": "revisjon",
    "position": "plass",
    "order": "rekkefølge",
}
TARGET_LABELS: dict[str, str] = {
    "users": "Brukere",
    "roster": "Kursliste",
    "modules": "Moduler",
    "certificates": "Kursbevis",
    "municipalities": "Kommuneregisteret",
    "webhooks": "Webhook-mottakere",
}
_TARGET_PREFIXES = {
    "user:": "Bruker",
    "module:": "Modul",
    "certificate:": "Kursbevis",
    "job:": "Jobb",
    "unit:": "Enhet",
    "municipality:": "Kommune",
    "webhook:": "Webhook-mottaker",
    "deadline:": "Frist for",
    "sign_in_provider:": "Innloggingstjeneste",
    "project:": "Prosjekt",
}
# Values that are keys themselves (account fields, roles, module statuses), under these keys.
_KEYED_VALUES = {"fields", "from", "to", "status", "reason"}
VALUE_LABELS: dict[str, str] = {
    "email": "e-post",
    "full_name": "navn",
    "municipality_number": "kommunenummer",
    "municipality_unmatched": "kommune uten treff i registeret",
    **{role.value: ROLE_NAMES[role].lower() for role in Role},
    ModuleStatus.NOT_STARTED: "ikke startet",
    ModuleStatus.IN_PROGRESS: "påbegynt",
    ModuleStatus.COMPLETED: "fullført",
    "approved": "godkjent",
    "needs_work": "trenger mer arbeid",
    "municipality": "kommune",
    "unit_id": "enhet",
    "org_number": "organisasjonsnummer",
    "name": "navn",
    "reminders": "påminnelser om frister",
    "unit_completion_notices": "varsel når noen fullfører",
    "client_secret": "klienthemmelighet",
    # how a sign-in through a provider found its account (detail "reason")
    "known": "kjent person",
    "linked": "koblet til konto med bekreftet e-post",
    "created": "ny konto",
}


def target_label(target: str) -> str:
    """``user:12`` as "Bruker 12", ``roster`` as "Kursliste"; unknown targets as they are."""
    if target in TARGET_LABELS:
        return TARGET_LABELS[target]
    for prefix, label in _TARGET_PREFIXES.items():
        if target.startswith(prefix):
            return f"{label} {target[len(prefix) :]}"
    return target


def _value(value: object, *, keyed: bool = False) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, dict):
        pairs = (
            f"{DETAIL_LABELS.get(k, k)} = {_value(v, keyed=k in _KEYED_VALUES)}"
            for k, v in value.items()
        )
        return ", ".join(pairs) or "–"
    if isinstance(value, list):
        return ", ".join(_value(item, keyed=keyed) for item in value) or "–"
    return VALUE_LABELS.get(str(value), str(value)) if keyed else str(value)


def details(values: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's details as (Norwegian label, value as text) pairs."""
    return [
        (DETAIL_LABELS.get(key, key), _value(value, keyed=key in _KEYED_VALUES))
        for key, value in values.items()
    ]
