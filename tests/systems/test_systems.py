"""The AI-system inventory over HTTP: create, read, update with If-Match, list, retire."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth import Principal, Scope
from app.errors import PreconditionFailedError
from app.systems import service as systems_service
from app.systems.schemas import AISystemUpdate
from tests.concurrency import Write, overlapping_writes
from tests.conftest import Org, count_rows
from tests.factories import create_system, system_body


async def test_create_and_read_back(client: httpx.AsyncClient) -> None:
    created = await create_system(client)
    body = created.json()
    assert body["status"] == "active"
    assert body["revision"] == 1
    assert created.headers["ETag"] == '"r1"'
    assert created.headers["Location"] == f"/v1/ai-systems/{body['id']}"
    fetched = await client.get(f"/v1/ai-systems/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == '"r1"'


async def test_malformed_body_is_422_with_pointers_and_stores_nothing(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    response = await client.post(
        "/v1/ai-systems",
        json=system_body(name="", sourcing="stolen", deployment_regions=["Germany"], extra=1),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"/name", "/sourcing", "/deployment_regions/0", "/extra"} <= pointers
    assert count_rows(engine, "ai_systems") == 0


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/ai-systems", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-body"


async def test_patch_requires_if_match(client: httpx.AsyncClient) -> None:
    system = (await create_system(client)).json()
    response = await client.patch(f"/v1/ai-systems/{system['id']}", json={"owner": "CHRO"})
    assert response.status_code == 428
    assert (await client.get(f"/v1/ai-systems/{system['id']}")).json()["owner"] == "Head of Talent"


async def test_patch_with_current_etag_updates_and_bumps_revision(
    client: httpx.AsyncClient,
) -> None:
    created = await create_system(client)
    system_id = created.json()["id"]
    response = await client.patch(
        f"/v1/ai-systems/{system_id}",
        json={"owner": "CHRO", "tags": ["hr"], "business_unit": None},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == "CHRO"
    assert body["tags"] == ["hr"]
    assert body["business_unit"] is None
    assert body["name"] == "CV screener"
    assert body["revision"] == 2
    assert response.headers["ETag"] == '"r2"'


async def test_stale_if_match_is_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await create_system(client)
    system_id = created.json()["id"]
    first = await client.patch(
        f"/v1/ai-systems/{system_id}", json={"owner": "A"}, headers={"If-Match": '"r1"'}
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/v1/ai-systems/{system_id}", json={"owner": "B"}, headers={"If-Match": '"r1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"r2"'
    assert (await client.get(f"/v1/ai-systems/{system_id}")).json()["owner"] == "A"


async def test_null_for_a_required_field_is_422(client: httpx.AsyncClient) -> None:
    created = await create_system(client)
    response = await client.patch(
        f"/v1/ai-systems/{created.json()['id']}",
        json={"name": None},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 422


async def test_retire_keeps_the_system_and_hides_it_from_default_list(
    client: httpx.AsyncClient,
) -> None:
    created = await create_system(client)
    system_id = created.json()["id"]
    retired = await client.post(
        f"/v1/ai-systems/{system_id}/retire", headers={"If-Match": created.headers["ETag"]}
    )
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    assert retired.json()["retired_at"] is not None
    assert (await client.get("/v1/ai-systems")).json()["items"] == []
    listed = (await client.get("/v1/ai-systems", params={"status": "retired"})).json()["items"]
    assert [s["id"] for s in listed] == [system_id]
    again = await client.post(
        f"/v1/ai-systems/{system_id}/retire", headers={"If-Match": retired.headers["ETag"]}
    )
    assert again.status_code == 409
    change = await client.patch(
        f"/v1/ai-systems/{system_id}",
        json={"owner": "x"},
        headers={"If-Match": retired.headers["ETag"]},
    )
    assert change.status_code == 409


async def test_list_filters(client: httpx.AsyncClient) -> None:
    a = (
        await create_system(
            client,
            name="Chatbot",
            tags=["customer"],
            sourcing="in_house",
            deployment_regions=["EU"],
        )
    ).json()
    b = (
        await create_system(client, name="CV screener", tags=["hr"], deployment_regions=["DE"])
    ).json()

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/v1/ai-systems", params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert await ids() == [b["id"], a["id"]]
    assert await ids(tag="hr") == [b["id"]]
    assert await ids(tag="h") == []
    assert await ids(region="EU") == [a["id"]]
    assert await ids(sourcing="in_house") == [a["id"]]
    assert await ids(q="chat") == [a["id"]]
    assert await ids(q="%") == []
    assert await ids(business_unit="HR") == [b["id"], a["id"]]


async def test_cursor_pagination_walks_every_system_once(client: httpx.AsyncClient) -> None:
    created = {(await create_system(client, name=f"System {i}")).json()["id"] for i in range(7)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/ai-systems", params=params)).json()
        seen += [s["id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == 7
    assert set(seen) == created


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"cursor": "garbage!"}])
async def test_bad_list_parameters_are_4xx(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/v1/ai-systems", params=params)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] in ("limit", "cursor")


async def test_another_organisations_system_is_404(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    created = await create_system(client)
    system_id = created.json()["id"]
    intruder = make_client(make_org("globex").admin_key)
    assert (await intruder.get(f"/v1/ai-systems/{system_id}")).status_code == 404
    patched = await intruder.patch(
        f"/v1/ai-systems/{system_id}", json={"owner": "x"}, headers={"If-Match": '"r1"'}
    )
    assert patched.status_code == 404
    assert (await intruder.get("/v1/ai-systems")).json()["items"] == []


async def test_read_scope_cannot_write(
    make_client: Callable[[str | None], httpx.AsyncClient], make_key: Callable[..., str]
) -> None:
    reader = make_client(make_key(Scope.READ))
    response = await reader.post("/v1/ai-systems", json=system_body())
    assert response.status_code == 403
    writer = make_client(make_key(Scope.SYSTEMS_WRITE))
    assert (await writer.post("/v1/ai-systems", json=system_body())).status_code == 201


async def test_idempotency_key_replays_the_first_creation(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    headers = {"Idempotency-Key": "create-cv-screener-1"}
    first = await client.post("/v1/ai-systems", json=system_body(), headers=headers)
    retry = await client.post("/v1/ai-systems", json=system_body(), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert count_rows(engine, "ai_systems") == 1

    reused = await client.post(
        "/v1/ai-systems", json=system_body(name="Something else"), headers=headers
    )
    assert reused.status_code == 422
    assert reused.json()["type"] == "/problems/idempotency-key-reused"
    assert count_rows(engine, "ai_systems") == 1


async def test_two_updates_at_once_never_lose_one(
    client: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    """The second update of the same revision waits for the first, then gets 412; with
    `If-Match: *` it applies on top of the first instead of over a stale copy."""
    system_id = uuid.UUID((await create_system(client)).json()["id"])
    caller = Principal(organization_id=org.id, scopes=frozenset({"admin"}), key_name="test")

    def update(if_match: str, **fields: Any) -> Write:
        def write(session: Session) -> None:
            systems_service.update_system(
                session,
                caller=caller,
                system_id=system_id,
                data=AISystemUpdate.model_validate(fields),
                if_match=if_match,
            )

        return write

    waited, error = overlapping_writes(
        engine, update('"r1"', owner="Tab one"), update('"r1"', business_unit="Tab two")
    )
    assert waited
    assert isinstance(error, PreconditionFailedError)
    waited, error = overlapping_writes(
        engine, update('"r2"', purpose="Ranks applications."), update("*", tags=["merged"])
    )
    assert waited
    assert error is None
    body = (await client.get(f"/v1/ai-systems/{system_id}")).json()
    assert body["revision"] == 4
    assert (body["owner"], body["business_unit"]) == ("Tab one", "HR")
    assert (body["purpose"], body["tags"]) == ("Ranks applications.", ["merged"])


async def test_retire_needs_the_current_etag_and_an_unchanged_patch_changes_nothing(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    created = await create_system(client)
    system_id, etag = created.json()["id"], created.headers["ETag"]
    path = f"/v1/ai-systems/{system_id}"
    assert (await client.post(f"{path}/retire")).status_code == 428
    stale = await client.post(f"{path}/retire", headers={"If-Match": '"r0"'})
    assert stale.status_code == 412
    events = count_rows(engine, "audit_events")

    same = await client.patch(path, json={"owner": "Head of Talent"}, headers={"If-Match": etag})
    assert same.status_code == 200
    assert same.headers["ETag"] == etag
    assert same.json()["status"] == "active"
    assert count_rows(engine, "audit_events") == events
