"""Property-based tests of the condition language: Kleene laws, monotonicity, a reference model."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import ConditionCompiler, Env, ItemInfo
from app.rules.codegen import generate

ITEMS = {
    "b0": ItemInfo("boolean"),
    "b1": ItemInfo("boolean"),
    "b2": ItemInfo("boolean"),
    "c": ItemInfo("single_choice", frozenset({"x", "y", "z"})),
    "n": ItemInfo("integer"),
    "m": ItemInfo("multi_choice", frozenset({"p", "q", "r"})),
}
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "b0": st.booleans(),
    "b1": st.booleans(),
    "b2": st.booleans(),
    "c": st.sampled_from(["x", "y", "z"]),
    "n": st.integers(-3, 3),
    "m": st.lists(st.sampled_from(["p", "q", "r"]), unique=True),
}

atoms = st.one_of(
    st.booleans(),
    st.builds(
        lambda i, v: {"==": [{"var": i}, v]}, st.sampled_from(["b0", "b1", "b2"]), st.booleans()
    ),
    st.builds(lambda v: {"!=": [{"var": "c"}, v]}, st.sampled_from(["x", "y", "z"])),
    st.builds(
        lambda v: {"in": [{"var": "c"}, v]},
        st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, unique=True),
    ),
    st.builds(
        lambda op, v: {op: [{"var": "n"}, v]},
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        st.integers(-3, 3),
    ),
    st.builds(
        lambda op, v: {op: [{"var": "m"}, v]},
        st.sampled_from(["includes_any", "includes_all"]),
        st.lists(st.sampled_from(["p", "q", "r"]), min_size=1, unique=True),
    ),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
        st.builds(
            lambda cs, op, k: {op: [{"count": cs}, k]},
            st.lists(children, min_size=1, max_size=3),
            st.sampled_from([">=", "<=", "==", ">", "<", "!="]),
            st.integers(0, 3),
        ),
    )


conditions = st.recursive(atoms, _extend, max_leaves=8)
answers = st.fixed_dictionaries({}, optional=VALUES)


def evaluate(expr: Any, facts: dict[str, Any]) -> bool | None:
    condition = ConditionCompiler(ITEMS).compile(expr, "")
    value, waits = condition.probe(Env(facts))
    assert value is condition.fn(Env(facts))  # the explaining path agrees with the fast one
    assert generate(condition)(Env(facts)) is value  # so does the generated function
    assert waits <= set(ITEMS) - set(facts)
    assert value is None or not waits
    return condition.fn(Env(facts))


def reference(expr: Any, facts: dict[str, Any]) -> bool | None:
    """A direct, slow Kleene interpreter used as the model."""
    if isinstance(expr, bool):
        return expr
    ((op, arg),) = expr.items()
    if op == "all":
        vals = [reference(c, facts) for c in arg]
        return False if False in vals else None if None in vals else True
    if op == "any":
        vals = [reference(c, facts) for c in arg]
        return True if True in vals else None if None in vals else False
    if op == "not":
        v = reference(arg, facts)
        return None if v is None else not v
    left, right = arg
    if "count" in left:
        vals = [reference(c, facts) for c in left["count"]]
        lo = vals.count(True)
        hi = lo + vals.count(None)
        outcomes = {_cmp(op, n, right) for n in range(lo, hi + 1)}
        return outcomes.pop() if len(outcomes) == 1 else None
    value = facts.get(left["var"])
    if value is None:
        return None
    if op == "in":
        return value in right
    if op == "includes_any":
        return any(c in value for c in right)
    if op == "includes_all":
        return all(c in value for c in right)
    return _cmp(op, value, right)


def _cmp(op: str, a: Any, b: Any) -> bool:
    table = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    return bool(table[op])


@settings(max_examples=400)
@given(conditions, answers)
def test_compiled_matches_reference_model(expr: Any, facts: dict[str, Any]) -> None:
    assert evaluate(expr, facts) is reference(expr, facts)


@given(conditions, answers)
def test_double_negation(expr: Any, facts: dict[str, Any]) -> None:
    assert evaluate({"not": {"not": expr}}, facts) is evaluate(expr, facts)


@given(conditions, conditions, answers)
def test_de_morgan(a: Any, b: Any, facts: dict[str, Any]) -> None:
    assert evaluate({"not": {"all": [a, b]}}, facts) is evaluate(
        {"any": [{"not": a}, {"not": b}]}, facts
    )
    assert evaluate({"not": {"any": [a, b]}}, facts) is evaluate(
        {"all": [{"not": a}, {"not": b}]}, facts
    )


@given(conditions, conditions, answers)
def test_commutative(a: Any, b: Any, facts: dict[str, Any]) -> None:
    assert evaluate({"all": [a, b]}, facts) is evaluate({"all": [b, a]}, facts)
    assert evaluate({"any": [a, b]}, facts) is evaluate({"any": [b, a]}, facts)


@given(conditions, answers)
def test_excluded_middle_is_unknown_only_when_unknown(expr: Any, facts: dict[str, Any]) -> None:
    value = evaluate({"any": [expr, {"not": expr}]}, facts)
    assert value is (None if evaluate(expr, facts) is None else True)


@settings(max_examples=300)
@given(conditions, answers, answers)
def test_answering_more_never_changes_a_decided_value(
    expr: Any, partial: dict[str, Any], extra: dict[str, Any]
) -> None:
    """Monotone in information (holds without `answered`, which these conditions never use)."""
    before = evaluate(expr, partial)
    after = evaluate(expr, {**extra, **partial})
    if before is not None:
        assert after is before
