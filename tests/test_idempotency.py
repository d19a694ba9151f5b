"""Idempotency-Key: the key belongs to one request (method, path and body) of one organisation."""

from collections.abc import Callable

import httpx

from tests.conftest import Org
from tests.factories import system_body


async def test_a_key_used_on_another_endpoint_is_rejected(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    created = await client.post("/v1/ai-systems", json=system_body(), headers=headers)
    assert created.status_code == 201
    other = await client.post(
        "/v1/assessments",
        json={"system_id": created.json()["id"], "questionnaire_key": "ai-use-triage"},
        headers=headers,
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    listed = await client.get("/v1/assessments")
    assert listed.json()["items"] == []


async def test_keys_of_two_organisations_do_not_collide(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    headers = {"Idempotency-Key": "same-key"}
    mine = await client.post("/v1/ai-systems", json=system_body(), headers=headers)
    other = make_client(make_org("globex").admin_key)
    theirs = await other.post("/v1/ai-systems", json=system_body(), headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
