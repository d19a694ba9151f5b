"""The audit log records every change, chains it by hash, and detects tampering."""

from collections.abc import Callable

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.audit import service as audit
from app.audit.service import Actor, Entry
from tests.audit.tampering import tampering
from tests.conftest import Org
from tests.factories import create_system


async def _events(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    """The events in chain order (the API lists them newest first)."""
    response = await client.get("/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items[::-1]


async def test_changes_are_recorded_with_before_and_after(client: httpx.AsyncClient) -> None:
    created = await create_system(client)
    system_id = created.json()["id"]
    await client.patch(
        f"/v1/ai-systems/{system_id}", json={"owner": "CHRO"}, headers={"If-Match": '"r1"'}
    )
    await client.post(f"/v1/ai-systems/{system_id}/retire", headers={"If-Match": '"r2"'})
    # A refused change (stale If-Match) leaves no trace.
    await client.patch(
        f"/v1/ai-systems/{system_id}", json={"owner": "x"}, headers={"If-Match": '"r1"'}
    )

    events = await _events(client, entity_type="ai_system", entity_id=system_id)
    assert [e["action"] for e in events] == [
        "ai_system.created",
        "ai_system.updated",
        "ai_system.retired",
    ]
    created_event, updated, retired = events
    assert created_event["before"] is None
    assert updated["before"]["owner"] == "Head of Talent"  # type: ignore[index]
    assert updated["after"]["owner"] == "CHRO"  # type: ignore[index]
    assert retired["after"]["status"] == "retired"  # type: ignore[index]
    assert updated["actor"] == "api key 'admin'"
    assert updated["prev_hash"] == created_event["hash"]


async def test_chain_verifies_and_detects_tampering(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    for i in range(3):
        await create_system(client, name=f"System {i}")
    report = (await client.get("/v1/audit-events/verify")).json()
    assert report["valid"] is True
    assert report["events"] == 4  # the fixture's admin key, then three systems

    with tampering(engine) as connection:
        connection.execute(sa.text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
    report = (await client.get("/v1/audit-events/verify")).json()
    assert report["valid"] is False
    assert report["first_broken_seq"] == 2
    assert "altered" in report["problem"]

    with tampering(engine) as connection:
        connection.execute(sa.text("DELETE FROM audit_events WHERE seq = 2"))
    report = (await client.get("/v1/audit-events/verify")).json()
    assert report["valid"] is False
    assert report["first_broken_seq"] == 3
    assert "missing" in report["problem"]


async def test_key_changes_are_audited_without_secrets(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/api-keys", json={"name": "k", "scopes": ["read"]})).json()
    await client.post(f"/v1/api-keys/{created['id']}/revoke")
    response = await client.get("/v1/audit-events", params={"entity_type": "api_key"})
    events = response.json()["items"]
    assert [e["action"] for e in events][:2] == ["api_key.revoked", "api_key.created"]
    assert created["secret"] not in response.text


async def test_each_organisation_sees_and_chains_only_its_own(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    await create_system(client)
    other = make_client(make_org("globex").admin_key)
    await create_system(other, name="Other")
    mine = await _events(client)
    theirs = await _events(other)
    assert [e["action"] for e in mine] == ["api_key.created", "ai_system.created"]
    assert [e["seq"] for e in mine] == [1, 2]
    assert [e["seq"] for e in theirs] == [1, 2]
    assert theirs[1]["after"]["name"] == "Other"  # type: ignore[index]
    assert (await other.get("/v1/audit-events/verify")).json()["valid"] is True


async def test_pagination_is_newest_first_down_the_chain(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await create_system(client, name=f"System {i}")
    first = (await client.get("/v1/audit-events", params={"limit": 2})).json()
    assert [e["seq"] for e in first["items"]] == [6, 5]
    assert first["items"][0]["action"] == "ai_system.created"
    second = (
        await client.get("/v1/audit-events", params={"limit": 10, "cursor": first["next_cursor"]})
    ).json()
    assert [e["seq"] for e in second["items"]] == [4, 3, 2, 1]
    assert second["next_cursor"] is None


async def test_events_are_written_only_by_a_commit(
    client: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    """Events join the transaction's commit: after a rollback, or a close without a commit, a
    later commit of the same session does not write them."""
    actor = Actor(key_id=None, name="test")

    def entry(action: str) -> Entry:
        return Entry(org.id, actor, action, "test", "t-1", None, {"n": 1})

    with Session(engine) as session:
        audit.record_many(session, [entry("test.rolled_back")])
        session.rollback()
        audit.record_many(session, [entry("test.closed")])
        session.close()
        audit.record_many(session, [entry("test.one"), entry("test.two")])
        session.commit()

    actions = [e["action"] for e in await _events(client, entity_type="test")]
    assert actions == ["test.one", "test.two"]
    assert (await client.get("/v1/audit-events/verify")).json()["valid"] is True
