"""The condition-language conformance suite: plain JSON cases any implementation must pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.rules.conformance_runner import run_case

HERE = Path(__file__).parent / "conformance"
FILES = sorted(HERE.glob("*.json"))


def _cases() -> list[Any]:
    out = []
    for path in FILES:
        for i, case in enumerate(json.loads(path.read_text())["cases"]):
            out.append(pytest.param(case, id=f"{path.stem}[{i}] {case['description']}"))
    return out


def test_suite_covers_every_operator() -> None:
    text = "".join(p.read_text() for p in FILES)
    for op in (
        "all",
        "any",
        "not",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "includes",
        "includes_any",
        "includes_all",
        "answered",
        "count",
        "score",
        "condition",
    ):
        assert f'"{op}"' in text, op


@pytest.mark.parametrize("case", _cases())
def test_conformance_case(case: dict[str, Any]) -> None:
    value, problems = run_case(case)
    if "error" in case:
        assert case["error"] in problems, problems
    else:
        assert problems == []
        assert value is case["expected"]
