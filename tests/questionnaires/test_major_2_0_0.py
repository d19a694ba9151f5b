"""The 2.0.0 versions of five questionnaires (issue 20): each corrected point fails on 1.0.0.

Every case names a golden scenario of the 2.0.0 version (which the golden test checks) and the
same situation answered in 1.0.0's terms, and asserts what 1.0.0 got wrong. The migrations from
1.0.0 are run on every 1.0.0 golden scenario.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from app.assessments.migration import plan_migration
from app.questionnaires.catalog import Catalog, load_catalog
from app.rules import Result
from tests.conftest import project_root

KEYS = ("data-governance", "human-oversight", "stakeholder-impact", "ai-supplier", "ai-use-triage")
AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _scenario(key: str, scenario_id: str) -> dict[str, Any]:
    path = project_root() / "questionnaires" / key / "2.0.0.scenarios.json"
    for s in json.loads(path.read_text())["scenarios"]:
        if s["id"] == scenario_id:
            return dict(s)
    raise LookupError(scenario_id)


def _fired(result: Result) -> set[str]:
    return {f.id for f in result.fired}


def _flags(result: Result) -> set[str]:
    return {f.id for f in result.flags}


def _obligations(result: Result) -> set[str]:
    return {o.id for o in result.obligations}


@dataclass(frozen=True)
class Case:
    key: str
    scenario: str
    old_answers: dict[str, Any]
    wrong_in_1_0_0: Callable[[Result], bool]


DG_HR = {
    "dg_role": "provider",
    "high_risk": "annex_iii",
    "trains_model": True,
    "data_sources": ["internal"],
    "personal_data": ["personal"],
    "provenance_recorded": "yes",
    "acquisition_documented": "yes",
    "rights_confirmed": "yes",
    "purpose_compatible": "yes",
    "quality_requirements": "yes",
    "preparation_documented": "yes",
    "assumptions_documented": "yes",
    "representativeness_assessed": "yes",
    "setting_match": "same",
    "bias_examined": "yes",
    "bias_outcome": "none_found",
    "groups_examined": ["sex_gender", "age", "ethnic_origin", "disability"],
    "special_for_bias": False,
    "annotation_used": False,
    "retention_defined": "yes",
}

CASES = [
    Case(
        "data-governance",
        "p_art10_6_deployer_uses_supplier_trained_model",
        {**DG_HR, "dg_role": "deployer", "trains_model": False},
        lambda r: "testing_data_only" in _fired(r),
    ),
    Case(
        "data-governance",
        "p_art26_4_deployer_core_gaps_not_art10",
        {**DG_HR, "dg_role": "deployer", "provenance_recorded": "no", "bias_examined": "no"},
        lambda r: "high_risk_core_gap" in _fired(r),
    ),
    Case(
        "data-governance",
        "p_art26_4_deployer_without_input_control",
        {**DG_HR, "dg_role": "deployer"},
        lambda r: "eu-ai-act:deployer.input-data-quality" in _obligations(r),
    ),
    Case(
        "data-governance",
        "p_art10_5_deployer_uses_special_data_for_bias",
        {
            **DG_HR,
            "dg_role": "deployer",
            "personal_data": ["personal", "special_category"],
            "special_for_bias": True,
            "special_conditions": [
                "not_possible_otherwise",
                "reuse_limits_security",
                "access_controls",
                "no_transfer",
                "deletion",
                "records",
            ],
        },
        lambda r: r.tier != "high",
    ),
    Case(
        "data-governance",
        "p_score_partial_bias_children_criminal",
        {
            **DG_HR,
            "personal_data": ["personal", "children", "criminal"],
            "bias_examined": "partly",
            "bias_outcome": "found_mitigated",
        },
        lambda r: r.tier == "low",
    ),
    Case(
        "data-governance",
        "p_score_groups_examined_counts",
        {**DG_HR, "high_risk": "no", "groups_examined": ["sex_gender", "age"]},
        lambda r: r.tier == "low",
    ),
    Case(
        "data-governance",
        "p_score_brokered_data_and_synthetic",
        {
            **DG_HR,
            "high_risk": "no",
            "data_sources": ["internal", "data_broker", "synthetic"],
            "acquisition_documented": "partly",
        },
        lambda r: r.tier == "low",
    ),
]

HO_HR = {
    "ho_role": "deployer",
    "high_risk": "annex_iii",
    "decision_impact": "recommends",
    "is_rbi": False,
    "oversight_model": "human_in_loop",
    "oversight_procedure": "yes",
    "can_override": "yes",
    "can_stop": "yes",
    "stop_last_tested": "2026-09-15",
    "suspend_procedure": "yes",
    "overseers_assigned": "yes",
    "overseer_count": 4,
    "training_provided": "yes",
    "authority_to_act": True,
    "understands_limits": "yes",
    "automation_bias_awareness": "yes",
    "output_interpretable": "yes",
    "instructions_received": True,
    "logs_automatic": "yes",
    "log_retention_months": 12,
    "logs_capture_overrides": True,
}
RBI = {
    "is_rbi": True,
    "two_person_verification": "always",
    "rbi_log_fields": ["period_of_use", "reference_database", "matched_input", "verifying_persons"],
}
PROVIDER_DUTIES = {"eu-ai-act:provider.human-oversight-design", "eu-ai-act:provider.record-keeping"}

CASES += [
    Case(
        "human-oversight",
        "p_rbi_declared_not_high_risk",
        {**HO_HR, **RBI, "high_risk": "no"},
        lambda r: r.tier == "low" and not _obligations(r),
    ),
    Case(
        "human-oversight",
        "p_rbi_exception_claimed_by_retailer",
        {**HO_HR, **RBI, "two_person_verification": "never", "rbi_exception_claimed": True},
        lambda r: r.tier != "high",
    ),
    Case(
        "human-oversight",
        "p_rbi_deployer_gets_deployer_duties",
        {
            **HO_HR,
            **RBI,
            "rbi_log_fields": ["period_of_use"],
            "two_person_verification": "sometimes",
            "rbi_exception_claimed": False,
        },
        lambda r: bool(PROVIDER_DUTIES & _obligations(r)),
    ),
    Case(
        "human-oversight",
        "p_rbi_realtime_police_public_space",
        {**HO_HR, **RBI},
        lambda r: "eu-ai-act:deployer.prohibition-realtime-rbi" not in _obligations(r),
    ),
    Case(
        "human-oversight",
        "p_score_high_risk_no_oversight_model",
        {**HO_HR, "oversight_model": "none"},
        lambda r: r.tier == "medium",
    ),
    Case(
        "human-oversight",
        "p_score_high_risk_automated_periodic_review",
        {
            **HO_HR,
            "decision_impact": "automated",
            "oversight_model": "periodic_review",
            "review_coverage_pct": 10,
        },
        lambda r: r.tier == "low",
    ),
]

TRIAGE = {
    "use_case_name": "Case",
    "owner_email": "owner@example.com",
    "uses_ai": "yes",
    "our_role": "buy",
    "supplier_name": "Vendor",
    "purpose_areas": ["none"],
    "practices": ["none"],
    "interacts_with_people": False,
    "generates_content": False,
    "affects_individuals": "no",
    "personal_data": "none",
}

CASES += [
    Case(
        "ai-use-triage",
        "p_live_police_face_matching_stops",
        {
            **TRIAGE,
            "purpose_areas": ["biometrics", "law_enforcement"],
            "affects_individuals": "yes",
            "people_affected": 50000,
            "automation_share": 0,
            "vulnerable_groups": False,
            "personal_data": "special_category",
        },
        lambda r: r.tier == "full",
    ),
    Case(
        "ai-use-triage",
        "p_medical_device_ai_full",
        {
            **TRIAGE,
            "our_role": "develop",
            "supplier_name": None,
            "affects_individuals": "yes",
            "people_affected": 500,
            "automation_share": 0,
            "vulnerable_groups": False,
            "personal_data": "special_category",
        },
        lambda r: r.tier == "light" and "needs_eu_ai_act_classification" not in _flags(r),
    ),
    Case(
        "ai-use-triage",
        "p_fine_tuned_model_published_as_gpai",
        {**TRIAGE, "our_role": "adapt", "generates_content": True},
        lambda r: r.tier == "light" and "gpai_model_provider" not in _flags(r),
    ),
]

SUPPLIER = {
    "supplier_name": "Acme AI GmbH",
    "product_name": "Acme Assist 3.2",
    "supplier_established": "eu",
    "eu_roles": ["provider"],
    "product_risk_class": "high_risk_annex_iii",
    "aims_status": "certified",
    "cert_body": "Example Certification Ltd",
    "cert_expiry": "2028-03-31",
    "other_certs": ["iso_27001"],
    "model_origin": "own",
    "training_data_sources": ["own", "licensed"],
    "training_data_rights": "documented",
    "evaluations": ["accuracy", "robustness", "bias_fairness"],
    "results_shared": True,
    "model_card": True,
    "security_measures": ["pen_testing", "adversarial_testing", "access_encryption"],
    "hosting_region": "eu",
    "incident_process": True,
    "incident_notice_hours": 24,
    "uses_subprocessors": True,
    "subprocessor_list": True,
    "subprocessor_change_notice": True,
    "customer_data_training": "never",
    "retention_days": 30,
    "deletion_on_exit": True,
    "generates_content": False,
    "eu_registration": True,
    "conformity_route": "internal_control",
    "declaration_of_conformity": True,
    "ce_marking": True,
    "qms_in_place": "yes",
    "instructions_for_use": True,
    "declared_accuracy": True,
}
OPEN_GPAI = {
    "supplier_established": "non_eu",
    "eu_roles": ["gpai_model_provider"],
    "product_risk_class": "minimal",
    "eu_registration": None,
    "conformity_route": None,
    "declaration_of_conformity": None,
    "ce_marking": None,
    "gpai_docs": ["copyright_policy", "training_summary"],
    "authorised_rep": False,
}

CASES += [
    Case(
        "ai-supplier",
        "p_gpai_open_source_exempt",
        {**SUPPLIER, **OPEN_GPAI},
        lambda r: (
            "eu-ai-act:provider.gpai-technical-documentation" in _obligations(r)
            and {"gpai_docs_gap", "no_eu_representative"} <= _fired(r)
        ),
    ),
    Case(
        "ai-supplier",
        "p_builds_on_third_party_model",
        # 1.0.0 offers no base-model answer: the supplier's honest answer is "undisclosed".
        {
            **SUPPLIER,
            "model_origin": "fine_tuned_third_party",
            "base_model": "Example-LM 7B",
            "training_data_sources": ["undisclosed"],
        },
        lambda r: r.tier == "critical",
    ),
    Case(
        "ai-supplier",
        "p_certificate_expired",
        {**SUPPLIER, "cert_expiry": "2026-06-30"},
        lambda r: not any("cert" in f.id for f in r.fired),
    ),
    Case(
        "ai-supplier",
        "p_high_risk_fully_evidenced_low",
        SUPPLIER,
        lambda r: (
            r.tier == "medium"
            and _fired(r) == {"baseline_contract", "supplier_high_risk_annex_iii"}
        ),
    ),
]

IMPACT = {
    "assessor_role": "deployer",
    "system_description": "System.",
    "deployer_process": "Process.",
    "deployer_type": "private_other",
    "annex3_area": "not_annex3",
    "use_period_months": 24,
    "use_frequency": "daily",
    "affected_groups": ["consumers"],
    "vulnerable_groups": ["none"],
    "people_affected_per_year": 300,
    "stakeholders_consulted": False,
    "harm_types": ["financial"],
    "severity": "limited",
    "likelihood": "possible",
    "reversibility": "easily_reversible",
    "decision_effect": "minor",
    "rights_affected": ["none"],
    "environmental_impact": "negligible",
    "oversight_measures": "partial",
    "mitigation_plan": "partly",
    "complaint_mechanism": True,
    "review_plan": True,
    "dpia_status": "done",
}

CASES += [
    Case(
        "stakeholder-impact",
        "p_serious_almost_certain_is_high",
        {**IMPACT, "severity": "serious", "likelihood": "almost_certain"},
        lambda r: r.tier == "moderate",
    ),
    Case(
        "stakeholder-impact",
        "p_mitigation_lowers_within_bound",
        {
            **IMPACT,
            "severity": "serious",
            "likelihood": "almost_certain",
            "oversight_measures": "documented",
            "mitigation_plan": "yes",
            "stakeholders_consulted": True,
        },
        # 1.0.0: the same score and tier as without any mitigation.
        lambda r: (
            r.tier == "moderate" and not any(f.id == "mitigation_lowered_level" for f in r.flags)
        ),
    ),
    Case(
        "stakeholder-impact",
        "p_no_harm_contradiction_flagged",
        {
            **IMPACT,
            "harm_types": ["none"],
            "severity": "critical",
            "likelihood": "rare",
            "reversibility": "irreversible",
            "decision_effect": "legal_or_significant",
        },
        lambda r: r.tier == "severe" and "harm_answers_inconsistent" not in _flags(r),
    ),
    Case(
        "stakeholder-impact",
        "p_fria_trigger_is_not_a_level",
        {**IMPACT, "annex3_area": "credit_scoring"},
        lambda r: r.tier == "moderate" and _fired(r) == {"fria_required"},
    ),
]


def test_the_impact_tier_is_the_band_of_the_final_score(catalog: Catalog) -> None:
    version = catalog.get("stakeholder-impact", "2.0.0")
    for scenario in version.scenarios:
        result = version.evaluate(scenario.answers, as_of=AS_OF)
        final = next(s for s in result.scores if s.id == "impact_final")
        if final.band is not None and result.final:
            assert result.tier == final.band, scenario.id
    old = catalog.get("stakeholder-impact", "1.0.0")
    disagreements = 0
    for scenario in old.scenarios:
        result = old.evaluate(scenario.answers, as_of=AS_OF)
        band = next(s for s in result.scores if s.id == "impact").band
        disagreements += band is not None and band != result.tier
    assert disagreements > 0, "1.0.0's tier disagreed with its score's band"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.key}:{c.scenario}")
def test_the_point_was_wrong_in_1_0_0_and_is_right_in_2_0_0(catalog: Catalog, case: Case) -> None:
    old = catalog.get(case.key, "1.0.0")
    old_answers = {k: v for k, v in case.old_answers.items() if v is not None}
    assert old.validate(old_answers) == []
    assert case.wrong_in_1_0_0(old.evaluate(old_answers, as_of=AS_OF))
    scenario = _scenario(case.key, case.scenario)
    new = catalog.get(case.key, "2.0.0").evaluate(scenario["answers"], as_of=AS_OF)
    assert not case.wrong_in_1_0_0(new)
    assert new.tier == scenario["expect"]["tier"]
    assert _fired(new) == set(scenario["expect"]["fired"])


@pytest.mark.parametrize("key", KEYS)
def test_every_1_0_0_golden_scenario_migrates(catalog: Catalog, key: str) -> None:
    source, target = catalog.get(key, "1.0.0"), catalog.get(key, "2.0.0")
    declared = next(m for m in target.model.migrations or [] if m.from_ == "1.0.0")
    path = project_root() / "questionnaires" / key / "1.0.0.scenarios.json"
    for scenario in json.loads(path.read_text())["scenarios"]:
        plan = plan_migration(source, target, scenario["answers"])
        # Only declared drops are lost; everything else is carried and valid in 2.0.0.
        assert {d["item"] for d in plan.dropped} <= set(declared.dropped), scenario["id"]
        assert target.validate(plan.answers) == []
        target.evaluate(plan.answers, as_of=AS_OF)


def test_a_derived_fact_is_computed_never_answered(catalog: Catalog) -> None:
    version = catalog.get("ai-supplier", "2.0.0")
    answers = {**SUPPLIER, "cert_expiry": "2026-06-30"}
    problems = version.validate({**answers, "cert_expired": False})
    assert [p["pointer"] for p in problems] == ["/answers/cert_expired"]
    # A value slipped past validation is replaced by the computed one.
    result = version.evaluate({**answers, "cert_expired": False}, as_of=AS_OF)
    assert "certificate_expired" in _fired(result)
    assert "certificate_expired" not in _fired(version.evaluate(answers, as_of=date(2026, 6, 30)))
    unanswered = {k: v for k, v in answers.items() if k != "cert_expiry"}
    assert "certificate_expired" not in _fired(version.evaluate(unanswered, as_of=AS_OF))
