"""The JSON rules of the request guard on their own: depth read from bytes, exact numbers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.request_guard import MAX_JSON_DEPTH, MAX_SAFE_INTEGER, json_problems


def _nested(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels - 1):
        value = [value, {"k": leaf}]
    return [value]


@pytest.mark.parametrize("leaf", ["x", "[[[{{{", '\\"]]]', "\\", '"\\\\"]', "]}" * 50])
def test_depth_counts_structure_not_brackets_inside_strings(leaf: str) -> None:
    # _nested(n) holds objects one level below its deepest list: n + 1 levels in all.
    fits = json.dumps(_nested(MAX_JSON_DEPTH - 1, leaf)).encode()
    too_deep = json.dumps(_nested(MAX_JSON_DEPTH, leaf)).encode()
    assert json_problems(fits) is None
    found = json_problems(too_deep)
    assert found is not None
    assert found[0] == "json-too-deep"


def test_brackets_in_a_long_string_are_not_nesting() -> None:
    assert json_problems(json.dumps({"text": "[" * 10_000}).encode()) is None


@pytest.mark.parametrize(
    ("text", "fine"),
    [
        (str(MAX_SAFE_INTEGER), True),
        (str(-MAX_SAFE_INTEGER), True),
        (str(MAX_SAFE_INTEGER + 1), False),
        ("1e400", False),
        ("-1e400", False),
        ("NaN", False),
        ("Infinity", False),
        ("1.5e300", True),
        ("0.1", True),
        ("1" * 5000, False),
    ],
)
def test_numbers_json_carries_exactly(text: str, fine: bool) -> None:
    found = json_problems(f'{{"a": [{text}]}}'.encode())
    if fine:
        assert found is None
    else:
        assert found is not None
        assert found[0] == "unsafe-number"
        assert found[2][0]["pointer"] == "/a/0"


def test_unparseable_json_is_left_to_the_route() -> None:
    assert json_problems(b'{"a": ') is None
