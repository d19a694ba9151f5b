"""eu-ai-act-classification 2.0.0 (issue 15): what its results say beside the tier, against 1.1.0.

Each issue point has golden scenarios in 2.0.0.scenarios.json (prefixed `v2_p<point>_`). Here
their answers are put to 1.1.0 as a 1.1.0 user would have had to give them, and the test asserts
that 1.1.0 said what the issue found wrong, so the scenarios fail on 1.1.0's logic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.rules.engine import Result
from tests.conftest import project_root

KEY = "eu-ai-act-classification"
AS_OF = date(2026, 11, 27)
SCENARIOS = json.loads(
    (project_root() / "questionnaires" / KEY / "2.0.0.scenarios.json").read_text()
)["scenarios"]
BY_ID = {s["id"]: s for s in SCENARIOS}

# Flags and obligations that presume the system may lawfully be placed on the market or used.
COMPLIANCE_FLAGS = {
    "art50_transparency",
    "registration_eu_database",
    "national_registration",
    "eu_database_secure_section",
    "notified_body_may_be_required",
    "fria_required",
    "prior_authorisation_required",
    "annex_iii_route",
    "annex_i_route",
}


def _version(catalog: Catalog, version: str) -> QuestionnaireVersion:
    return catalog.get(KEY, version)


def _run(v: QuestionnaireVersion, answers: dict[str, Any]) -> Result:
    assert v.validate(answers) == []
    return v.evaluate(answers, as_of=AS_OF, trace=False)


def _ids(items: Any) -> set[str]:
    return {i.id for i in items}


def test_every_issue_point_has_a_scenario() -> None:
    points = {s["id"].split("_")[1] for s in SCENARIOS if s["id"].startswith("v2_p")}
    assert points == {f"p{n}" for n in range(1, 9)}
    for s in SCENARIOS:
        if s["id"].startswith("v2_p"):
            assert "EU AI Act" in s["description"], s["id"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_no_prohibited_result_carries_a_compliance_duty(
    catalog: Catalog, scenario: dict[str, Any]
) -> None:
    v = _version(catalog, "2.0.0")
    as_of = date.fromisoformat(scenario.get("as_of", "2026-11-27"))
    result = v.evaluate(scenario["answers"], as_of=as_of, trace=False)
    if result.tier != "prohibited":
        return
    flags = _ids(result.flags)
    assert not flags & COMPLIANCE_FLAGS
    assert "cease_and_withdraw" in flags
    for obligation in result.obligations:
        ref = obligation.citation.ref if obligation.citation else ""
        # only the prohibitions themselves, and model duties that are not the system's
        assert ref.startswith(
            ("EU AI Act Art. 5(", "EU AI Act Art. 53", "EU AI Act Art. 54", "EU AI Act Art. 55")
        ), (obligation.id, ref)
        assert not ref.startswith("EU AI Act Art. 50")


def test_the_scenarios_cover_prohibited_results(catalog: Catalog) -> None:
    v = _version(catalog, "2.0.0")
    prohibited = [s for s in SCENARIOS if _run(v, s["answers"]).tier == "prohibited"]
    assert len(prohibited) >= 12


def _to_1_1_0(answers: dict[str, Any], **override: Any) -> dict[str, Any]:
    """2.0.0 answers as a 1.1.0 user gives them (the 2.0.0-only facts go; `override` adds the
    guesses 1.1.0 forced)."""
    old = dict(answers)
    if "workers_subject_to_system" in old:
        old["workplace_use"] = old.pop("workers_subject_to_system")
    assessment = old.pop("art6_3_assessment", None)
    if assessment in ("no_significant_risk", "significant_risk"):
        old["art6_3_no_significant_risk"] = assessment == "no_significant_risk"
    when = old.pop("high_risk_market_date", None)
    change = old.pop("high_risk_significant_change", None)
    if when == "from_2028_08_02_or_not_yet":
        old["high_risk_on_market_before_application"] = "no"
    elif when not in (None, "unknown") and change in ("no", "yes"):
        old["high_risk_on_market_before_application"] = (
            "yes_unchanged" if change == "no" else "yes_significantly_changed"
        )
    old.pop("model_only_relation", None)
    old.update(override)
    return {k: v for k, v in old.items() if v is not None}


OBL = "eu-ai-act:"
# scenario id -> (1.1.0 answers from the 2.0.0 answers, what 1.1.0 said that 2.0.0 does not)
AGAINST_1_1_0: dict[
    str, tuple[Callable[[dict[str, Any]], dict[str, Any]], Callable[[Result], bool]]
] = {
    "v2_p1_prohibited_emotion_workplace_no_art50": (
        lambda a: _to_1_1_0(a),
        lambda r: (
            f"{OBL}deployer.emotion-biometric-disclosure" in _ids(r.obligations)
            and {"art50_transparency", "notified_body_may_be_required"} <= _ids(r.flags)
        ),
    ),
    "v2_p1_prohibited_realtime_rbi_no_registration": (
        lambda a: _to_1_1_0(a),
        lambda r: "notified_body_may_be_required" in _ids(r.flags),
    ),
    "v2_p1_realtime_rbi_exception_conditions": (
        lambda a: _to_1_1_0(a),
        lambda r: r.tier == "high_risk" and "notify_authorities_each_use" not in _ids(r.flags),
    ),
    "v2_p2_section_b_vehicle_chatbot": (
        lambda a: _to_1_1_0(a),
        lambda r: (
            {f"{OBL}all.ai-literacy", f"{OBL}provider.ai-interaction-disclosure"}
            <= _ids(r.obligations)
        ),
    ),
    "v2_p2_machinery_every_role": (
        lambda a: _to_1_1_0(a),
        # Section A duties with an omnibus date, although the Omnibus moves machinery to B
        lambda r: any(
            o.id == f"{OBL}provider.risk-management-annex-i" and o.applies_from["omnibus"]
            for o in r.obligations
        ),
    ),
    "v2_p2_machinery_generator_on_market_before_august_2026": (
        lambda a: _to_1_1_0(a),
        # Art. 4 and Art. 50(2) with an omnibus date, although Art. 2(2) excludes them there
        lambda r: (
            any(
                o.id == f"{OBL}provider.synthetic-content-marking-legacy"
                and o.applies_from["omnibus"]
                for o in r.obligations
            )
            and any(o.id == f"{OBL}all.ai-literacy" for o in r.obligations)
        ),
    ),
    "v2_p3_model_only_provider": (
        # the 1.1.0 help text: "LLMs count ... if unsure, answer Yes"
        lambda a: _to_1_1_0(
            a,
            is_ai_system=True,
            open_source=False,
            roles=["provider"],
            art5_practices=["none"],
            annex1_product="none",
            annex3_areas=["none"],
            art50_features=["generates_synthetic_content"],
            art50_2_exception="none_applies",
        ),
        lambda r: f"{OBL}provider.synthetic-content-marking" in _ids(r.obligations),
    ),
    "v2_p3_model_user_via_api": (
        lambda a: _to_1_1_0(a),
        lambda r: "not_ai_system" in _ids(r.flags),
    ),
    "v2_p4_cv_screening_staff_only_operate": (
        # 1.1.0 asked about "staff who operate it", so the recruiters made it a yes
        lambda a: _to_1_1_0(a, workplace_use=True),
        lambda r: f"{OBL}deployer.inform-workers" in _ids(r.obligations),
    ),
    "v2_p5_critical_infrastructure_provider": (
        lambda a: _to_1_1_0(a),
        lambda r: (
            f"{OBL}provider.national-registration" not in _ids(r.obligations)
            and "national_registration" in _ids(r.flags)
        ),
    ),
    "v2_p6_deployer_type_unknown": (
        lambda a: _to_1_1_0(a, deployer_type="private_other"),  # the forced guess
        lambda r: not r.undetermined,
    ),
    "v2_p6_art6_3_assessment_unknown": (
        lambda a: _to_1_1_0(a, art6_3_no_significant_risk=True),  # the forced guess
        lambda r: r.final and r.tier == "minimal" and not r.undetermined,
    ),
    "v2_p6_market_date_between_calendars": (
        # one yes/no for both calendars: "yes" claims grandfathering under the original too
        lambda a: _to_1_1_0(a, high_risk_on_market_before_application="yes_unchanged"),
        lambda r: "legacy_high_risk_system" in _ids(r.flags),
    ),
    "v2_p6_market_date_unknown": (
        lambda a: _to_1_1_0(a),
        lambda r: not r.undetermined,
    ),
    "v2_p7_third_country_authority": (
        lambda a: _to_1_1_0(a, scope_exclusions=["none"]),
        lambda r: r.tier != "out_of_scope",
    ),
    "v2_p7_no_role": (
        lambda a: _to_1_1_0(
            a,
            roles=["deployer"],
            role_switch=["none"],
            deployer_type="private_other",
            workplace_use=False,
        ),
        lambda r: r.tier != "out_of_scope",
    ),
    "v2_p7_model_provider_military": (
        lambda a: _to_1_1_0(a),
        lambda r: (
            "art2_3_not_for_models" not in _ids(r.flags)
            and "excluded_art2_3_military" not in _ids(r.flags)
        ),
    ),
    "v2_p8_police_post_rbi_under_law_enforcement": (
        lambda a: _to_1_1_0(a, annex3_law_enforcement=["none"]),
        lambda r: r.tier == "minimal",
    ),
    "v2_p8_job_applicant_ranking_not_social_scoring": (
        lambda a: _to_1_1_0(
            a, art5_practices=["social_scoring"], art5_c_detrimental_treatment=True
        ),
        lambda r: r.tier == "prohibited",
    ),
}


def test_every_point_scenario_is_checked_against_1_1_0() -> None:
    points = {s["id"] for s in SCENARIOS if s["id"].startswith("v2_p")}
    # the Section A scenario is the contrast to Section B and machinery: the same in both
    assert points - set(AGAINST_1_1_0) == {"v2_p2_section_a_medical_device_manufacturer"}


@pytest.mark.parametrize("scenario_id", sorted(AGAINST_1_1_0))
def test_the_scenario_fails_on_1_1_0(catalog: Catalog, scenario_id: str) -> None:
    scenario = BY_ID[scenario_id]
    old_answers, said_before = AGAINST_1_1_0[scenario_id]
    old = _run(_version(catalog, "1.1.0"), old_answers(scenario["answers"]))
    new = _run(_version(catalog, "2.0.0"), scenario["answers"])
    assert said_before(old), f"1.1.0 no longer says what issue 15 reported for {scenario_id}"
    assert not said_before(new) or scenario_id == "v2_p7_model_provider_military"
    expect = scenario["expect"]
    old_essence = (
        old.tier,
        _ids(old.fired),
        _ids(old.obligations),
        _ids(old.flags),
        _ids(old.undetermined),
    )
    new_essence = (
        expect["tier"],
        set(expect["fired"]),
        set(expect["obligations"]),
        set(expect["flags"]),
        set(expect["undetermined"]),
    )
    assert old_essence != new_essence


def test_machinery_duties_do_not_arise_under_the_omnibus(catalog: Catalog) -> None:
    result = _run(_version(catalog, "2.0.0"), BY_ID["v2_p2_machinery_every_role"]["answers"])
    machinery = [o for o in result.obligations if o.id.endswith("-machinery")]
    assert len(machinery) > 20
    assert all(o.applies_from["omnibus"] is None for o in machinery)
    chapter_iii = [o for o in machinery if "-annex-i-" in o.id]
    assert all(o.applies_from["original"] == date(2027, 8, 2) for o in chapter_iii)
    # Arts. 4 and 50 under the original calendar only
    assert {o.id for o in machinery} - {o.id for o in chapter_iii} == {
        "eu-ai-act:all.ai-literacy-machinery",
        "eu-ai-act:provider.ai-interaction-disclosure-machinery",
        "eu-ai-act:provider.synthetic-content-marking-machinery",
        "eu-ai-act:deployer.emotion-biometric-disclosure-machinery",
        "eu-ai-act:deployer.deep-fake-disclosure-machinery",
        "eu-ai-act:deployer.public-interest-text-disclosure-machinery",
    }


def test_unknown_answers_leave_what_depends_on_them_waiting(catalog: Catalog) -> None:
    v = _version(catalog, "2.0.0")
    result = _run(v, BY_ID["v2_p6_deployer_type_unknown"]["answers"])
    waits = {u.id: u.waits_for for u in result.undetermined}
    assert waits == {
        "fria_required": ("deployer_type",),
        "hr_deployer_public_registration": ("deployer_type",),
    }
    assert "deployer_type" not in result.missing_required
    date_unknown = _run(v, BY_ID["v2_p6_market_date_unknown"]["answers"])
    assert len(date_unknown.undetermined) == 4
    # the date, and the questions that only show once the date is known
    for rule in date_unknown.undetermined:
        assert rule.id.startswith("art111_2_")
        assert "high_risk_market_date" in rule.waits_for
        assert set(rule.waits_for) <= {
            "high_risk_market_date",
            "high_risk_significant_change",
            "high_risk_for_public_authorities",
        }
    assert date_unknown.missing_required == ()


def test_the_market_date_is_read_per_calendar(catalog: Catalog) -> None:
    v = _version(catalog, "2.0.0")
    base = BY_ID["v2_p6_market_date_between_calendars"]["answers"]
    expected = {
        "before_2026_08_02": {"original", "omnibus"},
        "from_2026_08_02_to_2027_08_01": {"omnibus"},
        "from_2027_08_02_to_2027_12_01": {"omnibus"},
        "from_2027_12_02_to_2028_08_01": set(),
    }
    for when, calendars in expected.items():
        flags = _ids(_run(v, {**base, "high_risk_market_date": when}).flags)
        got = {
            c for c in ("original", "omnibus") if f"legacy_high_risk_system_{c}_calendar" in flags
        }
        assert got == calendars, when


def test_the_readme_worked_example_is_what_2_0_0_gives(catalog: Catalog) -> None:
    readme = (project_root() / "README.md").read_text()
    section = readme[readme.index("### Worked example") : readme.index("## Assessments:")]
    blocks = section.split("```json\n")
    answers = json.loads(blocks[1].split("```")[0])
    shown = json.loads(blocks[2].split("```")[0])
    assert shown["questionnaire"]["version"] == "2.0.0"
    result = _run(_version(catalog, "2.0.0"), answers).to_dict()
    assert result["questionnaire"]["content_hash"].startswith(
        shown["questionnaire"]["content_hash"].rstrip("…")
    )
    assert (result["tier"], result["final"]) == (shown["tier"], shown["final"])
    for part in ("fired", "obligations", "controls"):
        full = {entry["id"]: entry for entry in result[part]}
        for entry in shown[part]:
            assert {k: full[entry["id"]][k] for k in entry} == entry
    assert result["flags"] == shown["flags"]
    counts = f"all {len(result['fired'])} fired rules, {len(result['obligations'])} obligations, "
    assert counts + f"{len(result['controls'])} controls" in section
