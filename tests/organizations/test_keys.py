"""API keys: authentication, scopes, listing, revocation, last use."""

import uuid
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.auth import Operator, Scope, hash_key
from app.errors import PROBLEM_MEDIA_TYPE, ConflictError
from app.main import create_app
from app.organizations import service as org_service
from app.organizations.models import ApiKey
from app.settings import Settings
from tests.concurrency import Write, overlapping_writes
from tests.conftest import Org
from tests.factories import system_body


async def test_missing_key_is_401_problem(
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    response = await make_client(None).get("/v1/ai-systems")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["type"] == "/problems/unauthenticated"


async def test_a_request_without_a_key_never_reaches_the_database(
    make_client: Callable[[str | None], httpx.AsyncClient], engine: Engine
) -> None:
    """Refused before its route opens a transaction: an anonymous write takes no write lock."""
    checkouts: list[object] = []

    def count(*_: object) -> None:
        checkouts.append(_)

    sa.event.listen(engine, "checkout", count)
    try:
        anonymous = make_client(None)
        created = await anonymous.post("/v1/ai-systems", json={"name": "x"})
        listed = await anonymous.get("/v1/assessments")
    finally:
        sa.event.remove(engine, "checkout", count)
    assert (created.status_code, listed.status_code) == (401, 401)
    assert checkouts == []


async def test_wrong_key_is_401(make_client: Callable[[str | None], httpx.AsyncClient]) -> None:
    response = await make_client("aas_not-a-real-key").get("/v1/ai-systems")
    assert response.status_code == 401


async def test_key_without_scope_is_403(
    make_client: Callable[[str | None], httpx.AsyncClient], make_key: Callable[..., str]
) -> None:
    reader = make_client(make_key(Scope.READ))
    assert (await reader.get("/v1/ai-systems")).status_code == 200
    response = await reader.post("/v1/api-keys", json={"name": "x", "scopes": ["read"]})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/insufficient-scope"
    assert "admin" in response.json()["detail"]


async def test_created_key_is_shown_once_and_works(
    client: httpx.AsyncClient, make_client: Callable[[str | None], httpx.AsyncClient]
) -> None:
    created = await client.post("/v1/api-keys", json={"name": "ci pipeline", "scopes": ["read"]})
    assert created.status_code == 201
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("aas_")
    assert len(secret) >= 40
    assert body["prefix"] == secret[:12]
    assert body["scopes"] == ["read"]

    fetched = await client.get(f"/v1/api-keys/{body['id']}")
    assert "secret" not in fetched.json()
    listed = await client.get("/v1/api-keys")
    assert all("secret" not in k for k in listed.json()["items"])
    assert secret not in listed.text

    me = await make_client(secret).get("/v1/me")
    assert me.status_code == 200
    assert me.json()["key"]["name"] == "ci pipeline"
    assert me.json()["organization"]["slug"] == "acme"


async def test_last_used_is_recorded(
    client: httpx.AsyncClient, make_client: Callable[[str | None], httpx.AsyncClient]
) -> None:
    created = (await client.post("/v1/api-keys", json={"name": "k", "scopes": ["read"]})).json()
    assert created["last_used_at"] is None
    await make_client(created["secret"]).get("/v1/ai-systems")
    after = (await client.get(f"/v1/api-keys/{created['id']}")).json()
    assert after["last_used_at"] is not None


async def test_revoked_key_stops_working(
    client: httpx.AsyncClient, make_client: Callable[[str | None], httpx.AsyncClient]
) -> None:
    created = (await client.post("/v1/api-keys", json={"name": "k", "scopes": ["read"]})).json()
    user = make_client(created["secret"])
    assert (await user.get("/v1/ai-systems")).status_code == 200
    revoked = await client.post(f"/v1/api-keys/{created['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert (await user.get("/v1/ai-systems")).status_code == 401
    again = await client.post(f"/v1/api-keys/{created['id']}/revoke")
    assert again.status_code == 409
    active = (await client.get("/v1/api-keys")).json()["items"]
    assert created["id"] not in [k["id"] for k in active]
    everything = (await client.get("/v1/api-keys", params={"include_revoked": True})).json()
    assert created["id"] in [k["id"] for k in everything["items"]]


async def test_last_admin_key_cannot_be_revoked(client: httpx.AsyncClient) -> None:
    me = (await client.get("/v1/me")).json()
    response = await client.post(f"/v1/api-keys/{me['key']['id']}/revoke")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/last-admin-key"
    assert (await client.get("/v1/me")).status_code == 200


async def test_unknown_scope_is_422_with_pointer(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/api-keys", json={"name": "k", "scopes": ["root"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/scopes/0"


@pytest.mark.parametrize("personal", [0, "false", "no", None])
async def test_personal_must_be_a_json_boolean(client: httpx.AsyncClient, personal: object) -> None:
    body = {"name": "ci", "scopes": ["read"], "personal": personal}
    response = await client.post("/v1/api-keys", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/personal"


async def test_keys_of_another_organisation_are_invisible(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    other = make_org("globex")
    mine = (await client.post("/v1/api-keys", json={"name": "k", "scopes": ["read"]})).json()
    intruder = make_client(other.admin_key)
    assert (await intruder.get(f"/v1/api-keys/{mine['id']}")).status_code == 404
    assert (await intruder.post(f"/v1/api-keys/{mine['id']}/revoke")).status_code == 404
    listed = (await intruder.get("/v1/api-keys")).json()["items"]
    assert mine["id"] not in [k["id"] for k in listed]


async def test_two_admins_revoking_each_other_at_once_leave_one(
    engine: Engine, org: Org, make_key: Callable[..., str]
) -> None:
    make_key(Scope.ADMIN)
    with Session(engine) as session:
        first, second = (
            k.id
            for k in session.exec(
                select(ApiKey).where(ApiKey.organization_id == org.id).order_by(col(ApiKey.id))
            ).all()
        )
    operator = Operator(org.id, "concurrency test")

    def revoke(key_id: uuid.UUID) -> Write:
        def write(session: Session) -> None:
            org_service.revoke_key(session, caller=operator, key_id=key_id)

        return write

    waited, error = overlapping_writes(engine, revoke(first), revoke(second))
    assert waited
    assert isinstance(error, ConflictError)
    assert error.type == "last-admin-key"
    with Session(engine) as session:
        active = session.exec(
            select(ApiKey).where(ApiKey.organization_id == org.id, col(ApiKey.revoked_at).is_(None))
        ).all()
    assert [k.id for k in active] == [second]


async def test_last_use_is_written_at_most_once_per_resolution_window(
    engine: Engine,
    settings: Settings,
    make_key: Callable[..., str],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    secret = make_key(Scope.READ, Scope.SYSTEMS_WRITE)

    def last_used() -> datetime | None:
        with Session(engine) as session:
            key = session.exec(select(ApiKey).where(ApiKey.secret_hash == hash_key(secret))).one()
            return key.last_used_at

    hourly = create_app(
        settings.model_copy(update={"key_last_used_resolution_seconds": 3600}), engine=engine
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hourly),
        base_url="http://test",
        headers={"Authorization": f"Bearer {secret}"},
    ) as client:
        assert (await client.get("/v1/ai-systems")).status_code == 200  # a read
        first = last_used()
        assert first is not None
        assert (await client.post("/v1/ai-systems", json=system_body())).status_code == 201
        assert (await client.get("/v1/ai-systems")).status_code == 200
        assert last_used() == first  # inside the window: not written again, read or write

    # The suite's app writes on every use (a window of 0 seconds).
    assert (await make_client(secret).post("/v1/ai-systems", json=system_body())).status_code == 201
    later = last_used()
    assert later is not None
    assert later > first


async def test_another_scheme_or_an_empty_bearer_is_401(
    app: FastAPI, make_key: Callable[..., str]
) -> None:
    secret = make_key(Scope.READ)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        for header in (f"Basic {secret}", "Bearer ", "Bearer", secret):
            response = await client.get("/v1/ai-systems", headers={"Authorization": header})
            assert response.status_code == 401, header
            assert response.json()["type"] == "/problems/unauthenticated"
