"""Legal content cites its source: every question, rule, obligation and control in a result."""

from __future__ import annotations

import re

from app.questionnaires.catalog import Catalog
from app.questionnaires.scenarios import scenario_as_of

CITATION = re.compile(
    r"^(EU AI Act (Arts?\.|Annex|Recital)|ISO/IEC 420\d\d|NIST AI RMF|GDPR Art\."
    r"|Directive \(EU\) \d{4}/\d+|EU Charter of Fundamental Rights)( \S|$)"
)


def test_every_item_and_rule_cites_a_provision(catalog: Catalog) -> None:
    missing = []
    for version in catalog:
        for item in version.items.values():
            if item.type != "display" and not getattr(item, "refs", None):
                missing.append(f"{version.ref} item {item.id}")
        for rule in version.model.scoring.rules:
            if not rule.refs:
                missing.append(f"{version.ref} rule {rule.id}")
            bad = [r for r in rule.refs if not CITATION.match(r)]
            if bad:
                missing.append(f"{version.ref} rule {rule.id}: {bad}")
    assert missing == []


def test_every_obligation_and_control_in_every_golden_result_is_cited(catalog: Catalog) -> None:
    seen = 0
    for version in catalog:
        for scenario in version.scenarios:
            result = version.evaluate(
                scenario.answers, as_of=scenario_as_of(scenario), trace=False
            ).to_dict()
            for entry in (*result["obligations"], *result["controls"]):
                seen += 1
                assert entry["ref"], (version.ref, scenario.id, entry["id"])
                assert CITATION.match(entry["ref"]), entry["ref"]
                assert entry["title"]["en"], entry["id"]
    assert seen > 100
