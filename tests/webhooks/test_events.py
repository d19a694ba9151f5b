"""Which changes emit which events, each in the change's own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.assessments.models import Assessment
from app.db import utcnow
from app.delivery.worker import DeliveryReport
from app.portfolio import overdue
from app.settings import Settings
from tests.factories import (
    CV_SCREENING,
    incident_body,
    review,
    save,
    start,
    submit,
    system_body,
)
from tests.webhooks.conftest import subscribe
from tests.webhooks.receiver import Receiver

Deliver = Callable[..., DeliveryReport]
ALL = (
    "assessment.submitted",
    "assessment.approved",
    "assessment.changes_requested",
    "ai_system.tier_changed",
    "ai_system.overdue",
    "incident.reported",
)


async def test_an_assessment_announces_each_step_and_a_tier_change_only_when_it_changes(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    receiver: Receiver,
    deliver: Deliver,
) -> None:
    await subscribe(client, receiver.url, *ALL)
    first = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    sent_back = await review(
        reviewer, first, decision="request_changes", comment="Check", item_comments={}
    )
    assert sent_back.status_code == 200, sent_back.text
    again = (await submit(writer, sent_back.json())).json()
    approved = (await review(reviewer, again, decision="approve")).json()
    deliver()
    types = [r.payload["type"] for r in receiver.wait_for(5)]
    assert types == [
        "assessment.submitted",
        "assessment.changes_requested",
        "assessment.submitted",
        "assessment.approved",
        "ai_system.tier_changed",
    ]
    # A new approval of the same system and questionnaire with the same tier: no tier change.
    system_id = approved["system_id"]
    created = await writer.post(
        "/v1/assessments",
        json={"system_id": system_id, "questionnaire_key": "ai-use-triage", "answers": {}},
    )
    draft = (await save(writer, created.json(), CV_SCREENING)).json()
    second = (await submit(writer, draft)).json()
    assert (await review(reviewer, second, decision="approve")).status_code == 200
    deliver()
    later = [r.payload["type"] for r in receiver.wait_for(7)[5:]]
    assert later == ["assessment.submitted", "assessment.approved"]


async def test_a_system_falling_overdue_is_announced_once(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
    deliver: Deliver,
) -> None:
    hook = await subscribe(client, receiver.url, "ai_system.overdue")
    receiver.secrets = [hook["secret"]]
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    approved = (await review(reviewer, assessment, decision="approve")).json()
    assert overdue.scan(engine, settings) == 0
    with engine.begin() as connection:
        connection.execute(
            sa.update(Assessment)
            .where(Assessment.id == uuid.UUID(approved["id"]))  # type: ignore[arg-type]
            .values(due_at=utcnow() - timedelta(days=1))
        )
    assert overdue.scan(engine, settings) == 1
    assert overdue.scan(engine, settings) == 0
    deliver()
    (event,) = receiver.wait_for(1)
    assert event.verified_by == [hook["secret"]]
    assert event.payload["data"]["system_id"] == approved["system_id"]
    assert event.payload["data"]["assessment_id"] == approved["id"]


async def test_an_incident_reported_is_announced_when_its_status_becomes_reported(
    client: httpx.AsyncClient, receiver: Receiver, deliver: Deliver
) -> None:
    await subscribe(client, receiver.url, "incident.reported")
    system = (await client.post("/v1/ai-systems", json=system_body())).json()
    created = await client.post("/v1/incidents", json=incident_body(system["id"]))
    assert created.status_code == 201, created.text
    url = f"/v1/incidents/{created.json()['id']}"
    changed = await client.patch(url, json={"status": "reported"}, headers={"If-Match": '"r1"'})
    assert changed.status_code == 200, changed.text
    again = await client.patch(url, json={"title": "Renamed"}, headers={"If-Match": '"r2"'})
    assert again.status_code == 200, again.text
    deliver()
    (event,) = receiver.wait_for(1)
    assert event.payload["type"] == "incident.reported"
    assert event.payload["data"]["incident_id"] == created.json()["id"]
    assert event.payload["data"]["system_id"] == system["id"]
