"""Webhooks end to end through a real receiver: signed and verified, retried, never for a
rolled-back change, refused after DNS, pinned to the address checked, rotated with overlap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import transaction, utcnow
from app.delivery.models import OutboxMessage
from app.delivery.worker import DeliveryReport, deliver_due
from app.settings import Settings
from app.webhooks import service as webhooks
from app.webhooks.sender import RESPONSE_PREFIX_BYTES
from tests.conftest import Org, count_rows
from tests.factories import CV_SCREENING, review, start, submit
from tests.webhooks.conftest import subscribe
from tests.webhooks.receiver import Receiver

Deliver = Callable[..., DeliveryReport]


async def deliveries(client: httpx.AsyncClient, hook: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/webhooks/{hook['id']}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def detail(client: httpx.AsyncClient, hook: dict[str, Any], delivery_id: str) -> Any:
    response = await client.get(f"/v1/webhooks/{hook['id']}/deliveries/{delivery_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_approved_assessment_arrives_signed_and_verifies(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    receiver: Receiver,
    deliver: Deliver,
) -> None:
    hook = await subscribe(client, receiver.url, "assessment.approved", "ai_system.tier_changed")
    receiver.secrets = [hook["secret"]]
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    approved = await review(reviewer, assessment, decision="approve", comment="Fine")
    assert approved.status_code == 200, approved.text
    assert deliver().sent == 2  # the submission was not asked for
    by_type = {r.payload["type"]: r for r in receiver.wait_for(2)}
    assert set(by_type) == {"assessment.approved", "ai_system.tier_changed"}
    event = by_type["assessment.approved"]
    assert event.verified_by == [hook["secret"]]
    assert event.headers["webhook-id"].startswith("msg_")
    assert event.headers["content-type"] == "application/json"
    data = event.payload["data"]
    assert data["assessment_id"] == assessment["id"]
    assert data["status"] == "approved"
    assert data["tier"] == approved.json()["tier"]
    changed = by_type["ai_system.tier_changed"].payload["data"]
    assert changed["previous_tier"] is None
    assert changed["tier"] == data["tier"]
    logged = {d["event_type"]: d for d in await deliveries(client, hook)}
    sent = await detail(client, hook, logged["assessment.approved"]["id"])
    assert sent["status"] == "sent"
    assert sent["webhook_id"] == event.headers["webhook-id"]
    assert sent["payload"] == event.payload
    (attempt,) = sent["attempt_log"]
    assert attempt["status_code"] == 200
    assert attempt["response_prefix"] == '{"ok": true}'
    assert attempt["duration_ms"] >= 0


async def test_a_receiver_that_fails_twice_gets_the_third_attempt(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    hook = await subscribe(client, receiver.url)
    receiver.secrets = [hook["secret"]]
    receiver.failures = 2
    ping = await client.post(f"/v1/webhooks/{hook['id']}/ping")
    assert ping.status_code == 202, ping.text
    assert ping.headers["Location"].endswith(ping.json()["id"])
    assert deliver().retried == 1
    assert deliver(minutes=1).retried == 1
    assert deliver(minutes=2).sent == 1
    (event,) = receiver.wait_for(1)
    assert event.payload["type"] == "webhook.ping"
    assert event.verified_by == [hook["secret"]]
    done = await detail(client, hook, ping.json()["id"])
    assert done["status"] == "sent"
    assert done["attempts"] == 3
    codes = [a["status_code"] for a in done["attempt_log"]]
    assert codes == [500, 500, 200]
    failed = done["attempt_log"][0]
    assert failed["error"] == "HTTP 500"
    assert len(failed["response_prefix"]) == RESPONSE_PREFIX_BYTES  # no more is kept


async def test_a_rolled_back_transaction_sends_nothing(
    client: httpx.AsyncClient, org: Org, engine: Engine, receiver: Receiver, deliver: Deliver
) -> None:
    await subscribe(client, receiver.url, "incident.reported")

    class Boom(Exception):
        pass

    queued: list[int] = []

    def change_then_fail() -> None:
        with transaction(engine, write=True) as session:
            data = {"incident_id": org.id, "organization_id": org.id, "system_id": org.id}
            queued.append(
                webhooks.emit(session, org.id, "incident.reported", {**data, "title": "x"})
            )
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert queued == [1]  # written in the transaction, gone with its rollback
    assert count_rows(engine, "outbox_messages") == 0
    assert deliver().sent == 0
    assert receiver.received == []


async def test_a_disabled_subscription_or_another_event_gets_nothing(
    client: httpx.AsyncClient, org: Org, engine: Engine, receiver: Receiver
) -> None:
    hook = await subscribe(client, receiver.url, "incident.reported")
    await subscribe(client, receiver.url, "assessment.approved")
    changed = await client.patch(
        f"/v1/webhooks/{hook['id']}", json={"enabled": False}, headers={"If-Match": '"r1"'}
    )
    assert changed.status_code == 200, changed.text
    with transaction(engine, write=True) as session:
        data = {"incident_id": org.id, "organization_id": org.id, "system_id": org.id}
        assert webhooks.emit(session, org.id, "incident.reported", {**data, "title": "x"}) == 0


async def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    hook = await subscribe(client, "https://hooks.example.test/in")
    ping = (await client.post(f"/v1/webhooks/{hook['id']}/ping")).json()
    # The name passed at subscription time; at delivery it resolves to the metadata service.
    assert deliver(resolver=lambda host, port: ["169.254.169.254"]).retried == 1
    refused = await detail(client, hook, ping["id"])
    assert refused["status"] == "pending"
    (attempt,) = refused["attempt_log"]
    assert attempt["status_code"] is None
    assert "link-local" in attempt["error"]
    # One refused address among several is enough to refuse the name.
    assert deliver(minutes=1, resolver=lambda h, p: ["93.184.216.34", "10.0.0.7"]).retried == 1
    again = await detail(client, hook, ping["id"])
    assert "private" in again["attempt_log"][1]["error"]
    assert receiver.received == []


async def test_the_call_goes_to_the_resolved_address_with_the_name_as_host(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    url = f"http://receiver.example.test:{receiver.port}/hook"
    hook = await subscribe(client, url)
    receiver.secrets = [hook["secret"]]
    await client.post(f"/v1/webhooks/{hook['id']}/ping")
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    assert deliver(resolver=resolver).sent == 1
    assert looked_up == ["receiver.example.test"]  # once, and that address was used
    (event,) = receiver.wait_for(1)
    assert event.headers["host"] == f"receiver.example.test:{receiver.port}"
    assert event.verified_by == [hook["secret"]]


async def test_a_redirect_is_not_followed(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    hook = await subscribe(client, receiver.url.replace("/hook", "/moved"))
    receiver.redirect_paths = {"/moved"}
    ping = (await client.post(f"/v1/webhooks/{hook['id']}/ping")).json()
    assert deliver().retried == 1
    failed = await detail(client, hook, ping["id"])
    assert failed["attempt_log"][0]["status_code"] == 307
    assert receiver.received == []


async def test_rotation_signs_with_both_secrets_during_the_overlap_then_the_new_one(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    hook = await subscribe(client, receiver.url)
    old = hook["secret"]
    rotated = await client.post(
        f"/v1/webhooks/{hook['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers={"If-Match": '"r1"'},
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert rotated.headers["ETag"] == '"r2"'
    receiver.secrets = [old, new]
    await client.post(f"/v1/webhooks/{hook['id']}/ping")
    assert deliver().sent == 1
    (during,) = receiver.wait_for(1)
    assert during.verified_by == [old, new]  # a receiver with either secret accepts it
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    ended = await client.post(
        f"/v1/webhooks/{hook['id']}/rotate-secret",
        json={"overlap_seconds": 0},
        headers={"If-Match": '"r2"'},
    )
    newest = ended.json()["secret"]
    receiver.secrets = [old, new, newest]
    await client.post(f"/v1/webhooks/{hook['id']}/ping")
    assert deliver().sent == 1
    after = receiver.wait_for(2)[1]
    assert after.verified_by == [newest]


async def test_redelivery_sends_the_same_message_again(
    client: httpx.AsyncClient, engine: Engine, receiver: Receiver, deliver: Deliver
) -> None:
    hook = await subscribe(client, receiver.url)
    ping = (await client.post(f"/v1/webhooks/{hook['id']}/ping")).json()
    under_way = await client.post(f"/v1/webhooks/{hook['id']}/deliveries/{ping['id']}/redeliver")
    assert under_way.status_code == 409
    deliver()
    again = await client.post(f"/v1/webhooks/{hook['id']}/deliveries/{ping['id']}/redeliver")
    assert again.status_code == 202, again.text
    assert again.json()["id"] != ping["id"]
    assert again.json()["webhook_id"] == ping["webhook_id"]
    deliver()
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == ping["webhook_id"]
    assert first.body == second.body
    assert len(await deliveries(client, hook)) == 2
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 2


async def test_a_receiver_answering_a_byte_at_a_time_is_cut_off_at_the_deadline(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    hook = await subscribe(client, receiver.url.replace("/hook", "/trickle"))
    ping = (await client.post(f"/v1/webhooks/{hook['id']}/ping")).json()
    quick = settings.model_copy(update={"webhook_timeout_seconds": 1.0})
    assert deliver_due(engine, quick).retried == 1  # each byte came well within the read timeout
    (attempt,) = (await detail(client, hook, ping["id"]))["attempt_log"]
    assert attempt["error"] == "no answer within 1 s"
    assert attempt["duration_ms"] < 5000


async def test_what_a_pass_has_no_time_left_for_is_given_back(
    client: httpx.AsyncClient, engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    hook = await subscribe(client, receiver.url)
    for _ in range(2):
        await client.post(f"/v1/webhooks/{hook['id']}/ping")
    start = utcnow()
    # The claim, the first send's start and end, then the second send would start past the lease.
    moments = iter([start, start, start, start + timedelta(seconds=settings.outbox_lease_seconds)])
    report = deliver_due(engine, settings, now=lambda: next(moments, start))
    assert report.sent == 1
    assert len(receiver.wait_for(1)) == 1
    states = sorted((d["status"], d["attempts"]) for d in await deliveries(client, hook))
    assert states == [("pending", 0), ("sent", 1)]
