"""Invitation tokens: one request each, hashed, expiring, revocable, replaced on resend; and the
limits of what a token opens."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import col

from app.auth import Scope
from app.db import utcnow
from app.main import create_app
from app.settings import Settings
from app.suppliers.models import Invitation
from tests.conftest import Org, count_rows
from tests.suppliers.conftest import ClientFactory, Inbox, create_supplier, send_request, token_from


def _comparable(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k not in ("instance", "request_id")}


async def test_resend_issues_a_new_token_and_kills_the_old_one(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    old = token_from(inbox.messages[-1])
    assert (await portal(old).get("/v1/supplier-portal")).status_code == 200

    resent = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/invitation",
        json={"due_date": request["due_date"], "message": "Second try."},
    )
    assert resent.status_code == 200, resent.text
    assert resent.json()["delivery"] == "queued"
    assert len(inbox.messages) == 2
    new = token_from(inbox.messages[-1])
    assert new != old
    assert (await portal(old).get("/v1/supplier-portal")).status_code == 404
    reopened = await portal(new).get("/v1/supplier-portal")
    assert reopened.status_code == 200
    assert reopened.json()["message"] == "Second try."


async def test_unknown_expired_and_revoked_tokens_get_the_same_404(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    engine: Engine,
) -> None:
    supplier = await create_supplier(procurement, admin)
    expiring = (await send_request(procurement, supplier)).json()
    expiring_token = token_from(inbox.messages[-1])
    revoked = (await send_request(procurement, supplier)).json()
    revoked_token = token_from(inbox.messages[-1])
    assert (await portal(expiring_token).get("/v1/supplier-portal")).status_code == 200
    assert (await portal(revoked_token).get("/v1/supplier-portal")).status_code == 200

    with engine.begin() as connection:
        connection.execute(
            sa.update(Invitation)
            .where(col(Invitation.request_id) == uuid.UUID(expiring["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    revoke = await procurement.post(f"/v1/supplier-requests/{revoked['id']}/invitation/revoke")
    assert revoke.status_code == 200
    assert revoke.json()["invitation"]["state"] == "revoked"
    listed = (await procurement.get(f"/v1/supplier-requests/{expiring['id']}")).json()
    assert listed["invitation"]["state"] == "expired"

    answers = {
        "unknown": await portal("inv_" + "A" * 43).get("/v1/supplier-portal"),
        "not even a token": await portal("hello").get("/v1/supplier-portal"),
        "expired": await portal(expiring_token).get("/v1/supplier-portal"),
        "revoked": await portal(revoked_token).get("/v1/supplier-portal"),
        "revoked, writing": await portal(revoked_token).patch(
            "/v1/supplier-portal/answers", json={"answers": {}}, headers={"If-Match": '"r1"'}
        ),
    }
    bodies = []
    for what, response in answers.items():
        assert response.status_code == 404, (what, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        bodies.append(_comparable(response.json()))
    assert all(body == bodies[0] for body in bodies), bodies


async def test_tokens_are_stored_only_as_hashes(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    inbox: Inbox,
    engine: Engine,
) -> None:
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier, message="hash check")
    token = token_from(inbox.messages[-1])
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM supplier_invitations")).all()
        dumped = [
            str(row)
            for table in ("supplier_invitations", "vendor_requests", "audit_events")
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")).all()
        ]
    assert [row[0] for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert not any(token in row or token[4:] in row for row in dumped)


async def test_an_invitation_token_is_not_an_api_key(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    make_app_client: ClientFactory,
    supplier_app: FastAPI,
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    token = token_from(inbox.messages[-1])
    for scheme in ("Invitation", "Bearer"):
        client = make_app_client(supplier_app, f"{scheme} {token}")
        for method, path in (
            ("GET", "/v1/ai-systems"),
            ("GET", "/v1/me"),
            ("GET", "/v1/suppliers"),
            ("GET", f"/v1/supplier-requests/{request['id']}"),
            ("GET", "/v1/assessments"),
            ("POST", "/v1/suppliers"),
        ):
            response = await client.request(method, path, json={})
            assert response.status_code == 401, (scheme, path, response.text)
            assert response.json()["type"] == "/problems/unauthenticated"
    # ...and an API key opens nothing in the portal.
    as_key = make_app_client(supplier_app, procurement.headers["Authorization"])
    assert (await as_key.get("/v1/supplier-portal")).status_code == 401


async def test_without_smtp_the_link_is_returned_once(
    settings: Settings,
    engine: Engine,
    supplier_app: FastAPI,
    make_app_client: ClientFactory,
    make_key: Callable[..., str],
    org: Org,
    inbox: Inbox,
) -> None:
    mailless = create_app(
        settings.model_copy(update={"public_base_url": "https://assess.acme.example"}),
        engine=engine,
        catalog=supplier_app.state.catalog,
    )
    procurement = make_app_client(mailless, f"Bearer {make_key(Scope.PROCUREMENT)}")
    admin = make_app_client(mailless, f"Bearer {org.admin_key}")
    supplier = await create_supplier(procurement, admin)
    body = {"contact_id": supplier["contacts"][0]["id"], "due_date": "2099-01-31"}
    path = f"/v1/suppliers/{supplier['id']}/requests"
    headers = {"Idempotency-Key": "send-once"}
    first = await procurement.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["delivery"] == "not_configured"
    link = first.json()["link"]
    assert link.startswith("https://assess.acme.example/supplier-portal#token=inv_")
    assert inbox.messages == []
    token = link.split("#token=", 1)[1]
    supplier_client = make_app_client(mailless, f"Invitation {token}")
    assert (await supplier_client.get("/v1/supplier-portal")).status_code == 200

    replay = await procurement.post(path, json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["link"] is None  # the link is never stored, so never replayed
    assert count_rows(engine, "vendor_requests") == 1
    with engine.connect() as connection:
        records = connection.execute(sa.text("SELECT body FROM idempotency_records")).all()
    assert records
    assert not any(token in str(r) for r in records)


@pytest.mark.parametrize("limit", ["per token", "per address"])
async def test_portal_requests_are_rate_limited(
    limit: str,
    portal_settings: Settings,
    engine: Engine,
    supplier_app: FastAPI,
    make_app_client: ClientFactory,
    make_key: Callable[..., str],
    org: Org,
    inbox: Inbox,
) -> None:
    rates = (
        {"portal_rate_limit": "3/minute", "portal_ip_rate_limit": "1000/minute"}
        if limit == "per token"
        else {"portal_rate_limit": "1000/minute", "portal_ip_rate_limit": "3/minute"}
    )
    limited = create_app(
        portal_settings.model_copy(update=rates),
        engine=engine,
        catalog=supplier_app.state.catalog,
    )
    procurement = make_app_client(limited, f"Bearer {make_key(Scope.PROCUREMENT)}")
    admin = make_app_client(limited, f"Bearer {org.admin_key}")
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier)
    token = token_from(inbox.messages[-1])
    client = make_app_client(limited, f"Invitation {token}")
    for _ in range(3):
        assert (await client.get("/v1/supplier-portal")).status_code == 200
    blocked = await client.get("/v1/supplier-portal")
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    other_token = make_app_client(limited, "Invitation inv_" + "B" * 43)
    # Per token: another token (unknown here) is not held back; per address: every token is.
    expected = 404 if limit == "per token" else 429
    assert (await other_token.get("/v1/supplier-portal")).status_code == expected
    # API endpoints are not limited by the portal's limits.
    assert (await procurement.get("/v1/suppliers")).status_code == 200


async def test_other_organisations_see_nothing(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    make_app_client: ClientFactory,
    supplier_app: FastAPI,
    make_org: Callable[[str], Org],
    make_key: Callable[..., str],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    other_org = make_org("globex")
    other = make_app_client(
        supplier_app,
        f"Bearer {make_key(Scope.PROCUREMENT, organization_id=other_org.id)}",
    )
    contact_id = supplier["contacts"][0]["id"]
    for method, path, body in (
        ("GET", f"/v1/suppliers/{supplier['id']}", None),
        ("PATCH", f"/v1/suppliers/{supplier['id']}", {"name": "mine now"}),
        ("POST", f"/v1/suppliers/{supplier['id']}/contacts", {"name": "x", "email": "x@y.example"}),
        ("POST", f"/v1/suppliers/{supplier['id']}/products", {"name": "x"}),
        (
            "POST",
            f"/v1/suppliers/{supplier['id']}/requests",
            {"contact_id": contact_id, "due_date": "2099-01-01"},
        ),
        ("GET", f"/v1/supplier-requests/{request['id']}", None),
        ("POST", f"/v1/supplier-requests/{request['id']}/invitation", None),
        ("POST", f"/v1/supplier-requests/{request['id']}/invitation/revoke", None),
        ("POST", f"/v1/supplier-requests/{request['id']}/review", {"decision": "accept"}),
    ):
        headers = {"If-Match": '"r1"'} if method == "PATCH" or path.endswith("/review") else {}
        response = await other.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (path, response.text)
    assert (await other.get("/v1/suppliers")).json()["items"] == []
    assert (await other.get("/v1/supplier-requests")).json()["items"] == []
    # A product cannot link another organisation's AI system either.
    foreign = await other.post(
        "/v1/suppliers",
        json={
            "name": "Globex AI",
            "products": [{"name": "p", "system_ids": supplier["products"][0]["system_ids"]}],
        },
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "/products/0/system_ids/0"


async def test_scopes(
    admin: httpx.AsyncClient,
    procurement: httpx.AsyncClient,
    make_app_client: ClientFactory,
    supplier_app: FastAPI,
    make_key: Callable[..., str],
) -> None:
    supplier = await create_supplier(procurement, admin)
    reader = make_app_client(supplier_app, f"Bearer {make_key(Scope.READ)}")
    assert (await reader.get(f"/v1/suppliers/{supplier['id']}")).status_code == 200
    assert (await reader.get("/v1/supplier-requests")).status_code == 200
    denied = await reader.post("/v1/suppliers", json={"name": "Nope"})
    assert denied.status_code == 403
    writer = make_app_client(supplier_app, f"Bearer {make_key(Scope.ASSESSMENTS_WRITE)}")
    assert (await writer.get(f"/v1/suppliers/{supplier['id']}")).status_code == 403


async def test_the_first_use_of_a_link_is_recorded_once(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    path = f"/v1/supplier-requests/{request['id']}"

    async def first_opened() -> str | None:
        opened: str | None = (await procurement.get(path)).json()["invitation"]["first_opened_at"]
        return opened

    assert await first_opened() is None
    supplier_client = portal(token_from(inbox.messages[-1]))
    assert (await supplier_client.get("/v1/supplier-portal")).status_code == 200  # a read
    opened = await first_opened()
    assert opened is not None
    assert (await supplier_client.get("/v1/supplier-portal")).status_code == 200
    assert await first_opened() == opened
