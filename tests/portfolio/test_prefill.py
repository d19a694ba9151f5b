"""Carry-over between questionnaires: declared in the files, checked at load, applied to new
drafts with their sources, and never overwriting what a person changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from app.questionnaires.catalog import load_catalog_with_problems
from tests.conftest import project_root
from tests.factories import create_system
from tests.portfolio.conftest import CLASSIFICATION, classify


async def draft(writer: httpx.AsyncClient, system_id: str, key: str) -> dict[str, Any]:
    created = await writer.post(
        "/v1/assessments", json={"system_id": system_id, "questionnaire_key": key}
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def test_a_draft_after_an_approved_classification_starts_prefilled_with_sources(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    before = await draft(writer, system["id"], "data-governance")
    assert before["answers"] == {}
    assert before["prefilled"] == {}

    source = await classify(writer, reviewer, system["id"], "cv_screening_deployer_public_service")
    governance = await draft(writer, system["id"], "data-governance")
    assert governance["questionnaire"]["version"] == "2.1.0"  # the latest: prefill carried
    # From the result: the Annex III route makes the answer "annex_iii".
    assert governance["answers"] == {"high_risk": "annex_iii"}
    assert governance["prefilled"] == {
        "high_risk": {
            "value": "annex_iii",
            "assessment_id": source["id"],
            "round": 1,
            "questionnaire": f"{CLASSIFICATION}@{source['questionnaire']['version']}",
            "source": "result",
            "changed": False,
        }
    }
    # From an answer, recoded: the classification's public_service_provider is this
    # questionnaire's private_public_service.
    impact = await draft(writer, system["id"], "stakeholder-impact")
    assert impact["answers"]["deployer_type"] == "private_public_service"
    assert impact["prefilled"]["deployer_type"]["source"] == "answer:deployer_type"
    # The caller's own initial answer wins over the carried-over one.
    own = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": "data-governance",
            "answers": {"high_risk": "unsure"},
        },
    )
    assert own.json()["answers"] == {"high_risk": "unsure"}
    assert own.json()["prefilled"] == {}
    # An explicit null is no answer: the carried-over value fills it.
    empty = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": "data-governance",
            "answers": {"high_risk": None},
        },
    )
    assert empty.json()["answers"] == {"high_risk": "annex_iii"}
    assert set(empty.json()["prefilled"]) == {"high_risk"}


async def test_the_users_change_survives_a_later_re_approval_of_the_source(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    first = await classify(writer, reviewer, system["id"])
    changed = await draft(writer, system["id"], "data-governance")
    kept = await draft(writer, system["id"], "human-oversight")
    saved = await writer.patch(
        f"/v1/assessments/{changed['id']}/answers",
        json={"answers": {"high_risk": "unsure"}},
        headers={"If-Match": f'"r{changed["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["prefilled"]["high_risk"]["changed"] is True

    second = await classify(writer, reviewer, system["id"])
    assert second["id"] != first["id"]
    after = (await writer.get(f"/v1/assessments/{changed['id']}")).json()
    assert after["answers"]["high_risk"] == "unsure"
    assert after["prefilled"]["high_risk"]["assessment_id"] == first["id"]
    # The untouched carried-over answer now names the newer approval as its source.
    refreshed = (await writer.get(f"/v1/assessments/{kept['id']}")).json()
    assert refreshed["answers"]["high_risk"] == "annex_iii"
    assert refreshed["prefilled"]["high_risk"]["assessment_id"] == second["id"]


def _catalog_with(tmp_path: Path, change: Any) -> list[str]:
    root = tmp_path / "questionnaires"
    shutil.copytree(project_root() / "questionnaires", root)
    path = root / "data-governance" / "1.1.0.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    _, problems = load_catalog_with_problems(root)
    return [str(p) for p in problems]


def test_a_bad_prefill_declaration_stops_loading_naming_file_and_pointer(tmp_path: Path) -> None:
    file = "questionnaires/data-governance/1.1.0.json"

    def unknown_source(doc: dict[str, Any]) -> None:
        doc["prefill"][0]["questionnaire"] = "no-such-questionnaire"

    assert any(
        p.startswith(f"{file}:/prefill/0/questionnaire:") and "no-such-questionnaire" in p
        for p in _catalog_with(tmp_path / "a", unknown_source)
    )

    def unknown_item(doc: dict[str, Any]) -> None:
        doc["prefill"].append(
            {"item": "dg_role", "questionnaire": CLASSIFICATION, "answer": "no_such_item"}
        )

    assert any(
        p.startswith(f"{file}:/prefill/1/answer:")
        for p in _catalog_with(tmp_path / "b", unknown_item)
    )

    def unknown_option(doc: dict[str, Any]) -> None:
        doc["prefill"][0]["cases"][0]["value"] = "maybe"

    assert any(
        p.startswith(f"{file}:/prefill/0/cases/0/value:")
        for p in _catalog_with(tmp_path / "c", unknown_option)
    )

    def unknown_flag(doc: dict[str, Any]) -> None:
        doc["prefill"][0]["cases"][0]["flag"] = "no_such_flag"
        doc["plan"]["required_when"][0]["tier_in"] = ["no_such_tier"]

    problems = _catalog_with(tmp_path / "d", unknown_flag)
    assert any(p.startswith(f"{file}:/prefill/0/cases/0/flag:") for p in problems)
    assert any(p.startswith(f"{file}:/plan/required_when/0/tier_in/0:") for p in problems)

    def incompatible(doc: dict[str, Any]) -> None:
        # deployer_type's codes (public_body, ...) are not options of high_risk.
        doc["prefill"][0] = {
            "item": "high_risk",
            "questionnaire": CLASSIFICATION,
            "answer": "deployer_type",
        }

    assert any(
        p.startswith(f"{file}:/prefill/0/recode:")
        for p in _catalog_with(tmp_path / "e", incompatible)
    )


def test_questionnaires_that_fill_each_other_are_a_cycle(tmp_path: Path) -> None:
    root = tmp_path / "questionnaires"
    shutil.copytree(project_root() / "questionnaires", root)
    path = root / "human-oversight" / "1.1.0.json"
    doc = json.loads(path.read_text())
    doc["prefill"].append(
        {"item": "ho_role", "questionnaire": "data-governance", "answer": "dg_role"}
    )
    path.write_text(json.dumps(doc))
    dg_path = root / "data-governance" / "1.1.0.json"
    dg = json.loads(dg_path.read_text())
    dg["prefill"].append(
        {"item": "dg_role", "questionnaire": "human-oversight", "answer": "ho_role"}
    )
    dg_path.write_text(json.dumps(dg))
    _, problems = load_catalog_with_problems(root)
    assert any("prefilled from itself (a cycle)" in str(p) for p in problems)
