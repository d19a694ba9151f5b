"""Canonical JSON: the fast path writes exactly what the RFC 8785 reference writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from app.canonical import canonical_hash, canonical_json
from tests.conftest import project_root

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as error:
        return type(error)


def _ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(value)
    except rfc8785.CanonicalizationError as error:
        return type(error)


@given(JSON_VALUES)
def test_any_json_value_is_written_as_the_reference_writes_it(value: Any) -> None:
    assert _ours(value) == _reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ue000": 2, "z": 3},  # UTF-16 order is not code-point order here
        {"a": '\x00\x1f\x7f\u2028"\\/\b\f\n\r\t'},
        [2**53 - 1, -(2**53) + 1, 2**53],
        {"s": "\ud800"},  # a lone surrogate is no JSON text
        (1, "tuple", None, True, False),
        {"f": 1.0, "g": 1e21, "h": -0.0},
    ],
)
def test_the_edges_are_written_as_the_reference_writes_them(value: Any) -> None:
    assert _ours(value) == _reference(value)


def test_every_shipped_questionnaire_file_hashes_as_before() -> None:
    """The lock file's hashes of published versions rest on these bytes."""
    files = sorted((project_root() / "questionnaires").rglob("*.json"))
    assert files
    for path in files:
        value = json.loads(path.read_text(encoding="utf-8"))
        assert canonical_json(value) == rfc8785.dumps(value), path
        assert len(canonical_hash(value)) == 64
