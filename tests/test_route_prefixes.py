"""The path check in front of each included router never changes which route a request reaches."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match

from app.route_prefixes import _literal_start


def _scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def _paths(app: FastAPI) -> list[str]:
    """A request path for every route of the app (parameters filled in), and some near misses."""
    found: list[str] = []

    def walk(candidates: list[Any]) -> None:
        for candidate in candidates:
            if hasattr(candidate, "effective_candidates"):
                walk(candidate.effective_candidates())
            elif isinstance(getattr(candidate, "path", None), str):
                path = re.sub(r"\{[^}]*\}", "00000000-0000-4000-8000-000000000000", candidate.path)
                found.extend([path, path + "/", path + "x", _literal_start(candidate.path)])

    walk(list(app.router.routes))
    return [*sorted(set(found)), "/", "/nowhere", "/v1", "/v1/", "/v1/unknown/thing"]


def _first(app: FastAPI, scope: dict[str, Any], *, guarded: bool) -> tuple[int, Match] | None:
    for index, route in enumerate(app.router.routes):
        matches = route.matches if guarded else getattr(route.matches, "__wrapped__", route.matches)
        match, _ = matches(dict(scope))
        if match != Match.NONE:
            return index, match
    return None


def test_every_path_reaches_the_same_route(app: FastAPI) -> None:
    guarded = [r for r in app.router.routes if hasattr(getattr(r, "matches", None), "__wrapped__")]
    assert len(guarded) >= 10  # the API's routers are checked by their paths
    for path in _paths(app):
        for method in ("GET", "POST", "PATCH", "DELETE"):
            scope = _scope(path, method)
            assert _first(app, scope, guarded=True) == _first(app, scope, guarded=False), path
