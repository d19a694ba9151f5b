"""Run one condition-language conformance case (the JSON files in conformance/).

A case: ``items`` (id -> {type, options?, exclusive?, enabled?}), optional ``scores``
(id -> [{when, points}]), optional named ``conditions`` (name -> condition, used as
``{"condition": name}``), ``condition``, ``answers`` and ``expected`` (true, false or null), or
``error`` (the problem code compiling must report). Disabled items keep their answer in
``answers``; reading them must give unknown.
"""

from __future__ import annotations

from typing import Any

from app.rules import ConditionCompiler, Env, ItemInfo, NamedConditions, ScoreInfo
from app.rules.codegen import generate


def run_case(case: dict[str, Any]) -> tuple[bool | None, list[str]]:
    """Evaluate a case; return its value and the problem codes compiling reported."""
    items = {
        item_id: ItemInfo(
            spec["type"],
            frozenset(spec.get("options", ())),
            frozenset(spec.get("exclusive", ())),
        )
        for item_id, spec in case["items"].items()
    }
    facts = {
        item_id: value
        for item_id, value in case["answers"].items()
        if value is not None and case["items"][item_id].get("enabled", True)
    }
    score_infos: dict[str, ScoreInfo] = {}
    ranges: dict[str, tuple[float, float]] = {}
    problems: list[str] = []
    named = NamedConditions(case.get("conditions", {}))
    for score_id, terms in case.get("scores", {}).items():
        compiler = ConditionCompiler(items)
        compiled = [(compiler.compile(t["when"], ""), float(t["points"])) for t in terms]
        problems += [p.code for p in compiler.problems]
        lo = hi = 0.0
        static_lo = static_hi = 0.0
        for cond, points in compiled:
            value = cond.fn(Env(facts, ranges))
            if value is True:
                lo, hi = lo + points, hi + points
            elif value is None:
                lo, hi = lo + min(points, 0.0), hi + max(points, 0.0)
            static_lo += min(points, 0.0)
            static_hi += max(points, 0.0)
        ranges[score_id] = (lo, hi)
        score_infos[score_id] = ScoreInfo(
            (static_lo, static_hi),
            all(p.is_integer() for _, p in compiled),
            frozenset(),
            lambda env: frozenset(),
        )
    compiler = ConditionCompiler(items, score_infos, named=named)
    condition = compiler.compile(case["condition"], "")
    problems += [p.code for p in compiler.problems]
    value = condition.fn(Env(facts, ranges))
    # the generated function and the explaining walk agree with the closures
    assert generate(condition)(Env(facts, ranges)) is value
    assert condition.probe(Env(facts, ranges))[0] is value
    return value, problems
