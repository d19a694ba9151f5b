"""Routes are named by their functions (app/routing.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.routing import operation_id, problem_router


def _operations() -> dict[str, dict[str, Any]]:
    router = problem_router((401,), prefix="/things")

    @router.get("/{thing_id}", summary="Get one thing")
    def get_one_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @router.delete("/{thing_id}", operation_id="dropThing")
    def delete_thing(thing_id: int) -> None:
        return None

    @router.post("", status_code=201)
    def create_thing(name: str) -> dict[str, str]:
        return {"name": name}

    app = FastAPI()
    app.include_router(router)
    paths = app.openapi()["paths"]
    return {op["operationId"]: op for methods in paths.values() for op in methods.values()}


def test_operation_id_is_the_function_name_in_camel_case() -> None:
    assert operation_id("list_ai_systems") == "listAiSystems"
    assert operation_id("healthz") == "healthz"
    assert set(_operations()) == {"getOneThing", "dropThing", "createThing"}


def test_every_route_declares_the_router_problems() -> None:
    operations = _operations()
    assert operations["getOneThing"]["summary"] == "Get one thing"
    assert all("401" in operation["responses"] for operation in operations.values())
