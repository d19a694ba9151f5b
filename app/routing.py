"""Routers that declare, once, what every one of their routes has in common.

A route adds only what is its own (404, 409, 412...); the router supplies the problem documents
every route can return, so the contract states every route's errors without repeating them on
each (polar's `kit/routing.py`). A route's operation id is its function's name in camelCase
(`list_ai_systems` is `listAiSystems`) unless the route passes `operation_id`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any

from fastapi import APIRouter, params
from fastapi.routing import APIRoute

from app.errors import problem_responses

# Every route that authenticates a person or an API key and reads a parameter or a body.
AUTHENTICATED = (401, 403, 422)
# Authenticated routes whose parameters FastAPI validates with its own 422 declaration.
AUTHENTICATED_READ = (401, 403)
# The supplier portal: an invitation token instead of a scope, and a rate limit per token.
INVITATION = (401, 404, 422, 429)


def operation_id(name: str) -> str:
    """A route function's name as its operation id: `get_ai_system` is `getAiSystem`."""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


class NamedRoute(APIRoute):
    """An `APIRoute` whose operation id is, unless it is given, its function's name in camelCase."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["operation_id"] = kwargs.get("operation_id") or operation_id(endpoint.__name__)
        super().__init__(path, endpoint, **kwargs)


def problem_router(
    problems: Sequence[int] = (),
    *,
    prefix: str = "",
    tags: list[str | Enum] | None = None,
    dependencies: Sequence[params.Depends] | None = None,
    **kwargs: Any,
) -> APIRouter:
    """An `APIRouter` of `NamedRoute`s that all declare the problem responses `problems`."""
    return APIRouter(
        prefix=prefix,
        tags=tags,
        dependencies=dependencies,
        responses=problem_responses(*problems) if problems else None,
        route_class=NamedRoute,
        **kwargs,
    )


def raw_body(media_types: Iterable[str]) -> dict[str, Any]:
    """The `openapi_extra` of a route that reads its body as the raw bytes of a file, of one of
    `media_types` (FastAPI cannot declare a body it does not parse)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": {t: binary for t in media_types}}}
