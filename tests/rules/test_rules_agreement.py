"""Browser and server agree on conditions: random cases with the Python verdicts, for the web app.

Hypothesis writes random condition trees (every operator, named conditions, scores, disabled
items) and answers; the Python engine decides each. The cases and verdicts are committed in
`agreement/random-cases.json`, which the web app's Vitest suite evaluates with the TypeScript
engine (web/src/lib/conditions/agreement.test.ts). Committed rather than written at test time so
that `npm test` runs alone; this test keeps the file fresh: every committed verdict must still
be the Python engine's. `AGREEMENT_WRITE=1 pytest tests/rules/test_rules_agreement.py`
draws a new set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rules.conformance_runner import run_case

FILE = Path(__file__).parent / "agreement" / "random-cases.json"
CASES_TO_DRAW = 1500

ITEMS: dict[str, dict[str, Any]] = {
    "b0": {"type": "boolean"},
    "b1": {"type": "boolean"},
    "c": {"type": "single_choice", "options": ["x", "y", "z"]},
    "m": {"type": "multi_choice", "options": ["p", "q", "r", "none"], "exclusive": ["none"]},
    "n": {"type": "integer"},
    "d": {"type": "decimal"},
    "s": {"type": "string"},
    "day": {"type": "date"},
    "off": {"type": "boolean", "enabled": False},
    "offc": {"type": "single_choice", "options": ["x", "y"], "enabled": False},
}
SCORES = {
    "harm": [
        {"when": {"==": [{"var": "b0"}, True]}, "points": 2},
        {"when": {"includes": [{"var": "m"}, "p"]}, "points": 3},
        {"when": {">=": [{"var": "n"}, 2]}, "points": -1},
    ],
    "half": [{"when": {"==": [{"var": "c"}, "x"]}, "points": 1.5}],
}
NAMED = {
    "yes": {"==": [{"var": "b0"}, True]},
    "either": {"any": [{"condition": "yes"}, {"==": [{"var": "c"}, "x"]}]},
    "hidden": {"==": [{"var": "off"}, True]},
    "many": {
        ">=": [{"count": [{"condition": "yes"}, {"answered": "s"}, {"<": [{"var": "d"}, 1.5]}]}, 2]
    },
}
DATES = ["2024-02-29", "2025-01-01", "2026-08-02", "2027-12-02"]
M_CODES = ["p", "q", "r", "none"]
ORDER = ["<", "<=", ">", ">="]
ANY_OP = ["==", "!=", *ORDER]

atoms = st.one_of(
    st.booleans(),
    st.builds(
        lambda i, op, v: {op: [{"var": i}, v]},
        st.sampled_from(["b0", "b1", "off"]),
        st.sampled_from(["==", "!="]),
        st.booleans(),
    ),
    st.builds(
        lambda i, op, v: {op: [{"var": i}, v]},
        st.sampled_from(["c"]),
        st.sampled_from(["==", "!="]),
        st.sampled_from(["x", "y", "z"]),
    ),
    st.builds(
        lambda op, v: {op: [{"var": "offc"}, v]},
        st.sampled_from(["==", "!="]),
        st.sampled_from(["x", "y"]),
    ),
    st.builds(
        lambda v: {"in": [{"var": "c"}, v]},
        st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda v: {"in": [{"var": "n"}, v]},
        st.lists(st.integers(-2, 3), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda v: {"in": [{"var": "s"}, v]},
        st.lists(st.sampled_from(["", "a", "ab"]), min_size=1, max_size=2, unique=True),
    ),
    st.builds(lambda op, v: {op: [{"var": "n"}, v]}, st.sampled_from(ANY_OP), st.integers(-2, 3)),
    st.builds(
        lambda op, v: {op: [{"var": "d"}, v]},
        st.sampled_from(ANY_OP),
        st.sampled_from([-1, 0, 0.5, 1.5, 2]),
    ),
    st.builds(
        lambda op, v: {op: [{"var": "day"}, v]}, st.sampled_from(ANY_OP), st.sampled_from(DATES)
    ),
    st.builds(
        lambda op, v: {op: [{"var": "s"}, v]},
        st.sampled_from(["==", "!="]),
        st.sampled_from(["", "a", "ab"]),
    ),
    st.builds(lambda v: {"includes": [{"var": "m"}, v]}, st.sampled_from(M_CODES)),
    st.builds(
        lambda op, v: {op: [{"var": "m"}, v]},
        st.sampled_from(["includes_any", "includes_all"]),
        st.lists(st.sampled_from(M_CODES), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda i: {"answered": i}, st.sampled_from(sorted(ITEMS))),
    st.builds(
        lambda op, k: {op: [{"score": "harm"}, k]},
        st.sampled_from(ANY_OP),
        st.sampled_from([-1, 0, 1, 2, 3, 4, 5]),
    ),
    st.builds(
        lambda op, k: {op: [{"score": "half"}, k]},
        st.sampled_from(ANY_OP),
        st.sampled_from([0, 1, 1.5]),
    ),
    st.builds(lambda name: {"condition": name}, st.sampled_from(sorted(NAMED))),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(children, min_size=1, max_size=4)),
        st.builds(lambda cs: {"any": cs}, st.lists(children, min_size=1, max_size=4)),
        st.builds(lambda c: {"not": c}, children),
        st.builds(
            lambda cs, op, k: {op: [{"count": cs}, k]},
            st.lists(children, min_size=1, max_size=4),
            st.sampled_from(ANY_OP),
            st.sampled_from([0, 1, 2, 2.5, 3]),
        ),
    )


conditions = st.recursive(atoms, _extend, max_leaves=12)


def _value(item_id: str) -> st.SearchStrategy[Any]:
    kind = ITEMS[item_id]["type"]
    if kind == "boolean":
        return st.booleans()
    if kind == "single_choice":
        return st.sampled_from(ITEMS[item_id]["options"])
    if kind == "multi_choice":
        return st.one_of(
            st.just(["none"]), st.lists(st.sampled_from(["p", "q", "r"]), max_size=3, unique=True)
        )
    if kind == "integer":
        return st.integers(-2, 3)
    if kind == "decimal":
        return st.sampled_from([-1, 0, 0.5, 1.5, 2, 2.25])
    if kind == "date":
        return st.sampled_from([*DATES, "2026-08-01"])
    return st.sampled_from(["", "a", "ab", "b"])


answers = st.fixed_dictionaries({}, optional={i: st.one_of(st.none(), _value(i)) for i in ITEMS})


def _case(condition: Any, given_answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": ITEMS,
        "scores": SCORES,
        "conditions": NAMED,
        "condition": condition,
        "answers": given_answers,
    }


def _draw() -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=CASES_TO_DRAW,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(conditions, answers)
    def record(condition: Any, given_answers: dict[str, Any]) -> None:
        case = _case(condition, given_answers)
        value, problems = run_case(case)
        assert problems == [], problems
        drawn.append({**case, "expected": value})

    record()
    return drawn


def test_agreement_cases_are_the_python_verdicts() -> None:
    if os.environ.get("AGREEMENT_WRITE"):
        cases = _draw()
        FILE.parent.mkdir(exist_ok=True)
        # Shared parts once at the top; each case carries its condition, answers and verdict.
        shared = {"items": ITEMS, "scores": SCORES, "conditions": NAMED}
        body = [{k: c[k] for k in ("condition", "answers", "expected")} for c in cases]
        FILE.write_text(json.dumps({**shared, "cases": body}, separators=(",", ":")) + "\n")
    data = json.loads(FILE.read_text())
    assert {"items": data["items"], "scores": data["scores"], "conditions": data["conditions"]} == {
        "items": ITEMS,
        "scores": SCORES,
        "conditions": NAMED,
    }, "the generator changed: redraw with AGREEMENT_WRITE=1"
    assert len(data["cases"]) >= 1000
    verdicts = [c["expected"] for c in data["cases"]]
    assert {True, False, None} <= set(verdicts), "every verdict is represented"
    for c in data["cases"]:
        value, problems = run_case(_case(c["condition"], c["answers"]))
        assert problems == []
        assert value is c["expected"], c
