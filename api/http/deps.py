"""Request dependencies: the one session per request, the current user, role guards, loaders."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Path, Request
from fastapi.requests import HTTPConnection
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.core.admission import admission
from api.core.config import IPNetwork, Settings
from api.core.db import WRITE, WriteBusy, dbapi_write, transaction
from api.core.errors import (
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    MetricsTokenInvalid,
    ModuleNotFound,
    NotAuthenticated,
)
from api.data.models import Role, User
from api.data.sql import Statements
from api.http import presenters
from api.http.hotpath import EncodedJson, HotPath, Principal
from api.services import content as content_service
from api.services import scope as scope_service
from api.services import users as user_service
from api.services.content import NotRendered, cached_live_modules, cached_module
from api.services.progress_writes import CourseModules
from api.services.scope import Actor, Capability
from course.models import CourseInfo

T = TypeVar("T")
logger = logging.getLogger("innostudy")
TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_INVALID_TOKEN = "Innloggingen er ugyldig eller utløpt. Logg inn på nytt."


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed if the route succeeds, rolled back otherwise.

    Requests that may write (POST, PUT, ...) start a write transaction at once,
    which on SQLite means BEGIN IMMEDIATE. A domain error that records its own
    outcome (``commit_changes``) still commits.

    FastAPI runs a request's sync dependencies and its route in separate worker
    thread calls, and the transaction stays open between them. So the request
    first waits, on the event loop, for its turn (``api.core.admission``: a request
    slot, or on SQLite the write lock for a write): then the connection, the
    thread and the lock it needs are free, and no thread ever waits for them
    while another holds what it needs to finish. Commit and rollback run in a
    worker thread, shielded from cancellation, before the turn is given back.
    """
    async with _session(request, write=request.method not in _READ_METHODS) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """``get_session`` as a write transaction whatever the method: for a GET that must write
    (the OpenID Connect callback, to which the provider sends the browser back with GET)."""
    async with _session(request, write=True) as session:
        yield session


@asynccontextmanager
async def _session(request: Request, *, write: bool) -> AsyncIterator[Session]:
    engine = get_engine(request)
    bind = engine.execution_options(**WRITE) if write else engine
    async with admission(engine).request(write=write):
        session = Session(bind, expire_on_commit=False)
        try:
            yield session
        except DomainError as exc:
            await _end(session, commit=exc.commit_changes)
            raise
        except BaseException:
            await _end(session, commit=False)
            raise
        await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    """Commit or roll back, and give the connection back to the pool."""
    if not session.in_transaction():  # never used: nothing to end, no thread needed
        session.close()
        return

    def end() -> None:
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    with anyio.CancelScope(shield=True):
        await run_in_threadpool(end)


def client_address(request: Request) -> str:
    """The caller's address, as the login throttle counts it.

    ``X-Forwarded-For`` counts only from a proxy in ``INNOSTUDY_TRUSTED_PROXIES``: then
    the right-most address in the chain that is not itself a trusted proxy.
    """
    peer = request.client.host if request.client else "unknown"
    trusted = get_settings(request).trusted_proxy_networks
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    chain = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    for hop in reversed([part.strip() for part in chain if part.strip()]):
        if not _is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # not an address: the proxy before it is all we know
                return peer
        peer = hop
    return peer


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def on_loop(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    """``read`` (a look-up that never waits) as a dependency run on the event loop.

    FastAPI runs every ``def`` dependency in a worker thread: for a look-up in the
    app's state that hand-off costs far more than the look-up (a page had eight).
    """

    async def dependency(request: Request) -> T:
        return read(request)

    return dependency


SettingsDep = Annotated[Settings, Depends(on_loop(get_settings))]
EngineDep = Annotated[Engine, Depends(on_loop(get_engine))]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def get_course_info(request: Request) -> CourseInfo:
    info: CourseInfo = request.app.state.course_info
    return info


def get_render_cache(request: Request) -> content_service.RenderCache:
    cache: content_service.RenderCache = request.app.state.render_cache
    return cache


CourseInfoDep = Annotated[CourseInfo, Depends(on_loop(get_course_info))]
RenderCacheDep = Annotated[content_service.RenderCache, Depends(on_loop(get_render_cache))]


# The web session is the API's opaque login token, kept in this HttpOnly cookie.
SESSION_COOKIE = "innostudy_session"
API_PREFIX = "/api/"


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def login_token(request: Request, bearer: TokenDep) -> str | None:
    """The login token of the caller, from the credential its door accepts.

    The JSON API takes only the bearer token (a cookie there would open the API
    to cross-site request forgery); pages take only the session cookie (their
    forms are CSRF-checked in ``api.web.deps``).
    """
    return bearer if is_api_request(request) else request.cookies.get(SESSION_COOKIE)


LoginTokenDep = Annotated[str | None, Depends(login_token)]


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who the page header greets: plain values, still readable after the session has ended."""

    full_name: str
    role: str
    roles: frozenset[str] = frozenset()  # every role held anywhere (for the menus)


def visitor_for(session: Session, user: User) -> Visitor:
    """The page header's greeting and menus for the account, with its scoped roles."""
    return Visitor(
        user.full_name, user.role, scope_service.actor_for(session=session, user=user).roles
    )


def _request_actor(request: Request, session: Session, user: User) -> Actor:
    """The caller as an actor, loaded once per request (the page menus and the guards)."""
    found: Actor | None = getattr(request.state, "actor", None)
    if found is None or found.user is not user:
        found = request.state.actor = scope_service.actor_for(session=session, user=user)
    return found


def get_optional_user(request: Request, session: SessionDep, token: LoginTokenDep) -> User | None:
    """The logged-in user, or None; remembered for the page header (the API draws no
    menus, so only pages look up the scoped roles)."""
    user = user_service.user_for_token(session=session, token=token) if token else None
    if user is None:
        request.state.visitor = None
    elif is_api_request(request):
        request.state.visitor = Visitor(user.full_name, user.role)
    else:
        roles = _request_actor(request, session, user).roles
        request.state.visitor = Visitor(user.full_name, user.role, roles)
    if user is not None:
        request.state.user_id = user.id  # for the request's log line (api.http.observe)
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_user(user: OptionalUser, token: LoginTokenDep) -> User:
    """The logged-in user; otherwise 401 (a page sends the visitor to the login form)."""
    if user is None:
        raise NotAuthenticated(_INVALID_TOKEN) if token else NotAuthenticated()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A guard for the given roles, on API routes and pages alike (403 for everyone else).

    Args:
        roles: the roles allowed, e.g. ``require_role(Role.ADMIN)``.
    """

    async def guard(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    return guard


AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
StaffUser = Annotated[User, Depends(require_role(Role.INSTRUCTOR, Role.ADMIN))]


def get_actor(request: Request, session: SessionDep, user: CurrentUser) -> Actor:
    """The caller with their role assignments (``api.services.scope``); remembered for
    the pages' menus."""
    return _request_actor(request, session, user)


ActorDep = Annotated[Actor, Depends(get_actor)]


def require_capability(capability: Capability) -> Callable[[Actor], Awaitable[Actor]]:
    """A coarse guard: 403 for a caller who may use ``capability`` nowhere. Which people
    and units are inside the caller's scope, the services decide (``Actor.scope``)."""

    async def guard(actor: ActorDep) -> Actor:
        if not actor.can(capability):
            raise Forbidden()
        return actor

    return guard


PeopleReader = Annotated[Actor, Depends(require_capability(Capability.READ_PEOPLE))]
PeopleManager = Annotated[Actor, Depends(require_capability(Capability.MANAGE_PEOPLE))]
UnitManager = Annotated[Actor, Depends(require_capability(Capability.MANAGE_UNITS))]
RoleGranter = Annotated[Actor, Depends(require_capability(Capability.GRANT_ROLES))]
AuditReader = Annotated[Actor, Depends(require_capability(Capability.READ_AUDIT))]
InstallationAdmin = Annotated[Actor, Depends(require_capability(Capability.INSTALLATION))]


SlugPath = Annotated[str, Path(max_length=80, examples=["innovasjonsprosessen"])]


async def get_live_modules(request: Request) -> list[content_service.LiveModule]:
    """The course's current modules in order, rendered (``content.live_modules``).

    One plain query (``HotPath``, on the event loop on SQLite) and the render
    cache; only a revision this process has not rendered yet is rendered, in a
    worker thread and its own read transaction.
    """
    hot, cache = _hot_path(request), get_render_cache(request)
    try:
        return await hot.read(lambda db: cached_live_modules(db, cache))
    except NotRendered:
        pass
    render = partial(_render_live_modules, hot.engine, get_course_info(request), cache)
    async with hot.admission.request(write=False):
        return await run_in_threadpool(render)


def _render_live_modules(
    engine: Engine, info: CourseInfo, cache: content_service.RenderCache
) -> list[content_service.LiveModule]:
    """Render what the cache lacks, in a read transaction of its own (a worker thread)."""
    with transaction(engine) as session:
        return content_service.live_modules(session=session, info=info, cache=cache)


def _hot_path(request: HTTPConnection) -> HotPath:
    hot: HotPath = request.app.state.hot_path
    return hot


class PrincipalBearer(OAuth2PasswordBearer):
    """Like ``CurrentUser`` for hot routes: the caller's id and role, without the ORM.

    The bearer scheme itself looks the token up, so a hot route resolves one
    dependency for its caller instead of two (each costs FastAPI about 15 µs), and
    the OpenAPI document shows the same security scheme as on every other route.
    """

    async def __call__(self, request: HTTPConnection) -> Principal:  # type: ignore[override]
        return await _known_caller(request, await super().__call__(request))


async def _known_caller(request: HTTPConnection, token: str | None) -> Principal:
    """Whom a login token belongs to, by the hot path's plain lookup; 401 otherwise."""
    principal = await _hot_path(request).principal(token) if token else None
    if principal is None:
        raise NotAuthenticated(_INVALID_TOKEN) if token else NotAuthenticated()
    request.state.user_id = principal.id  # for the request's log line (api.http.observe)
    return principal


get_principal = PrincipalBearer(
    tokenUrl=TOKEN_URL,
    scheme_name=oauth2_scheme.scheme_name,
    auto_error=False,
)
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_page_learner(request: Request) -> Principal:
    """The logged-in visitor of a course page (session cookie), without the ORM.

    Like ``CurrentUser`` on pages (an unknown or expired session is a 401, which
    sends the visitor to the login form), but one plain lookup on the event loop
    (``HotPath``) instead of an ORM query in a worker thread: the course pages are
    the web interface's most frequent requests.
    """
    principal = await _known_caller(request, request.cookies.get(SESSION_COOKIE))
    request.state.visitor = Visitor(principal.full_name, principal.role, principal.roles)
    return principal


PageLearner = Annotated[Principal, Depends(get_page_learner)]


WriteWork = Callable[[Statements, content_service.LiveModule, CourseModules], T]


class WriteUnit:
    """A hot write: one short write transaction of plain SQL on a module (``api.http.hotpath``).

    Hot write routes authenticate with ``CurrentPrincipal`` (no transaction) and
    do all their work here. On SQLite the work runs inline on the event loop's own
    connection (``api.core.admission``) when nothing can make it wait: the modules
    are rendered already and SQLite's lock is free; the whole transaction then
    costs less than handing it to a thread. While a request of this event loop
    writes, it first waits (asynchronously) for the write lock, then runs inline.
    Otherwise (another process or a thread outside a request writes, or a module
    must be rendered), and always on PostgreSQL, it takes its turn and runs in a
    worker thread; missing modules are rendered outside the write transaction.
    """

    def __init__(self, request: Request) -> None:
        self.hot = _hot_path(request)
        self.info = get_course_info(request)
        self.cache = get_render_cache(request)

    async def run(self, slug: str, work: WriteWork[T]) -> T:
        """Run ``work(statements, live module, course modules)``; 404 if ``slug`` is not live."""
        gate = self.hot.admission
        if self.hot.inline:
            try:
                if not gate.writing():
                    return self._call(slug, work, wait=False)
                async with gate.write_turn():  # a request writes: wait for it, then write inline
                    return self._call(slug, work, wait=False)
            except (WriteBusy, NotRendered):
                pass  # wait for the other writer, or render, in a worker thread
        while True:
            async with gate.request(write=True):
                try:
                    return await run_in_threadpool(partial(self._call, slug, work, wait=True))
                except NotRendered:
                    pass
            # Render outside the write transaction and the write lock, then try again.
            async with gate.request(write=False):
                await run_in_threadpool(
                    _render_live_modules, self.hot.engine, self.info, self.cache
                )

    def _call(self, slug: str, work: WriteWork[T], *, wait: bool) -> T:
        """The work in one transaction: in a worker thread if ``wait``, else on the event loop."""
        gate = self.hot.admission
        with dbapi_write(self.hot.engine) if wait else gate.inline_write() as connection:
            db = self.hot.statements(connection)
            module = cached_module(db, self.cache, slug)
            if module is None:
                raise ModuleNotFound()
            return work(db, module, lambda: cached_live_modules(db, self.cache))


def _render_module_json(request: Request, slug: str) -> EncodedJson:
    with transaction(get_engine(request)) as session:
        module = content_service.live_module(
            session=session,
            info=get_course_info(request),
            cache=get_render_cache(request),
            slug=slug,
        )
    return EncodedJson.of(presenters.module_json(module))


async def module_json(request: Request, slug: str) -> EncodedJson:
    """The current revision's public JSON, encoded once per revision, or 404."""
    hot = _hot_path(request)
    ref = await hot.module_ref(slug)
    if ref is None:
        raise ModuleNotFound()
    cache: content_service.RevisionCache[EncodedJson] = request.app.state.module_json_cache
    body = cache.get(ref)
    if body is None:
        async with hot.admission.request(write=False):
            body = await run_in_threadpool(_render_module_json, request, slug)
        cache.put(ref, body)
    return body


async def check_database(request: Request) -> None:
    """``DatabaseUnavailable`` unless the database answers; never queued behind requests
    (``/healthz``)."""
    try:
        await _hot_path(request).check_database()
    except Exception as exc:  # whatever the driver raises: a 503, never a 500
        logger.warning("health check: the database failed: %s", type(exc).__name__)
        raise DatabaseUnavailable() from None


async def require_metrics_token(request: Request) -> None:
    """``/metrics`` is for the scraper that has ``INNOSTUDY_METRICS_TOKEN``: a wrong or missing
    token is 401; without a token configured the path does not exist (404)."""
    token = get_settings(request).metrics_token
    if token is None:
        raise StarletteHTTPException(status_code=404)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected):
        raise MetricsTokenInvalid()


MetricsAccess = Depends(require_metrics_token)


LiveModules = Annotated[list[content_service.LiveModule], Depends(get_live_modules)]
