"""Server-rendered web pages on the same services as the JSON API.

Every page router comes from ``deps.page_router`` (CSRF-checked, not in the
OpenAPI document) and renders with ``render.render`` (shared layout, CSRF
cookie). To add a group of pages (e.g. administration): write a module with
its own ``router = page_router()``, guard it with ``api.http.deps.require_role(...)``
(``AdminUser`` and ``StaffUser`` exist), add the router to ``ROUTERS`` and its entry to
``render.NAV_ITEMS``. The one exception is ``email_pages.one_click`` (RFC 8058's
one-click unsubscribe, POSTed by mail providers without cookies: the signed token in
its address is the authority).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web import (
    admin,
    admin_certificates,
    admin_deadlines,
    admin_jobs,
    admin_municipalities,
    admin_reports,
    admin_roles,
    admin_sign_in,
    admin_units,
    admin_webhooks,
    auth,
    email_pages,
    instructor,
    instructor_export,
    instructor_gift,
    instructor_modules,
    leader,
    learner,
    password_setup,
    project_documents,
    project_review,
    public,
    workbook,
    workbook_teams,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    learner.router,
    workbook.router,
    project_documents.router,
    workbook_teams.router,
    project_review.router,
    leader.router,
    instructor_modules.router,
    instructor.router,
    instructor_export.router,
    instructor_gift.router,
    admin.router,
    admin_roles.router,
    admin_reports.router,
    admin_municipalities.router,
    admin_certificates.router,
    admin_jobs.router,
    admin_units.router,
    admin_deadlines.router,
    admin_webhooks.router,
    admin_sign_in.router,
    public.router,
    password_setup.router,
    email_pages.router,
    email_pages.one_click,
)
