"""With e-mail on, invitations and password resets go out by mail and no link is returned."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.auth import Role
from app.main import create_app
from app.settings import Settings
from tests.people.conftest import ORIGIN, Person, sign_in
from tests.suppliers.conftest import Inbox, inbox, smtp_server

__all__ = ["inbox", "smtp_server"]  # fixtures shared with the supplier tests


@pytest_asyncio.fixture
async def mailing_browser(
    people_settings: Settings,
    smtp_server: tuple[Inbox, int],
    engine: Engine,
    app: FastAPI,
) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    settings = people_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server[1], "smtp_starttls": False}
    )
    mailing = create_app(settings, engine=engine, catalog=app.state.catalog)
    clients: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=mailing), base_url=ORIGIN, headers={"Origin": ORIGIN}
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


async def test_invitations_and_resets_are_mailed(
    mailing_browser: Callable[[], httpx.AsyncClient],
    make_person: Callable[..., Person],
    inbox: Inbox,
) -> None:
    admin = mailing_browser()
    await sign_in(admin, make_person("alice@acme.example", Role.ADMIN))
    invited = await admin.post(
        "/v1/users/invitations", json={"email": "bob@acme.example", "role": "viewer"}
    )
    assert invited.status_code == 201
    assert invited.json()["link"] is None
    (message,) = inbox.messages
    assert message["To"] == "bob@acme.example"
    assert f"{ORIGIN}/accept-invitation#token=" in message.get_content()
    inbox.clear()

    client = mailing_browser()
    for email in ("alice@acme.example", "nobody@acme.example"):
        response = await client.post("/v1/auth/password-reset", json={"email": email})
        assert response.status_code == 202
    (reset,) = inbox.messages  # only the real account gets one
    assert reset["To"] == "alice@acme.example"
    assert f"{ORIGIN}/reset-password#token=" in reset.get_content()
