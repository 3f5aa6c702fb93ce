"""The FastAPI application factory."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute

from api.core.config import Settings
from api.core.db import make_engine
from api.core.errors import DomainError
from api.http.body_limit import BodyLimit
from api.http.hotpath import EncodedJson, HotPath
from api.http.metrics import Metrics
from api.http.observe import RequestObserver
from api.http.security_headers import SecurityHeaders
from api.routes import (
    admin,
    audit_log,
    auth,
    authoring,
    badges,
    certificates,
    emails,
    exports,
    health,
    jobs,
    learning,
    me,
    metrics,
    org_units,
    password_setup,
    privacy,
    project_documents,
    project_review,
    reports,
    roles,
    users,
    webhooks,
    workbook,
    workbook_teams,
    xapi,
)
from api.services import (
    job_tasks,  # noqa: F401  (registers the kinds of job)
    open_badges,
)
from api.services.content import RenderCache, RevisionCache
from api.services.content import course_info as content_course_info
from api.services.worker import Worker
from api.services.xapi_statements import statement_log
from api.web import ROUTERS as PAGE_ROUTERS
from api.web.errors import domain_error_page, error_page, http_error_page, is_page_request
from api.web.templating import STATIC_DIR

logger = logging.getLogger("innostudy")
_BODY_PARSE_ERROR = "There was an error parsing the body"
_HTTP_MESSAGES = {
    404: "Fant ikke siden.",
    405: "Metoden er ikke tillatt her.",
    413: "Forespørselen er for stor.",
}
_HTTP_CODES = {413: "payload_too_large"}


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, run_worker: bool = False
) -> FastAPI:
    """The application; with ``run_worker`` (``api.main``, that is ``innostudy serve``) it also
    runs a job worker in the process, unless ``INNOSTUDY_INPROCESS_WORKER=0``."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The current Open Badges key is recorded, so that it stays published after rotation.
        await run_in_threadpool(
            open_badges.publish_current_key, engine=app.state.engine, settings=settings
        )
        worker = None
        if run_worker and settings.inprocess_worker:
            worker = Worker(app.state.engine, settings)
            await run_in_threadpool(worker.start)
        try:
            yield
        finally:
            if worker is not None:
                await run_in_threadpool(worker.stop, 10.0)

    app = FastAPI(
        lifespan=lifespan,
        title="innostudy",
        summary="Innovasjonsstudiet for kommunesektoren",
        description="Kurs, fremdrift, quiz og kursbevis for ansatte i kommunesektoren.",
        version="1.0",
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.effective_database_url)
    app.state.course_info = content_course_info(settings.content_dir)
    app.state.render_cache = RenderCache()
    app.state.module_json_cache = RevisionCache[EncodedJson]()
    app.state.hot_path = HotPath(app.state.engine)
    app.state.metrics = Metrics()
    app.state.xapi_log = statement_log(settings, app.state.course_info)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if is_page_request(request):
            return await domain_error_page(request, exc)
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer, but a value JSON cannot carry (NaN, Infinity, 1e400 parse
        # as floats) is echoed as text instead of failing the answer with a 500.
        errors = jsonable_encoder(_json_safe(exc.errors()))
        return JSONResponse({"detail": errors, "code": "invalid"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette names only the first route whose path matched; a path served by
            # several routes (GET and POST in different routers) allows them all.
            headers = {**(headers or {}), "Allow": _allowed_methods(app.routes, request.url.path)}
        if is_page_request(request):
            return await http_error_page(request, exc.status_code, headers=headers)
        if exc.status_code == 400:
            # Only body parsing raises a bare 400 here (domain errors are DomainError):
            # a body that is not UTF-8 JSON, or a multipart form without a boundary, is
            # as unprocessable as malformed JSON, and documented as such.
            error = {"loc": ["body"], "msg": _body_parse_message(exc), "type": "json_invalid"}
            return JSONResponse({"detail": [error], "code": "invalid"}, status_code=422)
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            {"detail": message, "code": code}, status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client closed the connection while sending its body: nothing was done,
        # and nobody is left to read an answer.
        logger.info("client went away during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        if is_page_request(request):
            return error_page(request, 500)
        return JSONResponse(
            {"detail": "Noe gikk galt hos oss. Prøv igjen senere.", "code": "server_error"},
            status_code=500,
        )

    async def too_large(request: Request) -> Response:
        return await http_error(request, StarletteHTTPException(status_code=413))

    # Outermost of the app's own middleware, so its 413 gets the security headers too.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, too_large=too_large)
    app.add_middleware(SecurityHeaders)
    # Outermost: it times the whole answer and gives every one its X-Request-ID.
    app.add_middleware(
        RequestObserver, metrics=app.state.metrics.requests, log=settings.request_log
    )
    # Routes are matched in order: the learners' hot routes first.
    serve(app, learning.hot_router, learning.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    serve(
        app,
        health.router,
        metrics.router,
        auth.router,
        me.router,
        authoring.router,
        certificates.router,
        badges.learner_router,
        exports.router,
        workbook.router,
        project_documents.router,
        workbook_teams.router,
        project_review.router,
    )
    serve(app, badges.router)  # public: the documents that verify Open Badges
    # Administration: users, reports, audit log, privacy, password setup.
    serve(app, users.router, admin.router, reports.router, audit_log.router, privacy.router)
    serve(app, jobs.router, org_units.router, roles.router, xapi.router, webhooks.router)
    serve(app, emails.router, password_setup.router, *PAGE_ROUTERS)  # and the web interface
    _document_body_limit(app)
    return app


def serve(app: FastAPI, *routers: APIRouter) -> None:
    """Serve the routers' routes on the app itself, in this order.

    Each router carries its whole prefix (``api.http.routing.api_router``). Since
    FastAPI 0.137 an included router stays a node of its own, which every request
    reaching it matches through a second time: for a page, behind a dozen routers,
    that cost more than its template (bench/bench_api.py and bench/bench_mixed.py).
    """
    for router in routers:
        app.router.routes.extend(router.routes)


def _allowed_methods(routes: list[BaseRoute], path: str) -> str:
    """Every method some route serves on ``path``, for a 405's ``Allow``."""
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(path):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


def _body_parse_message(exc: StarletteHTTPException) -> str:
    if exc.detail == _BODY_PARSE_ERROR:
        return "Body must be valid UTF-8 JSON"
    return f"Body could not be read: {exc.detail}"


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (which JSON has no word for) as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _document_body_limit(app: FastAPI) -> None:
    """Add the body limit's 413 to every operation that takes a body."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    operation["responses"].setdefault(
                        "413",
                        {
                            "description": _HTTP_MESSAGES[413],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorBody"}
                                }
                            },
                        },
                    )
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
