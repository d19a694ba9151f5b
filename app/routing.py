"""Routers that declare, once, the problem documents every one of their routes can return.

A route adds only what is its own (404, 409, 412...); the router supplies the rest, so the
contract states every route's errors without repeating them on each (polar's `kit/routing.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from fastapi import APIRouter, params

from app.errors import problem_responses

# Every route that authenticates a person or an API key and reads a parameter or a body.
AUTHENTICATED = (401, 403, 422)
# Authenticated routes whose parameters FastAPI validates with its own 422 declaration.
AUTHENTICATED_READ = (401, 403)
# The supplier portal: an invitation token instead of a scope, and a rate limit per token.
INVITATION = (401, 404, 422, 429)


def problem_router(
    problems: Sequence[int],
    *,
    prefix: str = "",
    tags: list[str | Enum] | None = None,
    dependencies: Sequence[params.Depends] | None = None,
    **kwargs: Any,
) -> APIRouter:
    """An `APIRouter` whose routes all declare the problem responses `problems`."""
    return APIRouter(
        prefix=prefix,
        tags=tags,
        dependencies=dependencies,
        responses=problem_responses(*problems),
        **kwargs,
    )
