"""The 2.0.0 questionnaires over HTTP: drafts move from 1.0.0 (dry run, then applied), and the
stakeholder-impact score breakdown shows in the API result and the printable report."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import project_root
from tests.factories import create_system, scenario

KEYS = ("data-governance", "human-oversight", "stakeholder-impact", "ai-supplier", "ai-use-triage")
DECLARED_DROPS = {
    "data-governance": ["trains_model"],
    "stakeholder-impact": ["likelihood", "severity"],
}


@pytest.mark.parametrize("key", KEYS)
async def test_a_1_0_0_draft_moves_to_2_0_0(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, key: str
) -> None:
    system = (await create_system(client)).json()
    answers = scenario(key, "1.0.0")["answers"]
    created = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": key,
            "questionnaire_version": "1.0.0",
            "answers": answers,
        },
    )
    assert created.status_code == 201, created.text
    draft = created.json()

    dry = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"to_version": "2.0.0"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["target"] == f"{key}@2.0.0"
    assert sorted(d["item"] for d in report["dropped"]) == sorted(
        i for i in DECLARED_DROPS.get(key, []) if i in answers
    )
    unchanged = (await writer.get(f"/v1/assessments/{draft['id']}")).json()
    assert unchanged["questionnaire"]["version"] == "1.0.0"

    moved = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"dry_run": False, "to_version": "2.0.0"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert moved.status_code == 200, moved.text
    assessment = moved.json()["assessment"]
    assert assessment["questionnaire"]["version"] == "2.0.0"
    assert sorted(assessment["answers"]) == sorted(report["carried"])
    assert set(report["to_answer"]) <= set(assessment["progress"]["missing_required"])


def _breakdown_scenario() -> dict[str, Any]:
    path = project_root() / "questionnaires" / "stakeholder-impact" / "2.0.0.scenarios.json"
    for s in json.loads(path.read_text())["scenarios"]:
        if s["id"] == "p_mitigation_lowers_within_bound":
            return dict(s["answers"])
    raise LookupError


async def test_the_impact_breakdown_is_in_the_api_result(writer: httpx.AsyncClient) -> None:
    response = await writer.post(
        "/v1/questionnaires/stakeholder-impact/versions/2.0.0/evaluate",
        json={"answers": _breakdown_scenario(), "as_of": "2026-11-27"},
    )
    assert response.status_code == 200, response.text
    scores = {s["id"]: s for s in response.json()["scores"]}
    raw, mitigation, final = scores["impact_raw"], scores["mitigation"], scores["impact_final"]
    assert (raw["value"], mitigation["value"], final["value"]) == (36.0, 10.0, 30.6)
    assert raw["breakdown"]["scale"] == {"min": 0.0, "max": 64.0}
    sections = {s["id"]: s["max"] for s in raw["breakdown"]["sections"]}
    assert sections["harm"] == 36.0
    assert sum(sections.values()) == 36.0
    assert sum(t["contribution"] for t in raw["breakdown"]["terms"]) == 36.0
    reduction = {s["id"]: s["min"] for s in final["breakdown"]["sections"]}["mitigation_reduction"]
    assert reduction == pytest.approx(-5.4)
    assert (raw["band"], final["band"], response.json()["tier"]) == ("high", "moderate", "moderate")
    # A score its questionnaire does not itemise has no breakdown (results stay as they were).
    triage = await writer.post(
        "/v1/questionnaires/ai-use-triage/versions/1.0.0/evaluate",
        json={"answers": scenario("ai-use-triage", "1.0.0", 2)["answers"]},
    )
    assert triage.json()["scores"][0]["breakdown"] is None


async def test_the_impact_breakdown_is_in_the_printable_report(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    created = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": "stakeholder-impact",
            "answers": _breakdown_scenario(),
        },
    )
    assert created.status_code == 201, created.text
    page = (await writer.get(f"/v1/assessments/{created.json()['id']}/report.html")).text
    assert "Breakdown of <code>impact_raw</code> (scale 0.0 to 64.0)" in page
    assert "Breakdown of <code>impact_final</code>" in page
    assert "<code>harm_at_least_12</code>" in page
    assert "mitigation_reduction" in page
    # Who holds each control and how binding it is (issue 20).
    assert "<th>Held by</th>" in page
    assert "Your organisation<br><small>Should (good practice)</small>" in page
    assert "Could (optional)" in page
