"""Assessment plans, the work queue, the merged standing and lists that carry names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.auth import Scope
from tests.conftest import Org
from tests.factories import create_system
from tests.factories import scenario_answers as scenario
from tests.portfolio.conftest import CLASSIFICATION, approve, classify

FOLLOW_UPS = {
    "data-governance",
    "human-oversight",
    "stakeholder-impact",
    "post-market-monitoring",
    "transparency-documentation",
}


def by_key(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["questionnaire_key"]: e for e in entries}


async def test_a_newly_registered_system_is_in_the_work_queue_with_the_classification_due(
    client: httpx.AsyncClient,
) -> None:
    system = (await create_system(client, name="Never assessed")).json()
    queue = await client.get("/v1/work-queue")
    assert queue.status_code == 200, queue.text
    [item] = queue.json()["items"]
    assert item["system_id"] == system["id"]
    assert item["system_name"] == "Never assessed"
    assert item["system_owner"] == system["owner"]
    assert item["questionnaire_key"] == CLASSIFICATION
    assert item["state"] == "missing"
    assert item["reasons"] == ["every AI system"]
    registered = datetime.fromisoformat(system["created_at"])
    assert datetime.fromisoformat(item["due_at"]) == registered + timedelta(days=30)
    assert item["urgency"] == "due_soon"  # the default grace equals the due-soon window

    plan = (await client.get(f"/v1/ai-systems/{system['id']}/plan")).json()
    assert [e["questionnaire_key"] for e in plan["entries"]] == [CLASSIFICATION]
    assert plan["summary"] == {"complete": False, "overdue": False, "required": 1, "current": 0}

    # Filters narrow the queue; an unreadable cursor is a 400.
    assert (await client.get("/v1/work-queue", params={"urgency": "overdue"})).json()["items"] == []
    assert (await client.get("/v1/work-queue", params={"cursor": "nope"})).status_code == 400


async def test_a_high_risk_approval_adds_the_follow_ups_to_the_plan(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    other = (await create_system(client, name="Spam filter")).json()
    classification = await classify(writer, reviewer, system["id"])
    await classify(writer, reviewer, other["id"], "spam_filter_minimal")

    plan = (await client.get(f"/v1/ai-systems/{system['id']}/plan")).json()
    entries = by_key(plan["entries"])
    assert set(entries) == {CLASSIFICATION, *FOLLOW_UPS}
    assert entries[CLASSIFICATION]["state"] == "current"
    assert entries[CLASSIFICATION]["current_assessment_id"] == classification["id"]
    assert entries[CLASSIFICATION]["tier"] == "high_risk"
    assert entries[CLASSIFICATION]["due_at"] == classification["due_at"]
    for key in FOLLOW_UPS:
        assert entries[key]["state"] == "missing"
        assert f"{CLASSIFICATION} tier high_risk" in entries[key]["reasons"]
    # A private deployer's CV screening needs no fundamental-rights impact assessment.
    assert entries["stakeholder-impact"]["reasons"] == [f"{CLASSIFICATION} tier high_risk"]
    # A minimal-risk system needs the classification only.
    minimal = (await client.get(f"/v1/ai-systems/{other['id']}/plan")).json()
    assert [e["questionnaire_key"] for e in minimal["entries"]] == [CLASSIFICATION]

    queue = (await client.get("/v1/work-queue", params={"limit": 2})).json()
    assert len(queue["items"]) == 2
    assert queue["next_cursor"]
    rest = (
        await client.get("/v1/work-queue", params={"limit": 3, "cursor": queue["next_cursor"]})
    ).json()
    keys = {i["questionnaire_key"] for i in queue["items"] + rest["items"]}
    assert keys == FOLLOW_UPS
    assert rest["next_cursor"] is None
    assert all(i["system_id"] == system["id"] for i in queue["items"] + rest["items"])

    # A draft puts it in progress.
    await writer.post(
        "/v1/assessments", json={"system_id": system["id"], "questionnaire_key": "data-governance"}
    )
    in_progress = (await client.get("/v1/work-queue", params={"state": "in_progress"})).json()[
        "items"
    ]
    assert [i["questionnaire_key"] for i in in_progress] == ["data-governance"]


async def test_a_public_service_deployer_needs_the_impact_assessment_as_its_fria(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    await classify(writer, reviewer, system["id"], "cv_screening_deployer_public_service")
    plan = (await client.get(f"/v1/ai-systems/{system['id']}/plan")).json()
    assert by_key(plan["entries"])["stakeholder-impact"]["reasons"] == [
        f"{CLASSIFICATION} tier high_risk",
        f"{CLASSIFICATION} flag fria_required",
    ]


async def test_the_merged_standing_lists_each_obligation_once_with_all_its_sources(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client, name="Screener")).json()
    classification = await classify(writer, reviewer, system["id"])
    oversight = await approve(
        writer,
        reviewer,
        system["id"],
        "human-oversight",
        scenario("human-oversight", "1.0.0", "high_risk_deployer_gaps"),
    )
    response = await client.get(
        f"/v1/ai-systems/{system['id']}/standing", params={"as_of": "2026-11-27"}
    )
    assert response.status_code == 200, response.text
    standing = response.json()
    assert standing["system_name"] == "Screener"
    assert standing["owner"] == system["owner"]
    assert standing["overall_tier"] == "high_risk"
    assert standing["overall_tier_source"].startswith(f"{CLASSIFICATION}@")
    ids = [o["id"] for o in standing["obligations"]]
    assert len(ids) == len(set(ids))
    merged = next(
        o for o in standing["obligations"] if o["id"] == "eu-ai-act:deployer.human-oversight"
    )
    assert {r["assessment_id"] for r in merged["raised_by"]} == {
        classification["id"],
        oversight["id"],
    }
    assert "deployer" in merged["roles"]
    assert set(merged["applies_from"]) == set(merged["applies"])
    assert merged["applies"]
    control_ids = [c["id"] for c in standing["controls"]]
    assert len(control_ids) == len(set(control_ids))
    assert len(standing["assessments"]) == 2
    plan = by_key(standing["plan"])
    assert plan["human-oversight"]["state"] == "current"
    assert standing["plan_summary"]["current"] == 2
    assert standing["next_due_at"] is not None

    # One calendar only; an unknown calendar is a 422.
    calendars = list(merged["applies_from"])
    one = (
        await client.get(
            f"/v1/ai-systems/{system['id']}/standing", params={"calendar": calendars[0]}
        )
    ).json()
    assert all(set(o["applies_from"]) <= {calendars[0]} for o in one["obligations"])
    bad = await client.get(f"/v1/ai-systems/{system['id']}/standing", params={"calendar": "x"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["parameter"] == "calendar"
    # as_of is an ISO date: "0" is not read as Unix time 1970-01-01.
    epoch = await client.get(f"/v1/ai-systems/{system['id']}/standing", params={"as_of": "0"})
    assert epoch.status_code == 422


async def test_another_organisations_system_has_no_plan_or_standing(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
) -> None:
    system = (await create_system(client)).json()
    other = make_org("globex")
    stranger = make_client(make_key(Scope.READ, organization_id=other.id))
    for path in ("plan", "standing", "dossier"):
        assert (await stranger.get(f"/v1/ai-systems/{system['id']}/{path}")).status_code == 404
    assert (await stranger.get("/v1/work-queue")).json()["items"] == []


async def test_assessment_lists_carry_the_systems_name(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    system = (await create_system(client, name="Named system")).json()
    await writer.post(
        "/v1/assessments", json={"system_id": system["id"], "questionnaire_key": CLASSIFICATION}
    )
    [item] = (await client.get("/v1/assessments")).json()["items"]
    assert item["system_name"] == "Named system"
    assert item["supplier_name"] is None
