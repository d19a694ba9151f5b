"""Test data made the way a client makes it: AI systems, answer sets read from the shipped golden
scenarios, and the steps of an assessment (start, save, submit, review) over the HTTP API; and
questionnaire files written to a scratch catalog."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from app.questionnaires.catalog import CatalogError, load_catalog

ROOT: Final = Path(__file__).resolve().parents[1]
QUESTIONNAIRES: Final = ROOT / "questionnaires"
KEY: Final = "ai-use-triage"
TRIAGE_FILE: Final = f"{KEY}/1.0.0.json"


# -- AI systems ---------------------------------------------------------------------------------


def system_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "CV screener",
        "purpose": "Ranks incoming job applications for recruiters.",
        "owner": "Head of Talent",
        "business_unit": "HR",
        "lifecycle_stage": "deployment",
        "deployment_regions": ["DE", "FR"],
        "sourcing": "bought",
        "tags": ["hr", "recruiting"],
    }
    body.update(overrides)
    return body


async def create_system(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    response = await client.post("/v1/ai-systems", json=system_body(**overrides))
    assert response.status_code == 201, response.text
    return response


# -- answers from the golden scenarios ------------------------------------------------------------


@cache
def _scenarios(key: str, version: str) -> tuple[dict[str, Any], ...]:
    path = QUESTIONNAIRES / key / f"{version}.scenarios.json"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["scenarios"])


def scenario(key: str, version: str, which: str | int = 0) -> dict[str, Any]:
    """A golden scenario shipped beside a questionnaire version, by id or position (a copy)."""
    scenarios = _scenarios(key, version)
    found = (
        scenarios[which]
        if isinstance(which, int)
        else next(s for s in scenarios if s["id"] == which)
    )
    return json.loads(json.dumps(found))  # type: ignore[no-any-return]


def scenario_answers(key: str, version: str, which: str | int = 0) -> dict[str, Any]:
    """The answers of a golden scenario."""
    answers: dict[str, Any] = scenario(key, version, which)["answers"]
    return answers


# A bought CV pre-screening tool (the triage's `cv_screening_vendor` scenario, 2.0.0) with most
# of the decisions automated: tier "full".
CV_SCREENING: Final[dict[str, Any]] = {
    **scenario_answers(KEY, "2.0.0", "cv_screening_vendor"),
    "automation_share": 60.0,
}


# -- the steps of an assessment -------------------------------------------------------------------


def if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"r{resource["revision"]}"'}


async def start(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A draft of the triage questionnaire for a new AI system."""
    system = (await create_system(client)).json()
    response = await writer.post(
        "/v1/assessments",
        json={"system_id": system["id"], "questionnaire_key": KEY, "answers": answers or {}},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def save(
    writer: httpx.AsyncClient, assessment: dict[str, Any], answers: dict[str, Any]
) -> httpx.Response:
    return await writer.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        json={"answers": answers},
        headers=if_match(assessment),
    )


async def submit(writer: httpx.AsyncClient, assessment: dict[str, Any]) -> httpx.Response:
    return await writer.post(
        f"/v1/assessments/{assessment['id']}/submit",
        headers=if_match(assessment),
        json={"as_of": "2026-11-27"},
    )


async def review(
    reviewer: httpx.AsyncClient, assessment: dict[str, Any], **body: Any
) -> httpx.Response:
    return await reviewer.post(
        f"/v1/assessments/{assessment['id']}/review", json=body, headers=if_match(assessment)
    )


# -- questionnaire files in a scratch catalog -----------------------------------------------------


def read_questionnaire(root: Path, name: str = TRIAGE_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / name).read_text())
    return data


def write_questionnaire(root: Path, data: Any, name: str = TRIAGE_FILE) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def catalog_errors(root: Path) -> list[str]:
    """Every problem loading the catalog under `root` (which must not load)."""
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    return [str(p) for p in info.value.problems]
