"""Catalog error paths that no other test reached: each broken file names the file, the JSON
pointer and what is wrong, and the catalog does not load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import TRIAGE_FILE, catalog_errors, read_questionnaire, write_questionnaire

Breakage = Callable[[dict[str, Any]], None]


def _uses_ai(doc: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = doc["sections"][0]["items"][5]
    assert item["id"] == "uses_ai"
    return item


def _purpose_areas(doc: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = doc["sections"][1]["items"][2]
    assert item["id"] == "purpose_areas"
    return item


def _ai_literacy_rule(doc: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = doc["scoring"]["rules"][2]
    assert rule["id"] == "ai_literacy"
    return rule


BROKEN: dict[str, tuple[Breakage, str]] = {
    "unknown option set": (
        lambda d: _uses_ai(d).update(option_set="no_such_set"),
        "ai-use-triage/1.0.0.json:/sections/0/items/5/option_set: unknown option set 'no_such_set'",
    ),
    "more selections than options": (
        lambda d: _purpose_areas(d).update(max_selected=99),
        "/sections/1/items/2/max_selected: max_selected 99 exceeds the",
    ),
    "derived from a non-date item": (
        lambda d: d.update(
            derived=[{"id": "started", "from": "use_case_name", "text": {"en": "Started"}}]
        ),
        "/derived/0/from: 'use_case_name' is not a date item",
    ),
    "reassessment of an unknown tier": (
        lambda d: d["reassessment_months"].update(no_such_tier=6),
        "/reassessment_months/no_such_tier: unknown tier 'no_such_tier'",
    ),
    "unknown obligation": (
        lambda d: _ai_literacy_rule(d)["then"]["obligations"].append("eu-ai-act:no.such"),
        "/scoring/rules/2/then/obligations/1: unknown obligation 'eu-ai-act:no.such'",
    ),
    "a control listed as an obligation": (
        lambda d: _ai_literacy_rule(d)["then"]["obligations"].append("iso-42001:A.5.2"),
        "'iso-42001:A.5.2' is not an EU AI Act obligation; list it under controls",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_reference_is_named_with_its_pointer(scratch: Path, case: str) -> None:
    breakage, expected = BROKEN[case]
    data = read_questionnaire(scratch)
    breakage(data)
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    assert any(expected in error for error in errors), errors


def test_a_file_that_is_not_an_object_is_named(scratch: Path) -> None:
    (scratch / TRIAGE_FILE).write_text(json.dumps(["not", "an", "object"]))
    assert "ai-use-triage/1.0.0.json:/: a questionnaire file holds a JSON object" in " ".join(
        catalog_errors(scratch)
    )


def test_a_folder_not_named_by_a_key_and_stray_scenarios_are_named(scratch: Path) -> None:
    (scratch / "Not A Key").mkdir()
    (scratch / "ai-use-triage" / "9.9.9.scenarios.json").write_text('{"scenarios": []}')
    errors = " ".join(catalog_errors(scratch))
    assert "Not A Key:/: a questionnaire folder is named by its key" in errors
    assert "9.9.9.scenarios.json:/: scenarios without a questionnaire version" in errors


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    errors = catalog_errors(missing)
    assert len(errors) == 1
    assert errors[0].startswith(str(missing))
    assert errors[0].endswith("no such directory")
