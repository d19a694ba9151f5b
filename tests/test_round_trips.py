"""How many times a read request waits for PostgreSQL, counted on the wire by a proxy.

On PostgreSQL every round trip is a wait of the request's thread, so a read's floor is set by
how many it makes: the key lookup, the route's own queries, and what the pool and transaction
add around them. These tests pin the counts of the benchmark's read rows (a warm pool, a key
used recently), and check that dropping the per-checkout ping loses no request when the server
ends the pool's connections.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth import Operator, Scope
from app.db import create_db_engine
from app.main import create_app
from app.migrate import upgrade
from app.organizations import service as org_service
from app.settings import Settings
from tests.databases import fresh_database
from tests.factories import KEY, create_system, scenario_answers, start, submit
from tests.wire import WireCounter


@dataclass
class Wired:
    counter: WireCounter
    engine: Engine
    client: httpx.AsyncClient
    assessment_id: str


@pytest.fixture(scope="module")
def wired_url(
    database_server: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, WireCounter]]:
    if database_server is None:
        pytest.skip("counts PostgreSQL's round trips (set TEST_DATABASE_URL)")
    with fresh_database(database_server, tmp_path_factory.mktemp("wire"), "wire") as url:
        upgrade(url)
        target = sa.make_url(url)
        counter = WireCounter((target.host or "127.0.0.1", target.port or 5432))
        try:
            yield counter.url(url), counter
        finally:
            counter.close()


@pytest_asyncio.fixture
async def wired(wired_url: tuple[str, WireCounter], tmp_path: Path) -> AsyncIterator[Wired]:
    url, counter = wired_url
    engine = create_db_engine(url)
    settings = Settings(
        database_url=url,
        # The key was used a moment ago: no request of these tests records its use.
        key_last_used_resolution_seconds=3600,
        outbox_key=SecretStr("round-trips"),
        evidence_dir=tmp_path / "evidence",
    )
    with Session(engine) as session:
        org = org_service.create_organization(session, slug="wire", name="Wire")
        created = org_service.create_key(
            session, caller=Operator(org.id, "test fixture"), name="admin", scopes=[Scope.ADMIN]
        )
        session.commit()
    app = create_app(settings, engine=engine)
    headers = {"Authorization": f"Bearer {created.secret}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        assessment = await start(client, client, scenario_answers(KEY, "1.0.0"))
        assert (await submit(client, assessment)).status_code == 200
        yield Wired(counter, engine, client, assessment["id"])
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM organizations WHERE slug = 'wire'"))
    engine.dispose()


async def _trips(wired: Wired, path: str) -> list[list[str]]:
    """The round trips of one GET of `path`, after a first one has warmed what it uses."""
    assert (await wired.client.get(path)).status_code == 200
    with wired.counter.counting() as trips:
        response = await wired.client.get(path)
    assert response.status_code == 200, response.text
    return trips


# The round trips of each read: the key lookup, on its own (no transaction is open yet); then, when
# the route reads, BEGIN, its one query and COMMIT. Before: a ping of the pooled connection, BEGIN,
# the lookup, the query and COMMIT (4, 5 and 5).
ROUND_TRIPS = {
    "questionnaire": 1,
    "assessment": 4,
    "list": 4,
}


def _path(row: str, wired: Wired) -> str:
    return {
        "questionnaire": f"/v1/questionnaires/{KEY}",
        "assessment": f"/v1/assessments/{wired.assessment_id}",
        "list": "/v1/assessments?limit=100",
    }[row]


@pytest.mark.parametrize("row", sorted(ROUND_TRIPS))
async def test_a_read_makes_its_round_trips_and_no_more(wired: Wired, row: str) -> None:
    trips = await _trips(wired, _path(row, wired))
    described = "\n".join(f"{number}. {trip}" for number, trip in enumerate(trips, 1))
    assert len(trips) == ROUND_TRIPS[row], described


def _backends(connection: sa.Connection) -> list[int]:
    """The other connections to this database: the app's pool."""
    statement = sa.text(
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return list(connection.execute(statement).scalars())


def _terminate_the_pool(url: str) -> int:
    """End every connection of the app's pool from the server side, as a restart would; return
    once the server has closed them all."""
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            pids = _backends(connection)
            for pid in pids:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while set(pids) & set(_backends(connection)) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        admin.dispose()
    time.sleep(0.2)  # the proxy passes the server's goodbye and close on
    return len(pids)


async def test_requests_succeed_after_the_server_ends_the_pools_connections(
    wired: Wired, wired_url: tuple[str, WireCounter]
) -> None:
    # Three connections in the pool, all idle and recently used (so none is pinged).
    connections = [wired.engine.connect() for _ in range(3)]
    for connection in connections:
        connection.execute(sa.text("SELECT 1"))
        connection.close()
    assert _terminate_the_pool(wired_url[0]) >= 3
    for row in ("assessment", "questionnaire", "list", "assessment"):
        response = await wired.client.get(_path(row, wired))
        assert response.status_code == 200, response.text
    assert _terminate_the_pool(wired_url[0]) >= 1
    response = await create_system(wired.client, name="After a restart")
    assert response.status_code == 201, response.text
