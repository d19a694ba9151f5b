"""Shared fixtures: one migrated database per run, an app over it, and authenticated clients.

Set TEST_DATABASE_URL (any database on a PostgreSQL server) to run on PostgreSQL; a fresh
database is created on that server for the run and dropped afterwards. Without it, SQLite.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.audit.service import Actor
from app.auth import Operator, Scope
from app.db import create_db_engine
from app.main import create_app
from app.migrate import upgrade
from app.openapi_doc import render_openapi
from app.organizations import service as org_service
from app.settings import Settings
from app.tables import metadata
from tests.databases import fresh_database

# Two shared cores run the suite next to PostgreSQL and servers: a test case's time says nothing.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

TEST_ACTOR = Actor(key_id=None, name="test fixture")


def fixture_operator(organization_id: uuid.UUID) -> Operator:
    """The fixtures acting for an organisation, named as TEST_ACTOR is."""
    return Operator(organization_id, TEST_ACTOR.name)


APPEND_ONLY_TABLES = frozenset({"audit_events", "audit_checkpoints"})


@pytest.fixture(scope="session")
def database_server() -> str | None:
    """The PostgreSQL server the run's databases are made on (TEST_DATABASE_URL); None: SQLite.

    Every test that touches a database reaches it through this fixture, which is how the second
    database's pass (`--database-tests-only`) knows which tests it has to run again.
    """
    return os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(
    database_server: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(database_server, tmp_path_factory.mktemp("db"), "run") as url:
        upgrade(url)
        yield url


@pytest.fixture
def scratch_database_url(database_server: str | None, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (not migrated), for tests that start the service process."""
    with fresh_database(database_server, tmp_path, "scratch") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    db_engine = create_db_engine(database_url)
    yield db_engine
    db_engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables (only where the test uses the database)."""
    yield
    if "engine" not in request.fixturenames:
        return
    db_engine: Engine = request.getfixturevalue("engine")
    with db_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            # The audit tables refuse DELETE (PostgreSQL): their rows go with their organisation.
            if table.name not in APPEND_ONLY_TABLES:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        key_last_used_resolution_seconds=0,
        outbox_key=SecretStr("test-outbox-key"),
        outbox_backoff_seconds=0.01,
        # The tests' webhook receivers listen on http://127.0.0.1.
        webhook_allow_http=True,
        webhook_allowed_networks="127.0.0.0/8",
    )


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    admin_key: str


@pytest.fixture
def make_org(engine: Engine) -> Callable[[str], Org]:
    def factory(slug: str) -> Org:
        with Session(engine) as session:
            org = org_service.create_organization(session, slug=slug, name=slug.title())
            created = org_service.create_key(
                session, caller=fixture_operator(org.id), name="admin", scopes=[Scope.ADMIN]
            )
            session.commit()
            return Org(id=org.id, admin_key=created.secret)

    return factory


@pytest.fixture
def org(make_org: Callable[[str], Org]) -> Org:
    return make_org("acme")


@pytest.fixture
def make_key(engine: Engine, org: Org) -> Callable[..., str]:
    """A key of the test organisation with the given scopes."""

    def factory(*scopes: Scope, organization_id: uuid.UUID | None = None) -> str:
        with Session(engine) as session:
            created = org_service.create_key(
                session,
                caller=fixture_operator(organization_id or org.id),
                name="test key",
                scopes=list(scopes),
            )
            session.commit()
            return created.secret

    return factory


@pytest_asyncio.fixture
async def make_client(app: FastAPI) -> AsyncIterator[Callable[[str | None], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def factory(key: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest_asyncio.fixture
async def client(
    make_client: Callable[[str | None], httpx.AsyncClient], org: Org
) -> httpx.AsyncClient:
    """An admin client of the organisation 'acme'."""
    return make_client(org.admin_key)


@pytest.fixture(scope="session")
def openapi_text() -> str:
    """The OpenAPI document as `make openapi` writes it, rendered once per run."""
    return render_openapi()


@pytest.fixture
def openapi_document(openapi_text: str) -> dict[str, Any]:
    """The OpenAPI document parsed: a copy of its own for every test, which may change it."""
    document: dict[str, Any] = json.loads(openapi_text)
    return document


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use a database (`make test`'s PostgreSQL pass: the others "
        "ran in the SQLite pass already, and nothing of theirs depends on the database)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    keep = [item for item in items if "database_server" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if item not in set(keep)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    where = "PostgreSQL" if os.environ.get("TEST_DATABASE_URL") else "SQLite"
    return f"database: {where}"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
