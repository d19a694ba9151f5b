"""Golden scenarios of every questionnaire version found, and their coverage."""

from __future__ import annotations

import pytest

from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, load_catalog
from app.questionnaires.scenarios import compare, coverage_problems, run_scenario

_CATALOG = load_catalog(DEFAULT_ROOT)
VERSIONS = [pytest.param(v.key, v.version, id=v.ref) for v in _CATALOG]
SCENARIOS = [
    pytest.param(v.key, v.version, i, id=f"{v.ref}:{s.id}")
    for v in _CATALOG
    for i, s in enumerate(v.scenarios)
]


def test_every_shipped_questionnaire_is_found() -> None:
    assert "ai-use-triage" in _CATALOG.questionnaire_keys()


@pytest.mark.parametrize(("key", "version", "index"), SCENARIOS)
def test_golden_scenario(catalog: Catalog, key: str, version: str, index: int) -> None:
    questionnaire = catalog.get(key, version)
    scenario = questionnaire.scenarios[index]
    result = run_scenario(questionnaire, scenario)
    assert compare(scenario.expect, result) == []


@pytest.mark.parametrize(("key", "version"), VERSIONS)
def test_every_rule_fires_and_every_tier_is_reached(
    catalog: Catalog, key: str, version: str
) -> None:
    problems = coverage_problems(catalog.get(key, version))
    assert [str(p) for p in problems] == []
