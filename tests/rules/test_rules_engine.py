"""Engine and static checks on small specs built in the test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from app.rules import (
    BandSpec,
    CompileError,
    Env,
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
    settle,
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


# -- named conditions ----------------------------------------------------------------------------

NAMED = {
    "ai_in_hr": {"all": [{"condition": "uses_ai"}, {"condition": "hr_area"}]},
    "hr_area": {"==": [{"var": "area"}, "hr"]},
    "uses_ai": {"==": [{"var": "uses_ai"}, True]},
}


def named_spec(**kw: Any) -> QuestionnaireSpec:
    base = spec()
    rules = (
        replace(base.rules[0], when={"condition": "hr_area"}),
        base.rules[1],
        replace(base.rules[2], when={"condition": "uses_ai"}),
        rule(
            3,
            "hr_many",
            {"all": [{"condition": "ai_in_hr"}, {">=": [{"var": "people"}, 10]}]},
            flags=("hr_many",),
        ),
    )
    sections = (base.sections[0], replace(base.sections[1], enable_when={"condition": "uses_ai"}))
    return replace(base, conditions=NAMED, rules=rules, sections=sections, **kw)


class CountingFacts(dict[str, Any]):
    """Facts that count how often each item is read."""

    def __init__(self, facts: dict[str, Any]) -> None:
        super().__init__(facts)
        self.reads: dict[str, int] = {}

    def get(self, key: str, default: Any = None) -> Any:
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key, default)


def test_named_conditions_give_the_inlined_results() -> None:
    named = compile_questionnaire(named_spec())
    inline = compile_questionnaire(spec())
    for answers in (
        {"uses_ai": True, "area": "hr", "people": 10},
        {"uses_ai": True},
        {},
        {"uses_ai": False, "area": "hr", "people": 5000},
    ):
        a = evaluate(named, answers, as_of=AS_OF)
        b = evaluate(inline, answers, as_of=AS_OF)
        assert a.tier == b.tier
        assert [f.id for f in a.fired if f.id != "hr_many"] == [f.id for f in b.fired]
        assert {u.id: u.waits_for for u in a.undetermined if u.id != "hr_many"} == {
            u.id: u.waits_for for u in b.undetermined
        }


def test_a_named_condition_is_evaluated_once_per_evaluation() -> None:
    program = compile_questionnaire(named_spec())
    state = settle(program, {"uses_ai": True, "area": "hr", "people": 10})
    facts = CountingFacts(state.facts)
    env = Env(facts, state.ranges)
    values = program.outcomes(env)
    assert values == [True, False, True, True]
    # uses_ai is read by two named conditions and three rules, but only once
    assert facts.reads["uses_ai"] == 1
    assert facts.reads["area"] == 1
    env2 = Env(CountingFacts(state.facts), state.ranges)
    assert [r.condition.fn(env2) for r in program.rules] == values  # closures agree


def test_trace_names_the_named_conditions_and_waits_go_through_them() -> None:
    program = compile_questionnaire(named_spec())
    result = evaluate(program, {"uses_ai": True, "area": "hr"}, as_of=AS_OF)
    assert result.trace is not None
    by_rule = {t.rule: t for t in result.trace}
    assert by_rule["hr_many"].conditions == (
        ("ai_in_hr", "true"),
        ("hr_area", "true"),
        ("uses_ai", "true"),
    )
    assert [f.item for f in by_rule["hr_many"].facts] == ["uses_ai", "area", "people"]
    assert by_rule["many"].conditions == ()
    assert {u.id: u.waits_for for u in result.undetermined} == {
        "many": ("people",),
        "hr_many": ("people",),
    }
    dumped = result.to_dict()["trace"]
    assert dumped[0]["conditions"] == [{"name": "hr_area", "outcome": "true"}]
    empty = evaluate(program, {}, as_of=AS_OF)
    assert {u.id: u.waits_for for u in empty.undetermined}["hr_many"] == (
        "uses_ai",
        "area",
        "people",
    )


def test_named_condition_problems_have_pointers() -> None:
    problems = _problems(
        conditions={
            **NAMED,
            "loop_a": {"any": [{"condition": "loop_b"}, {"==": [{"var": "uses_ai"}, True]}]},
            "loop_b": {"not": {"condition": "loop_a"}},
            "bad": {"==": [{"var": "area"}, "nope"]},
            "spare": {"==": [{"var": "uses_ai"}, False]},
        },
        rules=(
            rule(0, "a", {"condition": "ai_in_hr"}, tier="high"),
            rule(3, "d", {"condition": "uses_ai"}, tier="high"),
            rule(1, "b", {"condition": "ghost"}, tier="high"),
            rule(2, "c", {"all": [{"condition": "loop_a"}, {"condition": "bad"}]}, tier="high"),
        ),
    )
    assert ("/scoring/rules/1/when/condition", "unknown_condition") in problems
    assert ("/conditions/loop_b/not/condition", "cycle") in problems
    assert ("/conditions/bad/==/1", "unknown_option") in problems
    assert ("/conditions/spare", "unused_condition") in problems
    assert ("/conditions/uses_ai", "unused_condition") not in problems
    assert ("/conditions/hr_area", "unused_condition") not in problems
    assert sum(1 for p in problems if p[1] == "cycle") == 1


def test_unused_named_conditions_are_still_checked() -> None:
    problems = _problems(conditions={"spare": {"==": [{"var": "ghost"}, True]}})
    assert problems == [
        ("/conditions/spare", "unused_condition"),
        ("/conditions/spare/==/0/var", "unknown_item"),
    ]


def test_named_conditions_in_visibility_and_scores_keep_the_order() -> None:
    scores = (
        ScoreSpec(
            "reach",
            "/scoring/scores/0",
            (
                ScoreTermSpec({"condition": "big"}, 3, "/scoring/scores/0/terms/0"),
                ScoreTermSpec({"condition": "huge"}, 3, "/scoring/scores/0/terms/1"),
            ),
            (BandSpec("small", 2), BandSpec("large", None)),
        ),
    )
    conditions = {
        "big": {">=": [{"var": "people"}, 100]},
        "huge": {"all": [{"condition": "big"}, {">=": [{"var": "people"}, 1000]}]},
        "reach_high": {">=": [{"score": "reach"}, 5]},
    }
    base = spec()
    program = compile_questionnaire(
        replace(
            base,
            scores=scores,
            conditions=conditions,
            rules=(*base.rules[:1], replace(base.rules[1], when={"condition": "reach_high"})),
        )
    )
    result = evaluate(program, {"uses_ai": True, "people": 5000}, as_of=AS_OF)
    assert result.tier == "medium"
    assert result.scores[0].value == 6
    cyclic = replace(
        base,
        items=(
            *base.items[:2],
            item(2, "people", "integer", section="t", enable_when={"condition": "seen"}),
            *base.items[3:],
        ),
        conditions={"seen": {"answered": "people"}},
    )
    assert ("/sections/0/items/2/enable_when", "cycle") in _problems(
        **{k: getattr(cyclic, k) for k in ("items", "conditions")}
    )
