"""The triage assessment answered on an incident: its submissions write the incident's facts."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.auth import Scope
from tests.conftest import Org, count_rows
from tests.factories import FRI, clocks, create_system, new_system_id, record_incident

ClientFactory = Callable[[str | None], httpx.AsyncClient]
PROVIDER_HEALTH = {
    "harms": ["health"],
    "causal_link": "established",
    "high_risk_applies": True,
    "role": "provider",
    "widespread_infringement": False,
    "sectoral_regime": False,
    "gpai_systemic_risk": False,
    "personal_data_breach": False,
    "nis2_entity": False,
}


@pytest.fixture
def reviewer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_REVIEW, Scope.READ))


async def start(client: httpx.AsyncClient, incident_id: str) -> httpx.Response:
    return await client.post(f"/v1/incidents/{incident_id}/triage", json={})


async def answer(
    client: httpx.AsyncClient, assessment_id: str, answers: dict[str, Any]
) -> dict[str, Any]:
    current = (await client.get(f"/v1/assessments/{assessment_id}")).json()
    saved = await client.patch(
        f"/v1/assessments/{assessment_id}/answers",
        json={"answers": answers},
        headers={"If-Match": f'"r{current["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    submitted = await client.post(
        f"/v1/assessments/{assessment_id}/submit",
        json={},
        headers={"If-Match": saved.headers["ETag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


async def review(
    reviewer: httpx.AsyncClient, submitted: dict[str, Any], decision: str, comment: str = ""
) -> dict[str, Any]:
    response = await reviewer.post(
        f"/v1/assessments/{submitted['id']}/review",
        json={"decision": decision, **({"comment": comment} if comment else {})},
        headers={"If-Match": f'"r{submitted["revision"]}"'},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def submit_raw(client: httpx.AsyncClient, assessment_id: str) -> httpx.Response:
    current = (await client.get(f"/v1/assessments/{assessment_id}")).json()
    return await client.post(
        f"/v1/assessments/{assessment_id}/submit",
        json={},
        headers={"If-Match": f'"r{current["revision"]}"'},
    )


async def untriaged(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await record_incident(client, await new_system_id(client), triage={}, **overrides)


async def test_the_triage_belongs_to_the_incident_and_its_submission_sets_the_deadlines(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, engine: Engine
) -> None:
    incident = await untriaged(client)
    assert incident["triage_assessment"] is None
    assert incident["deadlines"]["undetermined"]
    started = await start(client, incident["id"])
    assert started.status_code == 201, started.text
    link = started.json()
    assert started.headers["Location"] == f"/v1/assessments/{link['assessment_id']}"
    assert link["questionnaire"].startswith("ai-incident-triage@")
    assert link["status"] == "draft"
    assessment = (await client.get(f"/v1/assessments/{link['assessment_id']}")).json()
    assert assessment["incident_id"] == incident["id"]
    assert assessment["system_id"] == incident["system_id"]

    submitted = await answer(client, link["assessment_id"], {**PROVIDER_HEALTH, "harms": ["death"]})
    assert submitted["tier"] == "urgent"
    url = f"/v1/incidents/{incident['id']}"
    after = (await client.get(url)).json()
    assert after["revision"] == 2
    assert after["triage"]["serious"] is True
    assert after["triage"]["harms"] == ["death"]
    assert after["triage_facts_from"] == {"assessment_id": link["assessment_id"], "round": 1}
    assert after["triage_assessment"]["status"] == "submitted"
    assert after["triage_assessment"]["tier"] == "urgent"
    # 10 days for a death from Wed 14 Oct: Sat 24 Oct moves to Mon 26 Oct.
    assert clocks(after)["ai_act_art73"]["due_at"] == "2026-10-26T23:59:59Z"
    assert after["next_due_at"] == "2026-10-26T23:59:59Z"

    # Approval keeps the facts and never makes the triage its system's current assessment.
    approved = await review(reviewer, submitted, "approve")
    assert approved["is_current"] is False
    assert approved["due_at"] is None
    final = (await client.get(url)).json()
    assert final["triage_assessment"]["status"] == "approved"
    assert final["revision"] == 2
    standing = (await client.get(f"/v1/ai-systems/{incident['system_id']}/standing")).json()
    assert standing["assessments"] == []
    assert standing["incidents"]["open"] == 1
    queue = (await client.get("/v1/work-queue")).json()["items"]
    assert all(w["questionnaire_key"] != "ai-incident-triage" for w in queue)
    actions = {
        row[0]
        for row in engine.connect().exec_driver_sql(
            "SELECT action FROM audit_events WHERE entity_type = 'incident'"
        )
    }
    assert {"incident.created", "incident.triaged"} <= actions


async def test_the_facts_entered_so_far_start_the_triage_and_are_then_locked(
    client: httpx.AsyncClient,
) -> None:
    triage = {"serious": True, "harms": ["health"], "personal_data_breach": True}
    incident = await record_incident(client, await new_system_id(client), triage=triage)
    link = (await start(client, incident["id"])).json()
    draft = (await client.get(f"/v1/assessments/{link['assessment_id']}")).json()
    assert draft["answers"] == {"harms": ["health"], "personal_data_breach": True}
    url = f"/v1/incidents/{incident['id']}"
    refused = await client.patch(
        url, json={"triage": {"serious": False}}, headers={"If-Match": '"r1"'}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("triage-from-assessment")
    assert refused.json()["errors"][0]["pointer"] == "/triage"
    assert (await client.get(url)).json()["triage"]["serious"] is True
    # Other fields still change; the same facts sent back are no change.
    same = await client.patch(
        url, json={"triage": incident["triage"], "title": "Renamed"}, headers={"If-Match": '"r1"'}
    )
    assert same.status_code == 200, same.text


async def test_a_second_triage_while_one_is_open_is_409_and_stores_nothing(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, engine: Engine
) -> None:
    incident = await untriaged(client, aware_at=FRI, occurred_at=FRI)
    first = (await start(client, incident["id"])).json()
    again = await start(client, incident["id"])
    assert again.status_code == 409
    assert again.json()["type"].endswith("triage-open")
    assert count_rows(engine, "assessments") == 1
    submitted = await answer(client, first["assessment_id"], {**PROVIDER_HEALTH, "harms": ["none"]})
    assert (await start(client, incident["id"])).status_code == 409  # waiting for review
    await review(reviewer, submitted, "reject", "The patient was harmed.")
    # A rejection keeps the facts of the last submission until a new triage is submitted.
    kept = (await client.get(f"/v1/incidents/{incident['id']}")).json()
    assert kept["triage"]["serious"] is False
    second = await start(client, incident["id"])
    assert second.status_code == 201
    await answer(
        client,
        second.json()["assessment_id"],
        {**PROVIDER_HEALTH, "widespread_infringement": True, "harms": ["fundamental_rights"]},
    )
    retriaged = (await client.get(f"/v1/incidents/{incident['id']}")).json()
    assert retriaged["triage_facts_from"]["assessment_id"] == second.json()["assessment_id"]
    # 2 days from Fri 16 Oct spanning the weekend: Tue 20 Oct.
    assert clocks(retriaged)["ai_act_art73"]["due_at"] == "2026-10-20T23:59:59Z"


async def test_changes_requested_keep_the_submitted_facts(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    incident = await untriaged(client)
    link = (await start(client, incident["id"])).json()
    submitted = await answer(client, link["assessment_id"], PROVIDER_HEALTH)
    await review(reviewer, submitted, "request_changes", "Check the harm again.")
    after = (await client.get(f"/v1/incidents/{incident['id']}")).json()
    assert after["triage_assessment"]["status"] == "draft"
    assert after["triage_assessment"]["round"] == 2
    assert after["triage_facts_from"] == {"assessment_id": link["assessment_id"], "round": 1}
    assert clocks(after)["ai_act_art73"]["due_at"] == "2026-10-29T23:59:59Z"  # 15 days


async def test_deployer_path_and_sectoral_limit_through_the_triage(
    client: httpx.AsyncClient,
) -> None:
    deployer = await untriaged(client)
    link = (await start(client, deployer["id"])).json()
    await answer(
        client,
        link["assessment_id"],
        {**PROVIDER_HEALTH, "role": "deployer", "provider_reachable": False},
    )
    found = clocks((await client.get(f"/v1/incidents/{deployer['id']}")).json())
    assert set(found) == {"ai_act_art26_5", "ai_act_art73"}
    assert found["ai_act_art73"]["reporter"].startswith("deployer")

    device = await untriaged(client)
    link = (await start(client, device["id"])).json()
    await answer(
        client,
        link["assessment_id"],
        {**PROVIDER_HEALTH, "harms": ["death"], "sectoral_regime": True},
    )
    after = (await client.get(f"/v1/incidents/{device['id']}")).json()
    assert clocks(after) == {}
    assert any("73(9)-(10)" in n for n in after["deadlines"]["notes"])


async def test_another_organisations_incident_is_404_and_stores_nothing(
    client: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_key: Callable[..., str],
    make_client: ClientFactory,
    engine: Engine,
) -> None:
    incident = await untriaged(client)
    other = make_org("other-triage")
    outsider = make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.READ, organization_id=other.id))
    assert (await start(outsider, incident["id"])).status_code == 404
    assert count_rows(engine, "assessments") == 0


async def test_bad_triage_requests_are_4xx_with_pointers(
    client: httpx.AsyncClient, make_client: ClientFactory, make_key: Callable[..., str]
) -> None:
    incident = await untriaged(client)
    unknown = await client.post(
        f"/v1/incidents/{incident['id']}/triage", json={"questionnaire_version": "9.9.9"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/questionnaire_version"
    extra = await client.post(f"/v1/incidents/{incident['id']}/triage", json={"answers": {}})
    assert extra.status_code == 422
    reader = make_client(make_key(Scope.READ))
    assert (await start(reader, incident["id"])).status_code == 403
    # The triage is answered on an incident, never started as a system's own assessment.
    system = (await create_system(client)).json()
    direct = await client.post(
        "/v1/assessments",
        json={"system_id": system["id"], "questionnaire_key": "ai-incident-triage"},
    )
    assert direct.status_code == 422
    assert direct.json()["errors"][0]["pointer"] == "/questionnaire_key"


async def test_a_retired_systems_incident_can_be_triaged(client: httpx.AsyncClient) -> None:
    sid = await new_system_id(client)
    incident = await record_incident(client, sid, triage={})
    retired = await client.post(f"/v1/ai-systems/{sid}/retire", headers={"If-Match": '"r1"'})
    assert retired.status_code == 200
    assert (await start(client, incident["id"])).status_code == 201


async def test_a_triage_leaving_a_deciding_fact_open_is_422_and_submits_nothing(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    incident = await untriaged(client)
    # 1.0.0 has these questions optional; unanswered they cannot become "no" in the facts.
    started = await client.post(
        f"/v1/incidents/{incident['id']}/triage", json={"questionnaire_version": "1.0.0"}
    )
    assert started.status_code == 201, started.text
    assessment_id = started.json()["assessment_id"]
    answers = {k: v for k, v in PROVIDER_HEALTH.items() if k != "sectoral_regime"}
    current = (await client.get(f"/v1/assessments/{assessment_id}")).json()
    saved = await client.patch(
        f"/v1/assessments/{assessment_id}/answers",
        json={"answers": answers},
        headers={"If-Match": f'"r{current["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    refused = await submit_raw(client, assessment_id)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("triage-incomplete")
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/answers/sectoral_regime"]
    assert (await client.get(f"/v1/assessments/{assessment_id}")).json()["status"] == "draft"
    assert count_rows(engine, "assessment_rounds") == 0
    assert (await client.get(f"/v1/incidents/{incident['id']}")).json()["revision"] == 1
    # The latest version asks them as required questions.
    latest = await client.get("/v1/questionnaires/ai-incident-triage")
    items = {i["id"]: i for s in latest.json()["sections"] for i in s["items"]}
    assert items["sectoral_regime"]["required"] is True
