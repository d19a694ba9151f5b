"""Transitional rules that move an obligation's date for one case (Art. 111 of the EU AI Act)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from app.questionnaires.catalog import DEFAULT_ROOT, Catalog
from tests.factories import catalog_errors, read_questionnaire, write_questionnaire

KEY = "eu-ai-act-classification"
GPAI_COPYRIGHT = "eu-ai-act:provider.gpai-copyright-policy"


def scenario(version: str, scenario_id: str) -> dict[str, Any]:
    path = DEFAULT_ROOT / KEY / f"{version}.scenarios.json"
    found = next(s for s in json.loads(path.read_text())["scenarios"] if s["id"] == scenario_id)
    answers: dict[str, Any] = found["answers"]
    return answers


def obligation(result: dict[str, Any], oid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in result["obligations"] if o["id"] == oid)
    return found


def test_a_legacy_gpai_model_owes_its_duties_from_august_2027(catalog: Catalog) -> None:
    version = catalog.get(KEY, "1.1.0")
    legacy = scenario("1.1.0", "legacy_gpai_open_source")
    today = date(2026, 11, 27)

    deferred = obligation(version.evaluate(legacy, as_of=today).to_dict(), GPAI_COPYRIGHT)
    assert deferred["applies_from"] == {"original": "2027-08-02", "omnibus": "2027-08-02"}
    assert deferred["applies"] == {"original": False, "omnibus": False}
    assert deferred["deferred_by"] == ["art111_3_legacy_gpai"]
    later = version.evaluate(legacy, as_of=date(2027, 8, 2)).to_dict()
    assert obligation(later, GPAI_COPYRIGHT)["applies"] == {"original": True, "omnibus": True}

    new_model = {**legacy, "gpai_placed_on_market_before_2025_08_02": False}
    current = obligation(version.evaluate(new_model, as_of=today).to_dict(), GPAI_COPYRIGHT)
    assert current["applies"] == {"original": True, "omnibus": True}
    # No key where nothing was deferred: results stored before 1.1.0 stay reproducible.
    assert "deferred_by" not in current


def test_deferring_an_obligation_no_rule_requires_is_a_load_error(scratch: Path) -> None:
    data = read_questionnaire(scratch)
    data["scoring"]["rules"][2]["then"]["defer"] = [
        {"obligations": ["eu-ai-act:provider.gpai-cybersecurity"], "until": "2027-08-02"}
    ]
    write_questionnaire(scratch, data)
    assert (
        "questionnaires/ai-use-triage/1.0.0.json:/scoring/rules/2/then/defer/0/obligations/0: "
        "'eu-ai-act:provider.gpai-cybersecurity' is required by no rule of this questionnaire: "
        "nothing to defer"
    ) in catalog_errors(scratch)
