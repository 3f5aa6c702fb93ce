"""Role checks on every endpoint, per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import INSTALLATION_ROLES, Role
from tests.api.test_errors import PUBLIC
from tests.factories import user_headers

STAFF = {Role.INSTRUCTOR, Role.ADMIN}
NEW_USER = {"email": "ny@asker.kommune.no", "full_name": "Ny Bruker", "municipality": "Asker"}
# (method, path, json body, roles allowed)
_EVERY_ROLE = {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}
ENDPOINTS = [
    ("GET", "/api/v1/me", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/course", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/progress", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "GET",
        "/api/v1/modules/hvorfor-innovasjon",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "POST",
        "/api/v1/modules/hvorfor-innovasjon/read",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "POST",
        "/api/v1/modules/hvorfor-innovasjon/attempts",
        {"answers": {}},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("POST", "/api/v1/auth/logout", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    # The workbook: only one's own project (999999 is nobody's: 404 for everyone).
    ("GET", "/api/v1/me/project", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "GET",
        "/api/v1/modules/hvorfor-innovasjon/workbook/ingen-oppgave",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "PUT",
        "/api/v1/modules/hvorfor-innovasjon/workbook/ingen-oppgave",
        {"values": {}, "base_revision": 0},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("GET", "/api/v1/projects/999999", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/me/project/plan.pdf", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/reviews/999999/plan.pdf", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/projects/999999/members", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "POST",
        "/api/v1/projects/999999/invitations",
        {"email": "kollega@asker.kommune.no"},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "DELETE",
        "/api/v1/projects/999999/invitations/999999",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "DELETE",
        "/api/v1/projects/999999/members/999999",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "PUT",
        "/api/v1/projects/999999/title",
        {"title": "Nytt navn"},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("GET", "/api/v1/me/project-invitations", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "POST",
        "/api/v1/me/project-invitations/999999/accept",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "POST",
        "/api/v1/me/project-invitations/999999/decline",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "GET",
        "/api/v1/projects/999999/plan.docx",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "GET",
        "/api/v1/projects/999999/workbook/ingen-oppgave",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "PUT",
        "/api/v1/projects/999999/workbook/ingen-oppgave",
        {"values": {}, "base_revision": 0},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    # Feedback and the portfolio: every account may ask; the scope decides what it gets.
    ("POST", "/api/v1/me/project/submissions", {"to": "leader"}, _EVERY_ROLE),
    ("GET", "/api/v1/me/project/feedback", None, _EVERY_ROLE),
    ("GET", "/api/v1/reviews", None, _EVERY_ROLE),
    ("GET", "/api/v1/reviews/999999", None, _EVERY_ROLE),
    ("POST", "/api/v1/reviews/999999/decision", {"status": "approved"}, _EVERY_ROLE),
    ("GET", "/api/v1/portfolio", None, _EVERY_ROLE),
    ("GET", "/api/v1/portfolio.xlsx", None, _EVERY_ROLE),
    ("POST", "/api/v1/certificate", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/certificate.pdf", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "GET",
        "/api/v1/certificate/open-badge",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    (
        "GET",
        "/api/v1/certificate/open-badge.png",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("POST", "/api/v1/certificates/ABCD-EFGH-JKM/revoke", {"reason": "Feil"}, {Role.ADMIN}),
    ("POST", "/api/v1/certificates/ABCD-EFGH-JKM/reissue", None, {Role.ADMIN}),
    # Authoring: mutations aim at a missing module or send invalid content, so that
    # authorised calls (404/422) leave the shared course untouched.
    ("GET", "/api/v1/modules", None, STAFF),
    ("POST", "/api/v1/modules", {"slug": "ny-modul", "markdown": "ugyldig"}, STAFF),
    ("PUT", "/api/v1/course/modules", {"slugs": []}, STAFF),
    ("DELETE", "/api/v1/modules/finnes-ikke", None, STAFF),
    ("POST", "/api/v1/modules/finnes-ikke/unarchive", None, STAFF),
    ("GET", "/api/v1/modules/hvorfor-innovasjon/source", None, STAFF),
    ("PUT", "/api/v1/modules/finnes-ikke/source", {"markdown": "x", "base_revision": 1}, STAFF),
    ("POST", "/api/v1/preview", {"markdown": "# Hei"}, STAFF),
    ("GET", "/api/v1/modules/hvorfor-innovasjon/revisions", None, STAFF),
    ("GET", "/api/v1/modules/hvorfor-innovasjon/revisions/1", None, STAFF),
    ("GET", "/api/v1/export/scorm?version=1.2&module=samskaping", None, STAFF),
    ("GET", "/api/v1/export/gift?module=samskaping", None, STAFF),
    ("POST", "/api/v1/modules/finnes-ikke/quiz/gift", {"gift": "x", "dry_run": True}, STAFF),
    ("POST", "/api/v1/modules/finnes-ikke/revisions/1/restore", None, STAFF),
    ("GET", "/api/v1/users", None, {Role.ADMIN}),
    ("POST", "/api/v1/users", NEW_USER, {Role.ADMIN}),
    # Administration: user 999999 does not exist, so authorised calls (404/422) change nothing.
    ("GET", "/api/v1/users/999999", None, {Role.ADMIN}),
    ("PATCH", "/api/v1/users/999999", {"full_name": "Ny"}, {Role.ADMIN}),
    ("POST", "/api/v1/users/999999/deactivate", None, {Role.ADMIN}),
    ("POST", "/api/v1/users/999999/reactivate", None, {Role.ADMIN}),
    ("PUT", "/api/v1/users/999999/role", {"role": "admin"}, {Role.ADMIN}),
    ("POST", "/api/v1/users/999999/password-reset", None, {Role.ADMIN}),
    ("POST", "/api/v1/users/999999/erase", None, {Role.ADMIN}),
    ("GET", "/api/v1/users/999999/roles", None, {Role.ADMIN}),
    ("GET", "/api/v1/reports/units?municipality=3203", None, {Role.ADMIN}),
    ("POST", "/api/v1/users/999999/roles", {"role": "instructor"}, {Role.ADMIN}),
    ("DELETE", "/api/v1/users/999999/roles/instructor", None, {Role.ADMIN}),
    ("POST", "/api/v1/users/import", None, {Role.ADMIN}),
    # Organisation units: municipality 9999 and unit 999999 do not exist (404 when allowed).
    ("GET", "/api/v1/municipalities/9999/units", None, {Role.ADMIN}),
    ("POST", "/api/v1/municipalities/9999/units", {"name": "Skole"}, {Role.ADMIN}),
    ("POST", "/api/v1/municipalities/9999/units/import", None, {Role.ADMIN}),
    ("PUT", "/api/v1/municipalities/9999/written-form", {"written_form": "nynorsk"}, {Role.ADMIN}),
    ("GET", "/api/v1/units/999999", None, {Role.ADMIN}),
    ("PATCH", "/api/v1/units/999999", {"name": "Ny"}, {Role.ADMIN}),
    ("POST", "/api/v1/units/999999/close", None, {Role.ADMIN}),
    ("POST", "/api/v1/units/999999/reopen", None, {Role.ADMIN}),
    ("GET", "/api/v1/reports/roster", None, {Role.ADMIN}),
    ("GET", "/api/v1/reports/municipalities", None, {Role.ADMIN}),
    ("GET", "/api/v1/audit", None, {Role.ADMIN}),
    ("GET", "/api/v1/me/export", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "POST",
        "/api/v1/me/password",
        {"current_password": "feil-passord", "new_password": "nytt-passord-123"},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("GET", "/api/v1/me/sessions", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "POST",
        "/api/v1/me/sessions/logout-others",
        None,
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("DELETE", "/api/v1/me/sessions/999999", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    # Jobs: anyone signed in may ask about a job (job 999999 does not exist: 404 for all);
    # only the asker or an administrator ever sees one (tests/jobs/test_jobs_api.py).
    ("POST", "/api/v1/reports/roster/exports", {"format": "csv"}, {Role.ADMIN}),
    ("POST", "/api/v1/certificate-bundles", None, {Role.ADMIN}),
    ("GET", "/api/v1/jobs", None, {Role.ADMIN}),
    ("GET", "/api/v1/jobs/999999", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("GET", "/api/v1/jobs/999999/file", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("POST", "/api/v1/jobs/999999/cancel", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    ("POST", "/api/v1/jobs/999999/retry", None, {Role.ADMIN}),
    ("GET", "/api/v1/xapi/lrs", None, {Role.ADMIN}),
    # Webhooks: endpoint 999999 does not exist and the new one is invalid (404/422 when allowed).
    ("GET", "/api/v1/webhooks", None, {Role.ADMIN}),
    ("POST", "/api/v1/webhooks", {"url": "ftp://x", "events": []}, {Role.ADMIN}),
    ("GET", "/api/v1/webhooks/999999", None, {Role.ADMIN}),
    ("PATCH", "/api/v1/webhooks/999999", {"is_active": False}, {Role.ADMIN}),
    ("DELETE", "/api/v1/webhooks/999999", None, {Role.ADMIN}),
    ("GET", "/api/v1/webhooks/999999/deliveries", None, {Role.ADMIN}),
    ("POST", "/api/v1/webhooks/999999/test", None, {Role.ADMIN}),
    ("POST", "/api/v1/webhooks/999999/secret", None, {Role.ADMIN}),
    # E-mail: user 999999, municipality 9999 and deadline 999999 do not exist (404).
    ("POST", "/api/v1/users/999999/invitation", None, {Role.ADMIN}),
    ("GET", "/api/v1/me/email-preferences", None, {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN}),
    (
        "PATCH",
        "/api/v1/me/email-preferences",
        {"reminders": True},
        {Role.LEARNER, Role.INSTRUCTOR, Role.ADMIN},
    ),
    ("GET", "/api/v1/deadlines", None, {Role.ADMIN}),
    (
        "PUT",
        "/api/v1/deadlines",
        {"municipality_number": "9999", "due_on": "2027-01-01"},
        {Role.ADMIN},
    ),
    ("DELETE", "/api/v1/deadlines/999999", None, {Role.ADMIN}),
]


def _template(path: str) -> str:
    path = path.partition("?")[0]
    for slug in ("hvorfor-innovasjon", "finnes-ikke"):
        path = path.replace(slug, "{slug}")
    path = path.replace("/users/999999", "/users/{user_id}")
    path = path.replace("/roles/instructor", "/roles/{role}")
    path = path.replace("/jobs/999999", "/jobs/{job_id}")
    path = path.replace("/sessions/999999", "/sessions/{session_id}")
    path = path.replace("/units/999999", "/units/{unit_id}")
    path = path.replace("/webhooks/999999", "/webhooks/{webhook_id}")
    path = path.replace("invitations/999999", "invitations/{invitation_id}")
    path = path.replace("/members/999999", "/members/{user_id}")
    path = path.replace("/projects/999999", "/projects/{project_id}")
    path = path.replace("/reviews/999999", "/reviews/{review_id}")
    path = path.replace("/workbook/ingen-oppgave", "/workbook/{step_id}")
    path = path.replace("/plan.pdf", "/plan.{format}").replace("/plan.docx", "/plan.{format}")
    path = path.replace("/deadlines/999999", "/deadlines/{deadline_id}")
    path = path.replace("/municipalities/9999/", "/municipalities/{number}/")
    return path.replace("ABCD-EFGH-JKM", "{code}").replace("/revisions/1", "/revisions/{number}")


def test_every_api_route_is_in_the_role_table(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path.startswith("/api/v1/") and path not in PUBLIC
    }
    listed = {(method, _template(path)) for method, path, _, _ in ENDPOINTS}
    assert routes == listed


@pytest.mark.parametrize("role", INSTALLATION_ROLES)  # scoped roles: tests/api/test_scope_matrix.py
@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_role_boundaries(
    client: TestClient,
    engine: Engine,
    role: Role,
    method: str,
    path: str,
    body: object,
    allowed: set[Role],
) -> None:
    anonymous = client.request(method, path, json=body)
    assert anonymous.status_code == 401
    headers = user_headers(client, engine, role=role)
    response = client.request(method, path, json=body, headers=headers)
    if role in allowed:  # authorised; the request itself may still be refused (404, 409)
        assert response.status_code in (200, 201, 202, 204, 404, 409, 422), response.text
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
