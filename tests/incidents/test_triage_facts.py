"""The triage questionnaire and the deadline computation never disagree: every golden scenario's
answers, read as the incident's facts, give the clocks its fired rules announce."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.incidents import deadlines
from app.incidents.schemas import Triage
from app.incidents.triage import answers_from_facts, deadline_facts, facts_from_answers

ROOT = Path(__file__).resolve().parents[2] / "questionnaires" / "ai-incident-triage"
SCENARIOS = [
    scenario
    for path in sorted(ROOT.glob("*.scenarios.json"))
    for scenario in json.loads(path.read_text())["scenarios"]
]
# What each rule announces, as the clocks the computation must then give.
ART73_PERIOD = {"art73_two_days": "2 days", "art73_death_ten_days": "10 days"}


def computed(answers: dict[str, Any]) -> dict[str, deadlines.Clock]:
    known = deadline_facts(facts_from_answers(answers), datetime(2026, 10, 14, 10, tzinfo=UTC))
    return {c.id: c for c in deadlines.compute(known).clocks}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_each_scenario_gives_the_clocks_its_rules_announce(scenario: dict[str, Any]) -> None:
    fired = set(scenario["expect"]["fired"])
    clocks = computed(scenario["answers"])
    assert ("ai_act_art73" in clocks) == ("art73_fifteen_days" in fired)
    if "ai_act_art73" in clocks:
        shortest = [
            ART73_PERIOD[r] for r in ("art73_two_days", "art73_death_ten_days") if r in fired
        ]
        assert clocks["ai_act_art73"].period == (shortest[0] if shortest else "15 days")
        reporter = clocks["ai_act_art73"].reporter
        assert reporter.startswith("deployer") == ("deployer_reports_itself" in fired)
    assert ("ai_act_art26_5" in clocks) == ("deployer_informs_provider" in fired)
    assert ("ai_act_art55" in clocks) == ("gpai_serious_incident" in fired)
    assert ("gdpr_art33" in clocks) == ("gdpr_breach" in fired)
    assert ("nis2_art23_early_warning" in clocks) == ("nis2_significant_incident" in fired)


def test_every_rule_of_the_triage_is_fired_by_a_scenario() -> None:
    questionnaire = json.loads((ROOT / "1.0.0.json").read_text())
    rules = {rule["id"] for rule in questionnaire["scoring"]["rules"]}
    fired = {rule for scenario in SCENARIOS for rule in scenario["expect"]["fired"]}
    assert rules <= fired


def test_facts_survive_a_round_trip_through_the_answers() -> None:
    triage = Triage(
        serious=True,
        harms=[deadlines.Harm.DEATH],
        high_risk_obligations_apply=True,
        role=deadlines.OperatorRole.DEPLOYER,
        provider_reachable=False,
        nis2_in_scope=True,
        nis2_significant=True,
    )
    assert facts_from_answers(answers_from_facts(triage)) == triage
    unknown = Triage()
    assert answers_from_facts(unknown) == {}
    assert facts_from_answers({}).serious is None
    assert facts_from_answers({"harms": ["none"]}).serious is False


def test_a_disabled_answer_is_not_a_fact() -> None:
    provider = facts_from_answers({"role": "provider", "provider_reachable": False})
    assert provider.provider_reachable is None
    outside = facts_from_answers({"nis2_entity": False, "nis2_significant": True})
    assert outside.nis2_significant is False
