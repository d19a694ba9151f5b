"""The condition language's values and compiled form: Kleene three-valued results (``True``,
``False`` and ``None`` for *unknown*), the operators, the `Env` an evaluation reads (`facts`, the
answers of enabled, answered items only, and `ranges`, the ``(min, max)`` a weighted score can
still take) and `Condition`, what compiling one JSON condition gives.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from app.rules.problems import join_pointer

Kleene = bool | None
Facts = Mapping[str, Any]
Ranges = Mapping[str, tuple[float, float]]


class Env:
    """One evaluation: the facts, the score ranges, and a memo of shared sub-conditions.

    The memo is valid for the whole evaluation because a condition is only evaluated once every
    item it reads is settled (visibility is computed in dependency order).
    """

    __slots__ = ("facts", "memo", "ranges")

    def __init__(self, facts: Facts, ranges: Ranges | None = None) -> None:
        self.facts = facts
        self.ranges: Ranges = ranges if ranges is not None else {}
        self.memo: dict[Any, Any] = {}


CondFn = Callable[[Env], Kleene]
NumFn = Callable[[Env], tuple[float, float]]
# Evaluates like CondFn and, when the value is unknown, appends to the list the items that leave
# it unknown (appending nothing when the value is decided).
ExplainFn = Callable[[Env, list[str]], Kleene]
Code = tuple[str, Mapping[str, object]]
NumExplainFn = Callable[[Env, list[str]], tuple[float, float]]

EMPTY: Final[frozenset[str]] = frozenset()
EQUALITY_OPS: Final = ("==", "!=")
ORDER_OPS: Final = ("<", "<=", ">", ">=")
COMPARISON_OPS: Final = EQUALITY_OPS + ORDER_OPS
OPERATORS: Final = (
    "all",
    "any",
    "not",
    *COMPARISON_OPS,
    "in",
    "includes",
    "includes_any",
    "includes_all",
    "answered",
    "count",
    "score",
    "var",
    "condition",
)
_COMPARABLE: Final[dict[str, tuple[str, ...]]] = {
    "boolean": EQUALITY_OPS,
    "single_choice": EQUALITY_OPS,
    "string": EQUALITY_OPS,
    "integer": COMPARISON_OPS,
    "decimal": COMPARISON_OPS,
    "date": COMPARISON_OPS,
}
_IN_TYPES: Final = ("single_choice", "string", "integer")
_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PY_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _always_true(env: Env) -> Kleene:
    return True


def _always_false(env: Env) -> Kleene:
    return False


def _always_unknown(env: Env) -> Kleene:
    return None


def _explain_true(env: Env, out: list[str]) -> Kleene:
    return True


def _explain_false(env: Env, out: list[str]) -> Kleene:
    return False


def _explain_unknown(env: Env, out: list[str]) -> Kleene:
    return None


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What the compiler must know of an item to check a condition that reads it."""

    type: str
    options: frozenset[str] = frozenset()
    exclusive: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScoreInfo:
    """What the compiler must know of a weighted score: its static range and dependencies."""

    static: tuple[float, float]
    integral: bool
    items: frozenset[str]
    probe: Callable[[Env], frozenset[str]]


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition.

    `fn` evaluates it; `explain` evaluates it too and, when it is unknown, appends the items
    that leave it unknown to a list (slower: for undetermined rules); `reads` are the items it
    reads directly or through named conditions, `items` also those read through scores;
    `names` are the named conditions it uses (directly or not); `const` is its value when it
    is decided statically, else None.
    """

    fn: CondFn
    explain: ExplainFn
    reads: frozenset[str]
    scores: frozenset[str]
    items: frozenset[str]
    const: bool | None = None
    names: frozenset[str] = EMPTY
    # The same evaluation as a Python expression over `f` (facts), `m` (memo) and `env`, with
    # the constants it binds; None when only `fn` can evaluate it (see `generate`).
    code: Code | None = None

    def probe(self, env: Env) -> tuple[Kleene, frozenset[str]]:
        """The value and the items that leave it unknown (empty when it is decided)."""
        out: list[str] = []
        v = self.explain(env, out)
        return v, (EMPTY if v is not None else frozenset(out))


@dataclass(frozen=True, slots=True)
class _Number:
    fn: NumFn
    explain: NumExplainFn
    static: tuple[float, float]
    integral: bool
    reads: frozenset[str]
    scores: frozenset[str]
    items: frozenset[str]
    names: frozenset[str]


def _constant(value: bool) -> Condition:
    return Condition(
        _always_true if value else _always_false,
        _explain_true if value else _explain_false,
        EMPTY,
        EMPTY,
        EMPTY,
        value,
    )


class NamedConditions:
    """A questionnaire's named conditions: compiled once on first use, memoised per evaluation.

    Shared by every `ConditionCompiler` of one questionnaire. Records which names are
    referenced from outside the map (`roots`) and from one named condition to another
    (`edges`), so that cycles and unused names can be reported.
    """

    def __init__(self, definitions: Mapping[str, object], pointer: str = "/conditions") -> None:
        self.definitions: dict[str, object] = dict(definitions)
        self.pointer = pointer
        self.compiled: dict[str, Condition] = {}
        self.roots: set[str] = set()
        self.edges: dict[str, set[str]] = {name: set() for name in self.definitions}
        self.stack: list[str] = []

    def pointer_of(self, name: str) -> str:
        """The JSON pointer of a named condition's definition."""
        return join_pointer(self.pointer, name)

    def unused(self) -> list[str]:
        """Names that no condition outside the map reaches, in definition order."""
        reached: set[str] = set()
        todo = list(self.roots)
        while todo:
            name = todo.pop()
            if name in reached:
                continue
            reached.add(name)
            todo.extend(self.edges.get(name, ()))
        return [name for name in self.definitions if name not in reached]

    def order(self, names: Iterable[str]) -> tuple[str, ...]:
        """`names` in definition order."""
        wanted = set(names)
        return tuple(name for name in self.definitions if name in wanted)


def _union(parts: Iterable[frozenset[str]]) -> frozenset[str]:
    out: set[str] = set()
    for part in parts:
        out |= part
    return frozenset(out)


def decide(op: str, lo: float, hi: float, k: float, integral: bool = False) -> Kleene:
    """Decide ``value <op> k`` knowing only that value lies in [lo, hi].

    True or False when every value in the range agrees, else unknown. With `integral` the
    value is known to be an integer (a count), so equality with a fraction is false.
    """
    if op in ("==", "!="):
        if (integral and k != int(k)) or k < lo or k > hi:
            eq: Kleene = False
        elif lo == hi:
            eq = True
        else:
            eq = None
        return eq if op == "==" or eq is None else not eq
    if op == "<":
        return True if hi < k else False if lo >= k else None
    if op == "<=":
        return True if hi <= k else False if lo > k else None
    if op == ">":
        return True if lo > k else False if hi <= k else None
    return True if lo >= k else False if hi < k else None  # ">="


def valid_date(value: object) -> bool:
    """True for a real calendar date written as YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _literal_problem(item_type: str, value: object) -> str | None:
    """Why `value` is not a literal of `item_type`, or None when it is."""
    if item_type == "boolean":
        ok = isinstance(value, bool)
        want = "true or false"
    elif item_type in ("single_choice", "string", "multi_choice"):
        ok = isinstance(value, str)
        want = "a string"
    elif item_type == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        want = "an integer"
    elif item_type == "decimal":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        want = "a number"
    elif item_type == "date":
        ok = valid_date(value)
        want = 'a date "YYYY-MM-DD"'
    else:
        return f"a {item_type} item has no value to compare"
    if ok:
        return None
    return f"{value!r} is not a literal for a {item_type} item: expected {want}"
