"""Engine and static checks on small specs built in the test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from app.rules import (
    BandSpec,
    CompileError,
    InvalidAnswerError,
    ItemSpec,
    ObligationSpec,
    Program,
    QuestionnaireSpec,
    RuleSpec,
    ScoreSpec,
    ScoreTermSpec,
    SectionSpec,
    compile_questionnaire,
    evaluate,
)

AS_OF = date(2026, 11, 27)


def item(i: int, id_: str, type_: str, section: str = "s", **kw: Any) -> ItemSpec:
    return ItemSpec(id=id_, type=type_, section=section, pointer=f"/sections/0/items/{i}", **kw)


def rule(r: int, id_: str, when: Any, **kw: Any) -> RuleSpec:
    return RuleSpec(id=id_, pointer=f"/scoring/rules/{r}", when=when, **kw)


def spec(**kw: Any) -> QuestionnaireSpec:
    base = QuestionnaireSpec(
        key="demo",
        version="1.0.0",
        content_hash="c" * 64,
        logic_hash="l" * 64,
        sections=(
            SectionSpec("s", "/sections/0"),
            SectionSpec("t", "/sections/1", {"==": [{"var": "uses_ai"}, True]}),
        ),
        items=(
            item(0, "uses_ai", "boolean", required=True),
            item(
                1,
                "area",
                "single_choice",
                options=("hr", "other"),
                required=True,
                enable_when={"==": [{"var": "uses_ai"}, True]},
            ),
            item(2, "people", "integer", section="t", required=True),
            item(3, "note", "text"),
            item(4, "heading", "display"),
        ),
        tiers=("low", "medium", "high"),
        default_tier="low",
        rules=(
            rule(
                0,
                "hr",
                {"==": [{"var": "area"}, "hr"]},
                tier="high",
                obligations=("eu-ai-act:deployer.art26",),
                controls=("iso-42001:A.5.2",),
                flags=("fria",),
                rationale={"en": "HR use."},
                refs=("EU AI Act Annex III 4",),
            ),
            rule(
                1,
                "many",
                {">=": [{"score": "reach"}, 5]},
                tier="medium",
                controls=("iso-42001:A.5.4",),
            ),
            rule(2, "ai", {"==": [{"var": "uses_ai"}, True]}, flags=("inventory",)),
        ),
        scores=(
            ScoreSpec(
                "reach",
                "/scoring/scores/0",
                (
                    ScoreTermSpec({">=": [{"var": "people"}, 100]}, 3, "/scoring/scores/0/terms/0"),
                    ScoreTermSpec(
                        {">=": [{"var": "people"}, 1000]}, 3, "/scoring/scores/0/terms/1"
                    ),
                ),
                (BandSpec("small", 2), BandSpec("large", None)),
            ),
        ),
        obligations={
            "eu-ai-act:deployer.art26": ObligationSpec(
                "eu-ai-act:deployer.art26",
                {"original": date(2026, 8, 2), "omnibus": date(2027, 12, 2)},
            )
        },
        calendars={"original": "as published", "omnibus": "as amended"},
    )
    return replace(base, **kw)


@pytest.fixture(scope="module")
def program() -> Program:
    return compile_questionnaire(spec())


def test_fired_rule_sets_tier_obligations_controls_flags(program: Program) -> None:
    result = evaluate(program, {"uses_ai": True, "area": "hr", "people": 10}, as_of=AS_OF)
    assert result.tier == "high"
    assert result.final is True
    assert [f.id for f in result.fired] == ["hr", "ai"]
    (obligation,) = result.obligations
    assert obligation.required_by == ("hr",)
    assert obligation.applies == {"original": True, "omnibus": False}
    assert [c.id for c in result.controls] == ["iso-42001:A.5.2"]
    assert [(f.id, f.required_by) for f in result.flags] == [
        ("fria", ("hr",)),
        ("inventory", ("ai",)),
    ]
    assert result.to_dict()["obligations"][0]["applies_from"] == {
        "original": "2026-08-02",
        "omnibus": "2027-12-02",
    }
    assert "omnibus" in result.calendar_assumption


def test_obligation_dates_judged_as_of(program: Program) -> None:
    answers = {"uses_ai": True, "area": "hr", "people": 10}
    early = evaluate(program, answers, as_of=date(2026, 8, 1))
    late = evaluate(program, answers, as_of=date(2027, 12, 2))
    assert early.obligations[0].applies == {"original": False, "omnibus": False}
    assert late.obligations[0].applies == {"original": True, "omnibus": True}


def test_unanswered_is_undetermined_not_no(program: Program) -> None:
    result = evaluate(program, {"uses_ai": True}, as_of=AS_OF)
    assert result.tier == "low"
    assert result.final is False
    waits = {u.id: u.waits_for for u in result.undetermined}
    assert waits == {"hr": ("area",), "many": ("people",)}
    assert result.missing_required == ("area", "people")


def test_disabled_answers_are_ignored_never_no(program: Program) -> None:
    result = evaluate(program, {"uses_ai": False, "area": "hr", "people": 5000}, as_of=AS_OF)
    assert result.ignored_answers == ("area", "people")
    assert result.tier == "low"
    assert [f.id for f in result.fired] == []
    # hr reads a definitely disabled item: unknown, but nothing to wait for, so final
    assert {u.id: u.waits_for for u in result.undetermined} == {"hr": (), "many": ()}
    assert result.final is True
    assert result.missing_required == ()


def test_waits_for_follows_undetermined_visibility(program: Program) -> None:
    result = evaluate(program, {}, as_of=AS_OF)
    waits = {u.id: u.waits_for for u in result.undetermined}
    assert waits["hr"] == ("uses_ai", "area")
    assert waits["many"] == ("uses_ai", "people")
    assert result.final is False


def test_score_range_and_band(program: Program) -> None:
    partial = evaluate(program, {"uses_ai": True}, as_of=AS_OF)
    (score,) = partial.scores
    assert (score.min, score.max, score.value, score.band) == (0, 6, None, None)
    full = evaluate(program, {"uses_ai": True, "area": "other", "people": 5000}, as_of=AS_OF)
    (score,) = full.scores
    assert (score.value, score.band, score.final) == (6, "large", True)
    assert full.tier == "medium"


def test_trace_reports_outcome_and_facts(program: Program) -> None:
    result = evaluate(program, {"uses_ai": True, "area": "other"}, as_of=AS_OF)
    assert result.trace is not None
    by_rule = {t.rule: t for t in result.trace}
    assert by_rule["hr"].outcome == "false"
    assert [(f.item, f.state, f.value) for f in by_rule["hr"].facts] == [
        ("area", "answered", "other")
    ]
    assert by_rule["many"].outcome == "unknown"
    assert by_rule["many"].scores == (("reach", 0.0, 6.0),)
    assert evaluate(program, {}, as_of=AS_OF, trace=False).trace is None


@pytest.mark.parametrize(
    ("answers", "item_id"),
    [
        ({"nope": 1}, "nope"),
        ({"heading": "x"}, "heading"),
        ({"uses_ai": "yes"}, "uses_ai"),
        ({"uses_ai": True, "people": True}, "people"),
        ({"uses_ai": True, "people": 1.5}, "people"),
    ],
)
def test_engine_refuses_unreadable_answers(
    program: Program, answers: dict[str, Any], item_id: str
) -> None:
    with pytest.raises(InvalidAnswerError) as info:
        evaluate(program, answers, as_of=AS_OF)
    assert info.value.item_id == item_id


def _problems(**kw: Any) -> list[tuple[str, str]]:
    with pytest.raises(CompileError) as info:
        compile_questionnaire(spec(**kw))
    return [(p.pointer, p.code) for p in info.value.problems]


def test_static_checks_collect_every_problem_with_pointers() -> None:
    base = spec()
    problems = _problems(
        rules=(
            rule(0, "a", {"==": [{"var": "area"}, "nope"]}, tier="high"),
            rule(1, "b", {"<": [{"var": "uses_ai"}, True]}, tier="high"),
            rule(2, "c", {"==": [{"var": "people"}, "many"]}, tier="high"),
            rule(3, "d", {"all": [False, {"==": [{"var": "uses_ai"}, True]}]}, tier="high"),
            rule(4, "e", {">": [{"score": "reach"}, 6]}, tier="high"),
            rule(5, "a", {"==": [{"var": "uses_ai"}, True]}, tier="extreme"),
            rule(6, "f", {"==": [{"var": "uses_ai"}, True]}),
            rule(7, "g", {"==": [{"var": "ghost"}, True]}, tier="high"),
        )
    )
    assert problems == [
        ("/scoring/rules/3/when", "never_fires"),
        ("/scoring/rules/4/when", "never_fires"),
        ("/scoring/rules/5/id", "duplicate"),
        ("/scoring/rules/5/then/tier", "unknown_tier"),
        ("/scoring/rules/6/then", "no_effect"),
        ("/scoring/rules/0/when/==/1", "unknown_option"),
        ("/scoring/rules/1/when/<", "item_type"),
        ("/scoring/rules/2/when/==/1", "literal_type"),
        ("/scoring/rules/7/when/==/0/var", "unknown_item"),
    ]
    assert base.rules  # the base spec itself compiles (fixture)


def test_cycles_in_visibility_are_reported() -> None:
    items = (
        item(0, "a", "boolean", enable_when={"==": [{"var": "b"}, True]}),
        item(1, "b", "boolean", enable_when={"==": [{"var": "a"}, True]}),
        item(2, "c", "boolean", enable_when={"answered": "c"}),
        item(3, "people", "integer", section="t"),
        item(4, "uses_ai", "boolean", section="t"),
        item(5, "area", "single_choice", options=("hr",)),
    )
    problems = _problems(items=items)
    cycles = [p for p in problems if p[1] == "cycle"]
    assert ("/sections/0/items/0/enable_when", "cycle") in cycles
    assert ("/sections/0/items/2/enable_when", "cycle") in cycles
    # section t is enabled by uses_ai, which lives in t itself
    assert any(p[0] == "/sections/1/enable_when" for p in cycles)


def test_duplicate_ids_and_never_enabled_items() -> None:
    items = (
        item(0, "uses_ai", "boolean"),
        item(1, "uses_ai", "integer"),
        item(2, "area", "single_choice", options=("hr",), enable_when=False),
        item(3, "people", "integer", section="t"),
    )
    problems = _problems(items=items)
    assert ("/sections/0/items/1/id", "duplicate") in problems
    assert ("/sections/0/items/2/enable_when", "never_enabled") in problems


def test_bands_must_increase_and_end_open() -> None:
    scores = (
        ScoreSpec(
            "reach",
            "/scoring/scores/0",
            (ScoreTermSpec({">=": [{"var": "people"}, 1]}, 1, "/scoring/scores/0/terms/0"),),
            (BandSpec("a", 5), BandSpec("b", 3)),
        ),
    )
    problems = _problems(scores=scores)
    assert ("/scoring/scores/0/bands/1/max", "bands") in problems
