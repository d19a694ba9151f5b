"""What several routers share (app/route_helpers.py): a page of views, a view read from a row,
and dependencies that declare the same parameters and security as the ones they replace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from app.pagination import Page
from app.route_helpers import Change, Listing, ReadListing, SystemsWriteChange, from_row, page_of
from app.routing import problem_router


class Thing(BaseModel):
    name: str


@dataclass
class ThingRow:
    name: str
    secret: str


def test_page_of_views_every_row_and_keeps_the_cursor() -> None:
    rows = [ThingRow("a", "x"), ThingRow("b", "y")]
    page = page_of((rows, "next"), from_row(Thing))
    assert page == Page[Thing](items=[Thing(name="a"), Thing(name="b")], next_cursor="next")
    assert page_of(([], None), from_row(Thing)).next_cursor is None


def _operation(path: str, method: str) -> dict[str, Any]:
    router = problem_router()

    @router.get("/things")
    def list_things(listing: ReadListing) -> list[str]:
        return []

    @router.patch("/things/{name}")
    def update_thing(name: str, change: SystemsWriteChange) -> list[str]:
        return []

    app = FastAPI()
    app.include_router(router)
    operation: dict[str, Any] = app.openapi()["paths"][path][method]
    return operation


def test_a_listing_declares_the_page_parameters_and_the_security() -> None:
    operation = _operation("/things", "get")
    assert [p["name"] for p in operation["parameters"]] == ["cursor", "limit"]
    assert operation["security"] == [{"HTTPBearer": []}, {"APIKeyCookie": []}]
    assert set(Listing.__annotations__) == {"session", "caller", "cursor", "limit"}


def test_a_change_declares_if_match_after_the_path() -> None:
    operation = _operation("/things/{name}", "patch")
    assert [(p["in"], p["name"]) for p in operation["parameters"]] == [
        ("path", "name"),
        ("header", "If-Match"),
    ]
    assert set(Change.__annotations__) == {"session", "caller", "if_match"}
