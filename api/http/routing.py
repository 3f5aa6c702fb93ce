"""The API's route class: the caller is checked before a malformed body is reported.

FastAPI reads and decodes the JSON body before it runs a route's dependencies, so
a body that is not JSON was answered 422 before the caller was authenticated, and
an anonymous caller could learn which staff routes exist and what they take. On
that failure path only (the hot path pays nothing), ``ApiRoute`` runs the route's
dependencies without a body first: an unknown caller gets 401, a caller without the
role 403, and only a caller who may use the route hears that the body is malformed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

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
