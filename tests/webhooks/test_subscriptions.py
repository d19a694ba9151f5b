"""Webhook subscriptions over HTTP: admin only, per organisation, ETag/If-Match, audited, the
secret shown once and kept encrypted, unsafe URLs refused with a clear 422."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.auth import Scope
from tests.conftest import Org, count_rows
from tests.webhooks.conftest import subscribe

URL = "https://hooks.example.com/aas"


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT action FROM audit_events WHERE entity_type = 'webhook' ORDER BY seq")
        )
        return [row[0] for row in rows]


async def test_create_read_change_and_delete(client: httpx.AsyncClient, engine: Engine) -> None:
    created = await client.post(
        "/v1/webhooks",
        json={
            "url": URL,
            "event_types": ["assessment.approved", "incident.reported", "assessment.approved"],
            "description": "GRC tool",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["assessment.approved", "incident.reported"]
    assert body["enabled"] is True
    assert created.headers["ETag"] == '"r1"'
    assert created.headers["Location"] == f"/v1/webhooks/{body['id']}"
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT secret_ciphertext FROM webhook_subscriptions"))
        assert body["secret"] not in stored.scalar_one()  # encrypted at rest
    url = f"/v1/webhooks/{body['id']}"
    fetched = await client.get(url)
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    assert fetched.headers["ETag"] == '"r1"'
    assert (await client.patch(url, json={"enabled": False})).status_code == 428
    stale = await client.patch(url, json={"enabled": False}, headers={"If-Match": '"r7"'})
    assert stale.status_code == 412
    changed = await client.patch(
        url,
        json={"enabled": False, "event_types": ["ai_system.overdue"]},
        headers={"If-Match": '"r1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["enabled"] is False
    assert changed.json()["event_types"] == ["ai_system.overdue"]
    assert changed.headers["ETag"] == '"r2"'
    assert (await client.delete(url)).status_code == 428
    assert (await client.delete(url, headers={"If-Match": '"r2"'})).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert audit_actions(engine) == ["webhook.created", "webhook.updated", "webhook.deleted"]


async def test_listed_newest_first_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    ids = [(await subscribe(client, f"{URL}/{n}"))["id"] for n in range(3)]
    first = (await client.get("/v1/webhooks", params={"limit": 2})).json()
    assert [h["id"] for h in first["items"]] == ids[::-1][:2]
    rest = (await client.get("/v1/webhooks", params={"cursor": first["next_cursor"]})).json()
    assert [h["id"] for h in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/x", "https"),
        ("https://10.0.0.8/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]:8443/x", "loopback"),
        ("https://[::ffff:192.168.1.1]/x", "private"),
        ("https://224.0.0.251/x", "multicast"),
        ("https://0.0.0.0/x", "reserved"),
        ("https://user:pw@hooks.example.com/x", "user name"),
        ("https:///no-host", "no host"),
        ("https://hooks.example.com:99999/x", "not a URL"),
    ],
)
async def test_an_unsafe_url_is_a_clear_422_and_stores_nothing(
    client: httpx.AsyncClient, engine: Engine, url: str, reason: str
) -> None:
    response = await client.post(
        "/v1/webhooks", json={"url": url, "event_types": ["assessment.approved"]}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/webhook-url-refused")
    assert problem["errors"][0]["pointer"] == "/url"
    assert reason in problem["detail"]
    assert count_rows(engine, "webhook_subscriptions") == 0


async def test_a_change_to_an_unsafe_url_is_refused(client: httpx.AsyncClient) -> None:
    hook = await subscribe(client, URL)
    refused = await client.patch(
        f"/v1/webhooks/{hook['id']}",
        json={"url": "https://192.168.0.1/"},
        headers={"If-Match": '"r1"'},
    )
    assert refused.status_code == 422
    assert (await client.get(f"/v1/webhooks/{hook['id']}")).json()["url"] == URL


async def test_bad_event_types_are_422(client: httpx.AsyncClient) -> None:
    for events in ([], ["assessment.deleted"], ["webhook.ping"]):
        response = await client.post("/v1/webhooks", json={"url": URL, "event_types": events})
        assert response.status_code == 422, events


async def test_admins_only_and_other_organisations_see_a_404(
    client: httpx.AsyncClient,
    make_key: Callable[..., str],
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    hook = await subscribe(client, URL)
    reader = make_client(make_key(Scope.READ, Scope.ASSESSMENTS_REVIEW))
    assert (await reader.get("/v1/webhooks")).status_code == 403
    assert (await reader.post("/v1/webhooks", json={"url": URL})).status_code == 403
    other = make_client(make_org("globex").admin_key)
    url = f"/v1/webhooks/{hook['id']}"
    assert (await other.get(url)).status_code == 404
    assert (await other.post(f"{url}/ping")).status_code == 404
    assert (await other.get(f"{url}/deliveries")).status_code == 404
    assert (await other.delete(url, headers={"If-Match": "*"})).status_code == 404
    assert (await other.get("/v1/webhooks")).json()["items"] == []


async def test_a_delivery_of_another_subscription_is_404(client: httpx.AsyncClient) -> None:
    first = await subscribe(client, URL)
    second = await subscribe(client, f"{URL}/2")
    ping = (await client.post(f"/v1/webhooks/{first['id']}/ping")).json()
    response = await client.get(f"/v1/webhooks/{second['id']}/deliveries/{ping['id']}")
    assert response.status_code == 404


async def test_rotation_needs_if_match_and_is_audited(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    hook = await subscribe(client, URL)
    url = f"/v1/webhooks/{hook['id']}/rotate-secret"
    assert (await client.post(url, json={})).status_code == 428
    too_long = await client.post(url, json={"overlap_seconds": 10**7}, headers={"If-Match": "*"})
    assert too_long.status_code == 422
    rotated = await client.post(url, json={}, headers={"If-Match": '"r1"'})
    assert rotated.status_code == 200
    assert audit_actions(engine) == ["webhook.created", "webhook.secret_rotated"]
