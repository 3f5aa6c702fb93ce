"""The hot routes (``api.http.routing.HotRoute``) answer exactly as FastAPI's own handler.

HotRoute fills in a hot endpoint's arguments itself and hands every request it is
not sure of to FastAPI. Each request below is sent twice, once each way, and the
answers must be the same, errors word for word; the valid ones must really have
been served the direct way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.data.models import Role
from api.http.deps import CurrentPrincipal, SlugPath
from api.http.routing import HotRoute, _Plan
from api.routes import learning
from course.models import Course
from tests.api.helpers import wrong_answers
from tests.factories import user_headers

JSON = "application/json"
# Keys that differ between two successful writes (a new attempt each time).
VOLATILE = {"id", "created_at"}
Case = tuple[str, str, dict[str, str], Any]


def cases(course: Course, auth: dict[str, str]) -> list[tuple[Case, bool | None]]:
    """Requests to the hot routes, each with the way it must be served: directly (True),
    by FastAPI (False), or refused at the caller check before either (None)."""
    module = next(m for m in course.modules if m.quiz is not None)
    base = f"/api/v1/modules/{module.slug}"
    answers = wrong_answers(module)
    first = next(iter(answers))
    valid = json.dumps({"answers": answers})
    malformed = '{"answers": '
    invalid: list[Any] = [
        json.dumps({"answers": answers, "extra": 1}),
        json.dumps({"answers": {**answers, first: "a"}}),
        json.dumps({"answers": answers, "revision": "to"}),
        '{"answers": {}, "revision": NaN}',
        malformed,
        "[]",
        "null",
        "",
        "\udcff".encode("utf-8", "surrogatepass"),
    ]

    def attempt(
        body: Any, content_type: str | None = JSON, *, slug: str = module.slug, caller: bool = True
    ) -> Case:
        headers = {
            **(auth if caller else {}),
            **({"Content-Type": content_type} if content_type else {}),
        }
        return ("POST", f"/api/v1/modules/{slug}/attempts", headers, body)

    long_slug = "/api/v1/modules/" + "x" * 81
    found: list[tuple[Case, bool | None]] = [
        (("GET", base, auth, None), True),
        (("GET", base, {}, None), None),
        (("GET", base, {"Authorization": "Bearer ugyldig"}, None), None),
        (("GET", base, {"Authorization": "Basic eDp5"}, None), None),
        (("GET", "/api/v1/modules/finnes-ikke", auth, None), True),  # the endpoint's 404
        (("GET", long_slug, auth, None), False),
        (("POST", f"{base}/read", auth, None), True),
        (("POST", f"{base}/read", {}, None), None),
        (("POST", long_slug + "/read", auth, None), False),
        (attempt(valid), True),
        (attempt(valid, "application/json; charset=utf-8"), True),
        # Valid in form; the endpoint refuses it (unanswered, unknown option, stale revision).
        (attempt(json.dumps({"answers": {first: answers[first]}})), True),
        (attempt(json.dumps({"answers": {**answers, first: ["zz"]}})), True),
        (attempt(json.dumps({"answers": answers, "revision": 10**6})), True),
        (attempt(valid, slug="finnes-ikke"), True),
        (attempt(valid, "text/plain"), False),
        (attempt(valid, "application/merge-patch+json"), False),
        (attempt(valid, None), False),
        (attempt(valid, caller=False), None),
        (attempt(malformed, caller=False), None),
    ]
    found += [(attempt(body), False) for body in invalid]
    return found


def answer(client: TestClient, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    response = client.request(method, path, headers=headers, content=body)
    try:
        content: Any = response.json()
    except ValueError:
        content = response.text
    if isinstance(content, dict):
        content = {key: value for key, value in content.items() if key not in VOLATILE}
    return response.status_code, response.headers.get("content-type"), content


@pytest.fixture
def served() -> Iterator[list[bool]]:
    """Whether each request was served the direct way (True) or handed to FastAPI."""
    calls: list[bool] = []
    arguments = _Plan.arguments

    async def spy(self: _Plan, request: Request) -> dict[str, Any] | None:
        found = await arguments(self, request)
        calls.append(found is not None)
        return found

    _Plan.arguments = spy  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        _Plan.arguments = arguments  # type: ignore[method-assign]


def test_every_request_gets_the_answer_fastapi_gives(
    client: TestClient,
    engine: Engine,
    shipped_course: Course,
    served: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth = user_headers(client, engine, Role.LEARNER)
    requests = [case for case, _ in cases(shipped_course, auth)]
    direct = [answer(client, *request) for request in requests]
    assert {status for status, _, _ in direct} >= {200, 201, 401, 404, 409, 422}

    async def fastapi_only(self: _Plan, request: Request) -> None:
        return None

    # The same requests again, every one through FastAPI's own handler.
    monkeypatch.setattr(_Plan, "arguments", fastapi_only)
    for request, expected in zip(requests, direct, strict=True):
        assert answer(client, *request) == expected, request[:2]


def test_only_valid_requests_of_a_known_caller_are_served_the_direct_way(
    client: TestClient, engine: Engine, shipped_course: Course, served: list[bool]
) -> None:
    auth = user_headers(client, engine, Role.LEARNER)
    for request, way in cases(shipped_course, auth):
        before = len(served)
        status, _, body = answer(client, *request)
        if way is None:  # the caller check refuses it first, either way
            assert len(served) == before and status == 401, (request[:2], body)
        else:
            assert served[before:] == [way], (request[:2], status, body)


def test_the_hot_routes_are_those_of_the_learning_hot_router(app: FastAPI) -> None:
    hot = sorted(route.path for route in app.routes if isinstance(route, HotRoute))
    assert hot == sorted(route.path for route in learning.hot_router.routes)
    assert {"/api/v1/modules/{slug}", "/api/v1/modules/{slug}/attempts"} <= set(hot)


def _other() -> str:
    return "x"


async def _query(principal: CurrentPrincipal, page: int = 1) -> Response:
    return Response()


def _sync(slug: SlugPath, principal: CurrentPrincipal) -> Response:
    return Response()


async def _model(slug: SlugPath) -> dict[str, str]:
    return {}


async def _dependency(request: Request, other: Annotated[str, Depends(_other)]) -> Response:
    return Response()


@pytest.mark.parametrize("endpoint", [_query, _sync, _model, _dependency])
def test_a_route_it_cannot_serve_is_refused_when_it_is_made(endpoint: Any) -> None:
    router = APIRouter(route_class=HotRoute)
    with pytest.raises(TypeError, match="HotRoute"):
        router.add_api_route("/x/{slug}", endpoint, methods=["GET"])
