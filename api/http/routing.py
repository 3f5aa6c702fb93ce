"""The API's route class: the caller is checked before a malformed body is reported.

FastAPI reads and decodes the JSON body before it runs a route's dependencies, so
a body that is not JSON was answered 422 before the caller was authenticated, and
an anonymous caller could learn which staff routes exist and what they take. On
that failure path only (the hot path pays nothing), ``ApiRoute`` runs the route's
dependencies without a body first: an unknown caller gets 401, a caller without the
role 403, and only a caller who may use the route hears that the body is malformed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from enum import Enum
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from api.http.deps import get_principal

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
API_PREFIX = "/api/v1"  # every JSON route's


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        route = self

        async def checked(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                if any(error.get("type") == "json_invalid" for error in exc.errors()):
                    await _check_caller(route, request)
                raise
            except HTTPException as exc:
                if exc.status_code == 400:  # a form body that could not be parsed
                    await _check_caller(route, request)
                raise

        return checked


def api_router(
    prefix: str = "", *, tags: list[str | Enum], route_class: type[APIRoute] | None = None
) -> APIRouter:
    """A router of JSON API routes, under ``API_PREFIX`` and checked by ``ApiRoute``.

    The prefix is the whole path: the app serves every router's routes itself
    (``api.app.serve``), it does not include the router.
    """
    return APIRouter(prefix=API_PREFIX + prefix, tags=tags, route_class=route_class or ApiRoute)


async def _check_caller(route: APIRoute, request: Request) -> None:
    """Run the route's dependencies without its body: authentication raises if it fails."""
    stack = request.scope.get("fastapi_inner_astack")
    if not isinstance(stack, AsyncExitStack):
        return
    await solve_dependencies(
        request=request,
        dependant=route.dependant,
        body=None,
        async_exit_stack=stack,
        embed_body_fields=route._embed_body_fields,
    )


class HotRoute(ApiRoute):
    """A learner hot route that FastAPI documents and this class serves.

    FastAPI (0.165) spends more on a request than the hot routes' own work: it
    parses the content type with ``email.message``, decodes JSON to Python objects
    and validates them again, and solves each dependency through several layers
    (bench/bench_api.py: about 40 % of a quiz attempt's CPU). The endpoint is
    declared like any other, so its signature is the documentation and the
    contract; this class reads FastAPI's own analysis of it once and fills in the
    arguments directly: the ``Request``, the caller (``CurrentPrincipal``), path
    parameters, and a JSON body model validated straight from the bytes.

    That direct way only ever serves requests that succeed. Whenever it is not sure
    (another content type, a parameter or body that does not validate), it hands
    the request to FastAPI's own handler, which answers exactly as it would have:
    every error looks the same as on every other route. The caller is checked first
    in both ways, so nothing about the body is told to an anonymous caller.
    Endpoints must be ``async`` and return a ``Response``; anything else this class
    cannot serve is refused when the route is created.
    """

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        plan = _Plan(self)

        async def handler(request: Request) -> Response:
            arguments = await plan.arguments(request)
            if arguments is None:
                return await standard(request)
            response: Response = await self.endpoint(**arguments)
            return response

        return handler


class _Plan:
    """What a ``HotRoute``'s endpoint takes, and how to fill it in from a request."""

    def __init__(self, route: APIRoute) -> None:
        dependant = route.dependant
        hints = get_type_hints(route.endpoint)
        unsupported = (
            dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or route._embed_body_fields
            or not inspect.iscoroutinefunction(route.endpoint)
            or not issubclass(hints.get("return", object), Response)
            or any(sub.call is not get_principal for sub in dependant.dependencies)
        )
        if unsupported:
            raise TypeError(
                f"{route.path}: a HotRoute takes only Request, CurrentPrincipal, path "
                "parameters and one JSON body, and is an async endpoint returning a Response"
            )
        self.request = dependant.request_param_name
        self.principal = [sub.name for sub in dependant.dependencies if sub.name]
        self.path: list[tuple[str, str, TypeAdapter[Any]]] = [
            (field.name, field.alias, _adapter(field.field_info)) for field in dependant.path_params
        ]
        body = route.body_field
        self.body = (body.name, _adapter(body.field_info)) if body else None

    async def arguments(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or None where FastAPI's own handler must answer."""
        arguments: dict[str, Any] = {}
        if self.request:
            arguments[self.request] = request
        for name in self.principal:  # NotAuthenticated is the same error either way
            arguments[name] = await get_principal(request)
        try:
            for name, alias, adapter in self.path:
                arguments[name] = adapter.validate_python(request.path_params[alias])
            if self.body is not None:
                media_type = request.headers.get("content-type", "").partition(";")[0]
                if media_type.strip().lower() != "application/json":
                    return None
                name, adapter = self.body
                arguments[name] = adapter.validate_json(await request.body())
        except (ValidationError, ClientDisconnect):
            return None  # FastAPI's handler answers these as it does everywhere
        return arguments


def _adapter(field_info: FieldInfo) -> TypeAdapter[Any]:
    """Validates a value as FastAPI's field would: its type with the field's constraints."""
    annotated: Any = Annotated
    return TypeAdapter(annotated[field_info.annotation, field_info])
