"""What a supplier (or a bad record) can send that must stay a client problem: deep JSON evidence,
spoofing file names, aborted uploads, forwarded addresses, names that would break an e-mail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.types import Message

from app.delivery.mail import Mailer, MailError
from app.main import create_app
from app.settings import Settings
from tests.conftest import Org, count_rows
from tests.suppliers.conftest import (
    ClientFactory,
    Inbox,
    create_supplier,
    evidence_files,
    send_request,
    token_from,
)


@pytest.fixture
async def token(procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox) -> str:
    supplier = await create_supplier(procurement, admin)
    response = await send_request(procurement, supplier)
    assert response.status_code == 201, response.text
    return token_from(inbox.messages[-1])


async def _upload(
    client: httpx.AsyncClient, content: bytes, content_type: str, filename: str
) -> httpx.Response:
    return await client.post(
        "/v1/supplier-portal/evidence",
        params={"filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )


async def test_json_evidence_nested_2000_deep_is_refused_not_a_500(
    portal: Callable[[str], httpx.AsyncClient], token: str, engine: Engine
) -> None:
    body = b"[" * 2000 + b"]" * 2000
    response = await _upload(portal(token), body, "application/json", "deep.json")
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert count_rows(engine, "supplier_evidence") == 0


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("invoice\u202etxt.exe", "invoice_txt.exe"),
        ("a\u2066b\u2069.pdf", "a_b_.pdf"),
        ("zero\u200bwidth.txt", "zero_width.txt"),
        ("line\u2028break.txt", "line_break.txt"),
        ("c1\x85.txt", "c1_.txt"),
        ("Bericht über KI.txt", "Bericht über KI.txt"),
    ],
)
async def test_control_and_bidi_characters_leave_evidence_file_names(
    portal: Callable[[str], httpx.AsyncClient], token: str, sent: str, kept: str
) -> None:
    response = await _upload(portal(token), b"plain text", "text/plain", sent)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == kept


async def test_an_aborted_upload_is_not_a_server_error(
    supplier_app: FastAPI,
    portal_settings: Settings,
    token: str,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"first part of a file", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/supplier-portal/evidence",
        "raw_path": b"/v1/supplier-portal/evidence",
        "query_string": b"filename=report.txt",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"authorization", f"Invitation {token}".encode()),
            (b"content-type", b"text/plain"),
            (b"content-length", b"1000"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    with caplog.at_level(logging.INFO):
        await supplier_app(scope, receive, send)
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(status < 500 for status in statuses), statuses
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert [r for r in caplog.records if r.getMessage() == "client disconnected"]
    assert count_rows(engine, "supplier_evidence") == 0
    assert evidence_files(portal_settings.evidence_dir / ".incoming") == []


async def test_an_organisation_name_with_a_line_break_does_not_break_invitations(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox, engine: Engine, org: Org
) -> None:
    # A name stored before names were checked: the invitation still goes out.
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE organizations SET name = :name WHERE id = :id"),
            {"name": "Acme\r\nBcc: victim@example.com", "id": org.id.hex}
            if engine.dialect.name == "sqlite"
            else {"name": "Acme\r\nBcc: victim@example.com", "id": org.id},
        )
    supplier = await create_supplier(procurement, admin)
    response = await send_request(procurement, supplier)
    assert response.status_code == 201, response.text
    message = inbox.messages[-1]
    assert message["Subject"].strip().startswith("Acme Bcc: victim@example.com: ")
    assert message["Bcc"] is None


def test_a_header_the_email_package_refuses_is_a_mail_error_not_a_crash() -> None:
    mailer = Mailer(
        host="127.0.0.1",
        port=1,
        user=None,
        password=None,
        sender="a@example.com",
        starttls=False,
        timeout=1,
    )
    with pytest.raises(MailError):
        mailer.send(to="x@example.com\r\nBcc: y@example.com", subject="s", body="b")


# -- the per-address limit of the portal and forwarded addresses -------------------------------


def _limited_app(settings: Settings, engine: Engine, catalog: Any, trusted: str) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={"portal_ip_rate_limit": "3/minute", "trusted_proxies": trusted}
        ),
        engine=engine,
        catalog=catalog,
    )


async def _statuses(client: httpx.AsyncClient, forwarded: list[str]) -> list[int]:
    statuses = []
    for address in forwarded:
        response = await client.get(
            "/v1/supplier-portal",
            headers={"Authorization": "Invitation inv_unknown", "X-Forwarded-For": address},
        )
        statuses.append(response.status_code)
    return statuses


async def test_forwarded_addresses_are_ignored_by_default(
    portal_settings: Settings,
    engine: Engine,
    supplier_app: FastAPI,
    make_app_client: ClientFactory,
) -> None:
    app = _limited_app(portal_settings, engine, supplier_app.state.catalog, "")
    rotating = [f"203.0.113.{i}" for i in range(5)]
    # The peer (127.0.0.1 here) is the client: rotating the header does not reset its limit.
    assert await _statuses(make_app_client(app), rotating) == [404, 404, 404, 429, 429]


async def test_forwarded_addresses_count_from_a_trusted_proxy(
    portal_settings: Settings,
    engine: Engine,
    supplier_app: FastAPI,
    make_app_client: ClientFactory,
) -> None:
    app = _limited_app(portal_settings, engine, supplier_app.state.catalog, "127.0.0.1, 10.0.0.0/8")
    client = make_app_client(app)
    rotating = [f"203.0.113.{i}" for i in range(5)]
    assert await _statuses(client, rotating) == [404] * 5
    assert await _statuses(client, ["198.51.100.7"] * 4) == [404, 404, 404, 429]


async def test_an_address_with_whitespace_around_is_refused_as_the_contract_says(
    procurement: httpx.AsyncClient,
) -> None:
    body = {"name": "Acme", "contacts": [{"name": "Ann", "email": " ann@acme.example "}]}
    response = await procurement.post("/v1/suppliers", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "/contacts/0/email"
