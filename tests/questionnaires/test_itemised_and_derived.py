"""Load-time checks of itemised score terms and derived date facts (scratch copies)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.questionnaires.catalog import CatalogError, load_catalog


def _edit(scratch: Path, change: Any) -> list[str]:
    path = scratch / "ai-use-triage" / "1.0.0.json"
    data = json.loads(path.read_text())
    data["status"] = "draft"  # a draft: no lock entry, no golden scenarios needed
    change(data)
    path.write_text(json.dumps(data))
    (scratch / "ai-use-triage" / "1.0.0.scenarios.json").unlink()
    try:
        load_catalog(scratch)
    except CatalogError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_term_ids_are_unique_and_sections_need_an_id(scratch: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        terms = data["scoring"]["scores"][0]["terms"]
        terms[0]["id"] = "reach"
        terms[1]["id"] = "reach"
        terms[2]["section"] = "scale"

    errors = _edit(scratch, change)
    assert any(
        "/scoring/scores/0/terms/1/id" in e and "duplicate term 'reach'" in e for e in errors
    )
    assert any("/scoring/scores/0/terms/2/section" in e and "needs an id" in e for e in errors)


def test_a_derived_fact_needs_a_date_item_and_its_own_id(scratch: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["derived"] = [
            {"id": "late", "from": "use_case_name", "text": {"en": "x"}},
            {"id": "uses_ai", "from": "planned_start", "text": {"en": "x"}},
        ]

    errors = _edit(scratch, change)
    assert any("/derived/0/from" in e and "not a date item" in e for e in errors)
    assert any("/derived/1/id" in e and "duplicate id 'uses_ai'" in e for e in errors)


def test_a_valid_itemised_draft_loads(scratch: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        for n, term in enumerate(data["scoring"]["scores"][0]["terms"]):
            term["id"] = f"t{n}"
            term["section"] = "exposure"
        data["derived"] = [{"id": "started", "from": "planned_start", "text": {"en": "x"}}]

    assert _edit(scratch, change) == []


@pytest.mark.parametrize("as_of", ["2026-02-28", "2026-03-02"])
def test_a_derived_fact_follows_the_as_of_date(scratch: Path, as_of: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["derived"] = [{"id": "started", "from": "planned_start", "text": {"en": "x"}}]
        data["scoring"]["rules"].append(
            {
                "id": "already_started",
                "when": {"==": [{"var": "started"}, True]},
                "then": {"flags": ["started"]},
                "rationale": {"en": "x"},
                "refs": ["ISO/IEC 42001 A.5.2"],
            }
        )

    assert _edit(scratch, change) == []
    version = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    result = version.evaluate({"planned_start": "2026-03-01"}, as_of=date.fromisoformat(as_of))
    assert ("already_started" in {f.id for f in result.fired}) is (as_of > "2026-03-01")
