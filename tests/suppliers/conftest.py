"""Fixtures of procurement tests: a real SMTP server in this process, an app that mails to it,
an evidence folder per run, and clients for procurement and for a supplier's invitation."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.auth import Scope
from app.delivery.worker import deliver_due
from app.main import create_app
from app.settings import Settings
from tests.conftest import Org, project_root
from tests.factories import create_system

TOKEN_IN_LINK = re.compile(r"supplier-portal#token=(inv_[A-Za-z0-9_-]+)")
EVIDENCE_LIMIT = 64 * 1024


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        # Runs the outbox worker once, as `serve` would after the commit.
        self.drain: Callable[[], object] | None = None

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        if self.drain is not None:
            self.drain()
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        if self.drain is not None:
            self.drain()  # what was queued before the clear is sent before it, not after
        with self._lock:
            self._messages.clear()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int], engine: Engine, settings: Settings) -> Iterator[Inbox]:
    mailing = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server[1], "smtp_starttls": False}
    )
    box = smtp_server[0]
    box.clear()
    box.drain = lambda: deliver_due(engine, mailing)
    yield box
    box.drain = None
    box.clear()


@pytest.fixture(scope="session")
def portal_settings(
    settings: Settings, smtp_server: tuple[Inbox, int], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server[1],
            "smtp_starttls": False,
            "smtp_from": "procurement@acme.example",
            "public_base_url": "https://assess.acme.example",
            "evidence_dir": tmp_path_factory.mktemp("evidence"),
            "evidence_max_bytes": EVIDENCE_LIMIT,
            "portal_rate_limit": "10000/minute",
            "portal_ip_rate_limit": "100000/minute",
        }
    )


@pytest.fixture(scope="session")
def supplier_app(portal_settings: Settings, engine: Engine, app: FastAPI) -> FastAPI:
    return create_app(portal_settings, engine=engine, catalog=app.state.catalog)


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest_asyncio.fixture
async def make_app_client() -> AsyncIterator[ClientFactory]:
    """Clients of any app: `factory(app, authorization=None)`."""
    clients: list[httpx.AsyncClient] = []

    def factory(target: FastAPI, authorization: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": authorization} if authorization else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=target), base_url="http://test", headers=headers
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
def admin(make_app_client: ClientFactory, supplier_app: FastAPI, org: Org) -> httpx.AsyncClient:
    return make_app_client(supplier_app, f"Bearer {org.admin_key}")


@pytest.fixture
def procurement(
    make_app_client: ClientFactory, supplier_app: FastAPI, make_key: Callable[..., str]
) -> httpx.AsyncClient:
    return make_app_client(supplier_app, f"Bearer {make_key(Scope.PROCUREMENT)}")


@pytest.fixture
def portal(
    make_app_client: ClientFactory, supplier_app: FastAPI
) -> Callable[[str], httpx.AsyncClient]:
    """A supplier's client: only its invitation token."""
    return lambda token: make_app_client(supplier_app, f"Invitation {token}")


def scenario_answers(scenario_id: str = "certified_low_risk_supplier") -> dict[str, Any]:
    path = project_root() / "questionnaires" / "ai-supplier" / "2.0.0.scenarios.json"
    for scenario in json.loads(path.read_text())["scenarios"]:
        if scenario["id"] == scenario_id:
            answers: dict[str, Any] = scenario["answers"]
            return answers
    raise LookupError(scenario_id)


def due_in(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def create_supplier(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, name: str = "Acme AI GmbH"
) -> dict[str, Any]:
    system = (await create_system(admin, name="Assist chatbot")).json()
    response = await procurement.post(
        "/v1/suppliers",
        json={
            "name": name,
            "website": "https://acme-ai.example",
            "country": "DE",
            "contacts": [
                {"name": "Dana Supplier", "email": "Dana@Acme-AI.example", "role": "CISO"}
            ],
            "products": [{"name": "Acme Assist", "system_ids": [system["id"]]}],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def send_request(
    procurement: httpx.AsyncClient, supplier: dict[str, Any], **overrides: Any
) -> httpx.Response:
    body = {
        "contact_id": supplier["contacts"][0]["id"],
        "due_date": due_in(14),
        "message": "Please answer before our contract review.",
        **overrides,
    }
    return await procurement.post(f"/v1/suppliers/{supplier['id']}/requests", json=body)


def token_from(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = TOKEN_IN_LINK.search(body.get_content())
    assert found is not None, body.get_content()
    return found.group(1)


def evidence_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def to_submitted(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    answers: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], httpx.AsyncClient]:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    client = portal(token_from(inbox.messages[-1]))
    view = (await client.get("/v1/supplier-portal")).json()
    saved = await client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": answers},
        headers={"If-Match": f'"r{view["revision"]}"'},
    )
    submitted = await client.post(
        "/v1/supplier-portal/submit", headers={"If-Match": f'"r{saved.json()["revision"]}"'}
    )
    assert submitted.status_code == 200, submitted.text
    return supplier, request, client
