"""The request's transaction: a read may start and end on the event loop, yet a read that wrote
still commits, an error still rolls back, and evaluate (a POST that stores nothing) is a read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col
from starlette.requests import Request

from app.db import _SQLITE_WRITER_LOCKS, get_session
from app.organizations.models import Organization
from tests.conftest import Org


def _request(engine: Engine, method: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(engine=engine))
    return Request({"type": "http", "method": method, "path": "/", "headers": [], "app": app})


def _name(engine: Engine, org: Org) -> str:
    with engine.connect() as connection:
        statement = sa.select(col(Organization.name)).where(col(Organization.id) == org.id)
        return str(connection.execute(statement).scalar_one())


def _rename(org: Org, name: str) -> sa.Update:
    return sa.update(Organization).where(col(Organization.id) == org.id).values(name=name)


async def test_a_read_request_that_writes_commits(engine: Engine, org: Org) -> None:
    dependency = get_session(_request(engine, "GET"))
    session = await dependency.__anext__()
    session.exec(_rename(org, "Renamed by a read"))
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()
    assert _name(engine, org) == "Renamed by a read"


async def test_a_read_request_that_fails_rolls_back(engine: Engine, org: Org) -> None:
    before = _name(engine, org)
    dependency = get_session(_request(engine, "GET"))
    session = await dependency.__anext__()
    session.exec(_rename(org, "Never stored"))
    with pytest.raises(RuntimeError):
        await dependency.athrow(RuntimeError("the route failed"))
    assert _name(engine, org) == before


async def test_evaluate_does_not_wait_for_the_write_lock(
    engine: Engine, client: httpx.AsyncClient
) -> None:
    writer_lock = _SQLITE_WRITER_LOCKS.get(engine)
    if writer_lock is None:
        pytest.skip("only SQLite queues writers on a lock of the process")
    body = {"answers": {}, "as_of": "2026-11-27"}
    with writer_lock:  # a write request of this process holds it
        response = await asyncio.wait_for(
            client.post("/v1/questionnaires/ai-use-triage/evaluate", json=body), timeout=20
        )
    assert response.status_code == 200, response.text
