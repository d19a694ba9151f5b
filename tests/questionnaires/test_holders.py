"""Who holds each obligation and control, and how binding it is (questionnaires/holders.json)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest

from app.questionnaires.catalog import (
    DEFAULT_ROOT,
    Catalog,
    load_catalog_with_problems,
)
from tests.factories import questionnaire_app


def test_supplier_holds_provider_duties_and_buyer_holds_supplier_management(
    catalog: Catalog,
) -> None:
    version = catalog.get("ai-supplier", "2.0.0")
    answers = {"product_risk_class": "high_risk_annex_iii", "supplier_name": "Acme"}
    result = version.evaluate(answers, as_of=date(2026, 9, 1)).to_dict()
    conformity = next(
        o for o in result["obligations"] if o["id"] == "eu-ai-act:provider.conformity-assessment"
    )
    assert conformity["holder"] == {"party": "supplier", "roles": ["provider"]}
    assert conformity["level"] == "must"
    by_id = {c["id"]: c for c in result["controls"]}
    assert by_id["iso-42001:A.10.3"]["holder"] == {"party": "organisation", "roles": []}
    assert by_id["iso-42001:A.10.3"]["level"] == "should"
    assert by_id["nist-ai-rmf:GOVERN-6.1"]["level"] == "could"


def test_a_questionnaire_without_a_declaration_holds_everything_itself(
    catalog: Catalog,
) -> None:
    version = catalog.get("human-oversight", "2.0.0")
    for citation in version.program.spec.citations.values():
        assert citation.party == "organisation"
        assert citation.level in {"must", "should", "could"}
    deployer = version.program.spec.citations["eu-ai-act:deployer.human-oversight"]
    assert deployer.roles == ("deployer",)
    assert deployer.level == "must"


def _root_with(tmp_path: Path, holders: dict[str, object]) -> Path:
    root = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT / "controls", root / "controls")
    shutil.copy(DEFAULT_ROOT / "lock.json", root / "lock.json")
    for key in ("ai-use-triage", "ai-supplier"):
        shutil.copytree(DEFAULT_ROOT / key, root / key)
    (root / "holders.json").write_text(json.dumps(holders), encoding="utf-8")
    return root


def _messages(root: Path) -> list[str]:
    _, problems = load_catalog_with_problems(root)
    return [str(p) for p in problems if "lock" not in p.message and "holders" in str(p)]


def test_declarations_naming_nothing_are_reported(tmp_path: Path) -> None:
    root = _root_with(
        tmp_path,
        {
            "questionnaires": {
                "no-such-key": {},
                "ai-use-triage": {
                    "rules": {"no_such_rule": {"party": "supplier"}},
                    "ids": {"iso-42001:A.2.2": "supplier"},
                    "levels": {"iso-42001:A.2.3": "could"},
                },
            }
        },
    )
    messages = "\n".join(_messages(root))
    assert "no questionnaire 'no-such-key'" in messages
    assert "no rule 'no_such_rule'" in messages
    assert "no rule of ai-use-triage names 'iso-42001:A.2.2'" in messages
    assert "/questionnaires/ai-use-triage/levels/iso-42001:A.2.3" in messages


def test_two_rules_holding_one_control_differently_are_reported(tmp_path: Path) -> None:
    # A.10.3 is named by several ai-supplier rules; one rule alone hands it to the supplier.
    root = _root_with(
        tmp_path,
        {"questionnaires": {"ai-supplier": {"rules": {"no_aims": {"party": "supplier"}}}}},
    )
    _, problems = load_catalog_with_problems(root)
    found = [str(p) for p in problems if "held or graded differently" in p.message]
    assert found
    assert "'iso-42001:A.10.3'" in found[0]
    assert "no_aims: supplier/should" in found[0]


def test_an_obligation_of_roles_held_by_different_parties_needs_a_holder(tmp_path: Path) -> None:
    # all.ai-literacy binds providers and deployers; triage maps them to different parties.
    root = _root_with(
        tmp_path,
        {"questionnaires": {"ai-use-triage": {"roles": {"provider": "supplier"}}}},
    )
    messages = "\n".join(_messages(root))
    assert "'eu-ai-act:all.ai-literacy' binds provider, deployer" in messages
    fixed = _root_with(
        tmp_path / "fixed",
        {
            "questionnaires": {
                "ai-use-triage": {
                    "roles": {"provider": "supplier"},
                    "ids": {"eu-ai-act:all.ai-literacy": "organisation"},
                }
            }
        },
    )
    assert not [m for m in _messages(fixed) if "ai-literacy" in m]


def test_a_malformed_declaration_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = _root_with(tmp_path, {"questionnaires": {"ai-supplier": {"party": "buyer"}}})
    _, problems = load_catalog_with_problems(root)
    assert any(p.file.endswith("holders.json") and "party" in p.pointer for p in problems)


@pytest.mark.asyncio
async def test_results_and_catalog_entries_carry_holder_and_level(catalog: Catalog) -> None:
    app = questionnaire_app(catalog)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        body = {"answers": {"product_risk_class": "high_risk_annex_iii", "supplier_name": "A"}}
        response = await client.post(
            "/v1/questionnaires/ai-supplier/versions/2.0.0/evaluate?trace=false", json=body
        )
        assert response.status_code == 200, response.text
        first = response.json()["obligations"][0]
        assert first["holder"]["party"] == "supplier"
        assert first["level"] == "must"
        control = await client.get("/v1/controls/nist-ai-rmf:GOVERN-6.1")
        assert control.status_code == 200, control.text
        assert control.json()["level"] == "could"
