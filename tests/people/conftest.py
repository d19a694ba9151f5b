"""People fixtures: an app with cheap Argon2 parameters, https clients that keep cookies, users."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth import Role
from app.main import create_app
from app.people import service
from app.people.passwords import Passwords
from app.settings import Settings
from tests.conftest import Org, fixture_operator

ORIGIN = "https://assess.example"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def people_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "public_base_url": ORIGIN,
            "trusted_origins": "http://localhost:5173",
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
        }
    )


@pytest.fixture
def people_app(people_settings: Settings, engine: Engine, app: FastAPI) -> FastAPI:
    """A fresh app per test: its sign-in limiter starts empty."""
    return create_app(people_settings, engine=engine, catalog=app.state.catalog)


@pytest_asyncio.fixture
async def browser(people_app: FastAPI) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients like a browser of the web app: https (so Secure cookies are kept), our Origin."""
    clients: list[httpx.AsyncClient] = []

    def factory(origin: str | None = ORIGIN, client_ip: str = "10.0.0.1") -> httpx.AsyncClient:
        headers = {"Origin": origin} if origin else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=people_app, client=(client_ip, 1234)),
            base_url="https://assess.example",
            headers=headers,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    password: str


@pytest.fixture
def make_person(engine: Engine, org: Org, people_settings: Settings) -> Callable[..., Person]:
    passwords = Passwords(
        time_cost=people_settings.argon2_time_cost, memory_kib=people_settings.argon2_memory_kib
    )

    def factory(
        email: str, role: Role = Role.ADMIN, organization_id: uuid.UUID | None = None
    ) -> Person:
        with Session(engine) as session:
            user = service.create_user(
                session,
                caller=fixture_operator(organization_id or org.id),
                email=email,
                display_name=email.split("@")[0].title(),
                role=role,
                password_hash=passwords.hash(PASSWORD),
            )
            session.commit()
            return Person(user.id, email, PASSWORD)

    return factory


async def sign_in(client: httpx.AsyncClient, person: Person) -> httpx.Response:
    response = await client.post(
        "/v1/auth/sign-in", json={"email": person.email, "password": person.password}
    )
    assert response.status_code == 200, response.text
    return response
