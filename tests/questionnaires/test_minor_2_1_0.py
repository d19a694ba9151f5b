"""The 2.1.0 minor versions of issue 20: new optional questions and rules on top of 2.0.0.

Every 2.0.0 golden scenario migrates to 2.1.0 with nothing dropped and the same result (a minor
version adds, it changes nothing); prefill and plan declarations are carried over; every new
rule is proven by a golden scenario that cites its provision; an 'unsure' answer leaves what
depends on it undetermined.
"""

from __future__ import annotations

import re

import pytest

from app.assessments.migration import plan_migration
from app.questionnaires.catalog import Catalog
from app.questionnaires.scenarios import scenario_as_of

KEYS = ("ai-use-triage", "stakeholder-impact", "data-governance", "human-oversight", "ai-supplier")
CITED = re.compile(r"\[(EU AI Act|EU Charter|ISO/IEC 420\d\d|GDPR|MCC-AI|FRAIA)[^\]]*\]")


@pytest.mark.parametrize("key", KEYS)
def test_every_2_0_0_scenario_migrates_unchanged(catalog: Catalog, key: str) -> None:
    source, target = catalog.get(key, "2.0.0"), catalog.get(key, "2.1.0")
    assert any(m.from_ == "2.0.0" for m in target.model.migrations or [])
    for scenario in source.scenarios:
        plan = plan_migration(source, target, dict(scenario.answers))
        assert plan.dropped == [], scenario.id
        assert plan.answers == {k: v for k, v in scenario.answers.items() if v is not None}
        assert target.validate(plan.answers) == []
        as_of = scenario_as_of(scenario)
        before = source.evaluate(scenario.answers, as_of=as_of, trace=False)
        after = target.evaluate(plan.answers, as_of=as_of, trace=False)
        assert after.tier == before.tier, scenario.id
        assert {f.id for f in after.fired} == {f.id for f in before.fired}, scenario.id


@pytest.mark.parametrize("key", KEYS)
def test_prefill_and_plan_are_carried_over(catalog: Catalog, key: str) -> None:
    source, target = catalog.get(key, "2.0.0"), catalog.get(key, "2.1.0")
    assert target.raw.get("prefill") == source.raw.get("prefill")
    assert target.raw.get("plan") == source.raw.get("plan")


@pytest.mark.parametrize("key", KEYS)
def test_every_new_rule_has_a_scenario_citing_its_provision(catalog: Catalog, key: str) -> None:
    source, target = catalog.get(key, "2.0.0"), catalog.get(key, "2.1.0")
    old = {r.id for r in source.model.scoring.rules}
    new = [r for r in target.model.scoring.rules if r.id not in old]
    assert new, "a 2.1.0 adds rules"
    proven: set[str] = set()
    for scenario in target.scenarios:
        if CITED.search(scenario.description or ""):
            proven |= set(scenario.expect.fired)
    for rule in new:
        assert rule.refs, rule.id
        assert rule.id in proven, f"{key}: no citing scenario fires {rule.id}"
    old_items = set(source.items)
    for item_id, item in target.items.items():
        if item_id not in old_items and item.type != "display":
            assert getattr(item, "refs", None), item_id
            assert not item.required, f"{item_id}: a minor version adds optional questions only"


def test_unsure_leaves_the_dependent_rule_undetermined(catalog: Catalog) -> None:
    version = catalog.get("ai-use-triage", "2.1.0")
    base = next(s for s in version.scenarios if s.id == "n_public_body_fria")
    sure = version.evaluate(base.answers, as_of=scenario_as_of(base), trace=False)
    assert "public_body_annex_iii" in {f.id for f in sure.fired}
    unsure = version.evaluate(
        {**base.answers, "public_body": "unsure"}, as_of=scenario_as_of(base), trace=False
    )
    assert "public_body_annex_iii" in {u.id for u in unsure.undetermined}
    assert "public_body_annex_iii" not in {f.id for f in unsure.fired}
