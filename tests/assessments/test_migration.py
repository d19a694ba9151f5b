"""Moving a draft to a newer questionnaire version: dry run, renames, recodes, drops, re-asks."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine

from app.assessments.migration import _recode, plan_migration
from app.auth import Scope
from app.main import create_app
from app.questionnaires.catalog import Catalog
from app.settings import Settings
from tests.conftest import Org, project_root
from tests.factories import catalog_with_a_second_version, system_body

KEY = "ai-use-triage"


def _v2(v1: dict[str, Any]) -> dict[str, Any]:
    """2.0.0: use_case_name renamed, our_role 'adapt' recoded, planned_start dropped, and a new
    required question."""
    template = copy.deepcopy(v1)
    template["version"] = "2.0.0"
    dumped = json.dumps(template)
    dumped = dumped.replace('"use_case_name"', '"system_name"').replace('"adapt"', '"modify"')
    doc: dict[str, Any] = json.loads(dumped)
    for section in doc["sections"]:
        section["items"] = [i for i in section["items"] if i["id"] != "planned_start"]
    doc["sections"][0]["items"].append(
        {
            "id": "risk_owner",
            "type": "string",
            "text": {"en": "Who owns the risks of this use?"},
            "required": True,
            "refs": ["ISO/IEC 42001 A.3.2"],
        }
    )
    doc["migrations"] = [
        {
            "from": "1.0.0",
            "renamed": {"use_case_name": "system_name"},
            "recoded": {"our_role": {"adapt": "modify"}},
            "dropped": ["planned_start"],
        }
    ]
    return doc


def _v2_scenarios(v1_text: str) -> dict[str, Any]:
    text = v1_text.replace('"use_case_name"', '"system_name"').replace('"adapt"', '"modify"')
    doc: dict[str, Any] = json.loads(text)
    for scenario in doc["scenarios"]:
        scenario["answers"].pop("planned_start", None)
        scenario["answers"]["risk_owner"] = "Chief Risk Officer"
    return doc


@pytest.fixture(scope="module")
def two_version_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("catalog") / "questionnaires"
    return catalog_with_a_second_version(root, KEY, _v2, _v2_scenarios)


@pytest_asyncio.fixture
async def writer(
    two_version_catalog: Catalog,
    settings: Settings,
    engine: Engine,
    make_key: Callable[..., str],
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, catalog=two_version_catalog)
    key = make_key(Scope.ASSESSMENTS_WRITE, Scope.SYSTEMS_WRITE, Scope.READ)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as client:
        yield client


async def _draft_on_v1(writer: httpx.AsyncClient) -> dict[str, Any]:
    system = (await writer.post("/v1/ai-systems", json=system_body())).json()
    response = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": KEY,
            "questionnaire_version": "1.0.0",
            "answers": {
                "use_case_name": "Branded search",
                "our_role": "adapt",
                "planned_start": "2026-03-01",
                "uses_ai": "yes",
            },
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_dry_run_reports_and_changes_nothing(writer: httpx.AsyncClient, org: Org) -> None:
    draft = await _draft_on_v1(writer)
    url = f"/v1/assessments/{draft['id']}/migrate"
    # Even a dry run names the revision it reports on: the report is about that draft.
    assert (await writer.post(url, json={})).status_code == 428
    report = await writer.post(url, json={}, headers={"If-Match": f'"r{draft["revision"]}"'})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["dry_run"] is True
    assert body["target"] == f"{KEY}@2.0.0"
    assert body["renamed"] == [{"from": "use_case_name", "to": "system_name"}]
    assert body["recoded"] == [{"item": "our_role", "from": "adapt", "to": "modify"}]
    assert [d["item"] for d in body["dropped"]] == ["planned_start"]
    assert "risk_owner" in body["to_answer"]
    assert sorted(body["carried"]) == ["our_role", "system_name", "uses_ai"]
    assert body["assessment"] is None
    unchanged = (await writer.get(f"/v1/assessments/{draft['id']}")).json()
    assert unchanged["questionnaire"]["version"] == "1.0.0"
    assert unchanged["revision"] == draft["revision"]


async def test_migration_moves_the_draft(writer: httpx.AsyncClient, org: Org) -> None:
    draft = await _draft_on_v1(writer)
    no_etag = await writer.post(f"/v1/assessments/{draft['id']}/migrate", json={"dry_run": False})
    assert no_etag.status_code == 428
    moved = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"dry_run": False, "to_version": "2.0.0"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert moved.status_code == 200, moved.text
    assessment = moved.json()["assessment"]
    assert assessment["questionnaire"]["version"] == "2.0.0"
    assert assessment["answers"] == {
        "system_name": "Branded search",
        "our_role": "modify",
        "uses_ai": "yes",
    }
    assert "risk_owner" in assessment["progress"]["missing_required"]

    back = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"to_version": "1.0.0"},
        headers={"If-Match": moved.headers["ETag"]},
    )
    assert back.status_code == 422
    assert back.json()["type"] == "/problems/not-a-newer-version"


async def test_a_classification_draft_moves_to_1_1_0_with_every_answer(
    client: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
) -> None:
    """The shipped eu-ai-act-classification 1.1.0 only adds questions (Art. 111): a 1.0.0 draft
    keeps every answer and its result, and may now answer the transitional question."""
    writer = make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.READ))
    scenarios = project_root() / "questionnaires/eu-ai-act-classification/1.0.0.scenarios.json"
    cv = next(
        s
        for s in json.loads(scenarios.read_text())["scenarios"]
        if s["id"] == "cv_screening_deployer"
    )
    system = (await client.post("/v1/ai-systems", json=system_body())).json()
    draft = (
        await writer.post(
            "/v1/assessments",
            json={
                "system_id": system["id"],
                "questionnaire_key": "eu-ai-act-classification",
                "questionnaire_version": "1.0.0",
                "answers": cv["answers"],
            },
        )
    ).json()
    moved = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"dry_run": False, "to_version": "1.1.0"},
        headers={"If-Match": '"r1"'},
    )
    assert moved.status_code == 200, moved.text
    report = moved.json()
    assert report["target"] == "eu-ai-act-classification@1.1.0"
    assert sorted(report["carried"]) == sorted(cv["answers"])
    assert report["dropped"] == []
    after = (await writer.get(f"/v1/assessments/{draft['id']}")).json()
    assert after["questionnaire"]["version"] == "1.1.0"
    assert after["answers"] == cv["answers"]
    saved = await writer.patch(
        f"/v1/assessments/{draft['id']}/answers",
        json={"answers": {"high_risk_on_market_before_application": "yes_unchanged"}},
        headers={"If-Match": f'"r{after["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    preview = (await writer.get(f"/v1/assessments/{draft['id']}/preview")).json()["result"]
    assert preview["tier"] == "high_risk"
    assert "legacy_high_risk_system" in [f["id"] for f in preview["flags"]]


async def test_a_classification_draft_moves_from_1_1_0_to_2_0_0(
    client: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
) -> None:
    """2.0.0 (issue 15) asks differently about workers (Art. 26(7)) and the placing-on-market
    date (Art. 111(2), per calendar): a 1.1.0 draft drops those answers, keeps every other one,
    and is asked them again; a dry run changes nothing."""
    writer = make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.READ))
    scenarios = project_root() / "questionnaires/eu-ai-act-classification/1.1.0.scenarios.json"
    legacy = next(
        s
        for s in json.loads(scenarios.read_text())["scenarios"]
        if s["id"] == "legacy_cv_screening_private_deployer"
    )
    system = (await client.post("/v1/ai-systems", json=system_body())).json()
    draft = (
        await writer.post(
            "/v1/assessments",
            json={
                "system_id": system["id"],
                "questionnaire_key": "eu-ai-act-classification",
                "questionnaire_version": "1.1.0",
                "answers": legacy["answers"],
            },
        )
    ).json()
    dropped = {"workplace_use", "high_risk_on_market_before_application"}
    dry = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"to_version": "2.0.0"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True
    assert report["target"] == "eu-ai-act-classification@2.0.0"
    assert {d["item"] for d in report["dropped"]} == dropped
    assert sorted(report["carried"]) == sorted(set(legacy["answers"]) - dropped)
    assert {"workers_subject_to_system", "high_risk_market_date"} <= set(report["to_answer"])
    assert report["assessment"] is None
    still = (await writer.get(f"/v1/assessments/{draft['id']}")).json()
    assert still["questionnaire"]["version"] == "1.1.0"
    assert still["answers"] == legacy["answers"]
    assert still["revision"] == draft["revision"]

    moved = await writer.post(
        f"/v1/assessments/{draft['id']}/migrate",
        json={"dry_run": False, "to_version": "2.0.0"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert moved.status_code == 200, moved.text
    after = moved.json()["assessment"]
    assert after["questionnaire"]["version"] == "2.0.0"
    assert after["answers"] == {k: v for k, v in legacy["answers"].items() if k not in dropped}
    assert {"workers_subject_to_system", "high_risk_market_date"} <= set(
        after["progress"]["missing_required"]
    )
    # placed on the market in 2027, unchanged: grandfathered under the Omnibus calendar only
    saved = await writer.patch(
        f"/v1/assessments/{draft['id']}/answers",
        json={
            "answers": {
                "workers_subject_to_system": False,
                "high_risk_market_date": "from_2026_08_02_to_2027_08_01",
                "high_risk_significant_change": "no",
            }
        },
        headers={"If-Match": f'"r{after["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    preview = (await writer.get(f"/v1/assessments/{draft['id']}/preview")).json()["result"]
    assert preview["tier"] == "high_risk"
    flags = {f["id"] for f in preview["flags"]}
    assert "legacy_high_risk_system_omnibus_calendar" in flags
    assert "legacy_high_risk_system_original_calendar" not in flags
    assert "eu-ai-act:deployer.inform-workers" not in {o["id"] for o in preview["obligations"]}


# -- the plan itself, without HTTP ----------------------------------------------------------------


def test_the_plan_renames_recodes_drops_and_says_what_to_answer(
    two_version_catalog: Catalog,
) -> None:
    source = two_version_catalog.get(KEY, "1.0.0")
    target = two_version_catalog.get(KEY, "2.0.0")
    plan = plan_migration(
        source,
        target,
        {
            "use_case_name": "Branded search",
            "our_role": "adapt",
            "planned_start": "2026-03-01",
            "uses_ai": None,
            "retired_question": "anything",
        },
    )
    assert plan.answers == {"system_name": "Branded search", "our_role": "modify"}
    assert plan.renamed == [{"from": "use_case_name", "to": "system_name"}]
    assert plan.recoded == [{"item": "our_role", "from": "adapt", "to": "modify"}]
    assert {d["item"]: d["reason"] for d in plan.dropped} == {
        "planned_start": f"{target.ref} drops this question",
        "retired_question": f"{target.ref} has no such question",
    }
    assert "uses_ai" not in plan.answers, "an unanswered question is not carried"
    assert "risk_owner" in plan.to_answer


def test_an_answer_the_new_version_refuses_is_dropped_with_the_reason(
    two_version_catalog: Catalog,
) -> None:
    plan = plan_migration(
        two_version_catalog.get(KEY, "1.0.0"),
        two_version_catalog.get(KEY, "2.0.0"),
        {"use_case_name": 42, "our_role": "build"},
    )
    assert plan.answers == {}
    reasons = {d["item"]: d["reason"] for d in plan.dropped}
    assert set(reasons) == {"system_name", "our_role"}
    assert all(reasons.values())


def test_recoding_a_list_keeps_its_order_and_merges_codes_that_become_one() -> None:
    table = {"a": "x", "b": "x", "c": "y"}
    assert _recode(["a", "c", "b", "d"], table) == ["x", "y", "d"]
    assert _recode("b", table) == "x"
    assert _recode(7, table) == 7
