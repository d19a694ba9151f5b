"""The condition language: static checks and compilation of JSON conditions to closures.

Values are Kleene three-valued: ``True``, ``False`` and ``None`` for *unknown*. A compiled
condition reads `facts` (the answers of enabled, answered items only) and `ranges` (the
``(min, max)`` a weighted score can still take), so an absent fact is what "unanswered or
disabled" means. Conditions are compiled once; evaluation is a plain call.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from app.rules.problems import Problem, join_pointer

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
ProbeFn = Callable[[Env], tuple[Kleene, frozenset[str]]]

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


def _probe_true(env: Env) -> tuple[Kleene, frozenset[str]]:
    return True, EMPTY


def _probe_false(env: Env) -> tuple[Kleene, frozenset[str]]:
    return False, EMPTY


def _probe_unknown(env: Env) -> tuple[Kleene, frozenset[str]]:
    return None, EMPTY


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

    `fn` evaluates it; `probe` evaluates it and names the items that leave it unknown (slower:
    for explaining undetermined rules); `items` is every item it reads (directly or through
    scores); `const` is its value when it is decided statically, else None.
    """

    fn: CondFn
    probe: ProbeFn
    reads: frozenset[str]
    scores: frozenset[str]
    items: frozenset[str]
    const: bool | None = None

    def waits(self, env: Env) -> frozenset[str]:
        """The items that leave this condition unknown (empty when it is decided)."""
        return self.probe(env)[1]


@dataclass(frozen=True, slots=True)
class _Number:
    fn: NumFn
    waits: Callable[[Env], frozenset[str]]
    static: tuple[float, float]
    integral: bool
    reads: frozenset[str]
    scores: frozenset[str]
    items: frozenset[str]


def _constant(value: bool) -> Condition:
    return Condition(
        _always_true if value else _always_false,
        _probe_true if value else _probe_false,
        EMPTY,
        EMPTY,
        EMPTY,
        value,
    )


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


class ConditionCompiler:
    """Compiles conditions against known items and scores, collecting problems."""

    def __init__(
        self,
        items: Mapping[str, ItemInfo],
        scores: Mapping[str, ScoreInfo] | None = None,
        *,
        sections: Iterable[str] = (),
        shared: Iterable[str] = (),
    ) -> None:
        self.items = items
        self.scores: Mapping[str, ScoreInfo] = scores or {}
        self.sections = frozenset(sections)
        self.problems: list[Problem] = []
        # Sub-conditions (canonical JSON) used more than once: compiled once, memoised per run.
        self.shared = frozenset(shared)
        self._cache: dict[str, Condition] = {}

    def _fail(self, pointer: str, message: str, code: str) -> Condition:
        self.problems.append(Problem(pointer, message, code))
        return Condition(_always_unknown, _probe_unknown, EMPTY, EMPTY, EMPTY, None)

    def compile(self, expr: object, pointer: str) -> Condition:
        """Compile one condition; on error record a problem and return an inert condition."""
        if self.shared and isinstance(expr, dict):
            key = canonical(expr)
            if key in self.shared:
                cached = self._cache.get(key)
                if cached is not None:
                    return cached
                before = len(self.problems)
                compiled = _memoised(self._compile(expr, pointer), key)
                if len(self.problems) == before:
                    self._cache[key] = compiled
                return compiled
        return self._compile(expr, pointer)

    def _compile(self, expr: object, pointer: str) -> Condition:
        if isinstance(expr, bool):
            return _constant(expr)
        if not isinstance(expr, dict):
            return self._fail(
                pointer, f"{expr!r} is not a condition: use true, false or an operator", "shape"
            )
        if len(expr) != 1:
            keys = ", ".join(sorted(map(str, expr))) or "none"
            return self._fail(
                pointer, f"a condition has exactly one operator, found: {keys}", "shape"
            )
        op, arg = next(iter(expr.items()))
        here = join_pointer(pointer, op)
        if op in ("all", "any"):
            return self._junction(op, arg, here, pointer)
        if op == "not":
            return self._not(arg, here)
        if op in COMPARISON_OPS:
            return self._comparison(op, arg, here)
        if op == "in":
            return self._in(arg, here)
        if op in ("includes", "includes_any", "includes_all"):
            return self._includes(op, arg, here)
        if op == "answered":
            return self._answered(arg, here)
        if op in ("count", "score", "var"):
            return self._fail(
                pointer,
                f"'{op}' is a value, not a condition: compare it, e.g. "
                f'{{">=": [{{"{op}": ...}}, 1]}}',
                "shape",
            )
        return self._fail(
            pointer,
            f"unknown operator '{op}'; expected one of: {', '.join(OPERATORS)}",
            "unknown_operator",
        )

    # -- logic ---------------------------------------------------------------------------------

    def _junction(self, op: str, arg: object, here: str, pointer: str) -> Condition:
        if not isinstance(arg, list) or not arg:
            return self._fail(here, f"'{op}' takes a non-empty list of conditions", "arity")
        children = [self.compile(c, join_pointer(here, i)) for i, c in enumerate(arg)]
        reads = _union(c.reads for c in children)
        scores = _union(c.scores for c in children)
        items = _union(c.items for c in children)
        absorbing = op == "any"  # the value that decides the junction on its own
        if any(c.const is absorbing for c in children):
            decided = _constant(absorbing)
            return Condition(decided.fn, decided.probe, reads, scores, items, absorbing)
        live = [c for c in children if c.const is None]
        if not live:
            decided = _constant(not absorbing)
            return Condition(decided.fn, decided.probe, reads, scores, items, not absorbing)
        if len(live) == 1:
            only = live[0]
            return Condition(only.fn, only.probe, reads, scores, items, None)
        fns = tuple(c.fn for c in live)
        probes = tuple(c.probe for c in live)
        fn = _any(fns) if absorbing else _all(fns)
        return Condition(fn, _junction_probe(probes, absorbing), reads, scores, items, None)

    def _not(self, arg: object, here: str) -> Condition:
        child = self.compile(arg, here)
        if child.const is not None:
            c = _constant(not child.const)
            return Condition(c.fn, c.probe, child.reads, child.scores, child.items, c.const)
        inner = child.fn

        def fn(env: Env) -> Kleene:
            v = inner(env)
            return None if v is None else not v

        inner_probe = child.probe

        def probe(env: Env) -> tuple[Kleene, frozenset[str]]:
            v, w = inner_probe(env)
            return (None if v is None else not v), w

        return Condition(fn, probe, child.reads, child.scores, child.items, None)

    # -- reading items -------------------------------------------------------------------------

    def _var(self, arg: object, here: str) -> tuple[str, ItemInfo] | None:
        """Resolve ``{"var": "x"}``; record a problem and return None when it is wrong."""
        if not (isinstance(arg, dict) and len(arg) == 1 and "var" in arg):
            self.problems.append(
                Problem(here, 'expected {"var": "<item id>"} on the left', "shape")
            )
            return None
        return self._item_ref(arg["var"], join_pointer(here, "var"))

    def _item_ref(self, item_id: object, here: str) -> tuple[str, ItemInfo] | None:
        if not isinstance(item_id, str):
            self.problems.append(Problem(here, "an item id is a string", "shape"))
            return None
        info = self.items.get(item_id)
        if info is None:
            if item_id in self.sections:
                msg = f"'{item_id}' is a section, not an item"
            else:
                msg = f"unknown item '{item_id}'"
            self.problems.append(Problem(here, msg, "unknown_item"))
            return None
        if info.type == "display":
            self.problems.append(
                Problem(here, f"'{item_id}' is a display item and is never answered", "item_type")
            )
            return None
        return item_id, info

    def _pair(self, op: str, arg: object, here: str) -> tuple[object, object] | None:
        if not isinstance(arg, list) or len(arg) != 2:
            self.problems.append(Problem(here, f"'{op}' takes a list of exactly 2", "arity"))
            return None
        return arg[0], arg[1]

    def _comparison(self, op: str, arg: object, here: str) -> Condition:
        pair = self._pair(op, arg, here)
        if pair is None:
            return _inert()
        left, right = pair
        if isinstance(left, dict) and len(left) == 1 and next(iter(left)) in ("count", "score"):
            return self._number_comparison(op, left, right, here)
        ref = self._var(left, join_pointer(here, 0))
        if ref is None:
            return _inert()
        item_id, info = ref
        allowed = _COMPARABLE.get(info.type, ())
        if op not in allowed:
            return self._fail(
                here, f"'{op}' cannot be used on a {info.type} item ('{item_id}')", "item_type"
            )
        rhs = join_pointer(here, 1)
        problem = _literal_problem(info.type, right)
        if problem is not None:
            return self._fail(rhs, problem, "literal_type")
        if info.type == "single_choice" and right not in info.options:
            return self._fail(rhs, f"'{right}' is not an option of '{item_id}'", "unknown_option")
        leaf = _compare_item(op, item_id, right)
        return Condition(
            leaf,
            _leaf_probe(leaf, item_id),
            frozenset((item_id,)),
            EMPTY,
            frozenset((item_id,)),
        )

    def _in(self, arg: object, here: str) -> Condition:
        pair = self._pair("in", arg, here)
        if pair is None:
            return _inert()
        left, right = pair
        ref = self._var(left, join_pointer(here, 0))
        if ref is None:
            return _inert()
        item_id, info = ref
        if info.type not in _IN_TYPES:
            return self._fail(
                here, f"'in' cannot be used on a {info.type} item ('{item_id}')", "item_type"
            )
        rhs = join_pointer(here, 1)
        if not isinstance(right, list) or not right:
            return self._fail(rhs, "'in' takes a non-empty list of literals", "arity")
        ok = True
        for i, lit in enumerate(right):
            problem = _literal_problem(info.type, lit)
            if problem is None and info.type == "single_choice" and lit not in info.options:
                problem = f"'{lit}' is not an option of '{item_id}'"
            if problem is not None:
                code = "literal_type" if "literal" in problem else "unknown_option"
                self.problems.append(Problem(join_pointer(rhs, i), problem, code))
                ok = False
        if not ok:
            return _inert()
        values = frozenset(right)

        def fn(env: Env) -> Kleene:
            v = env.facts.get(item_id)
            return None if v is None else v in values

        ids = frozenset((item_id,))
        return Condition(fn, _leaf_probe(fn, item_id), ids, EMPTY, ids)

    def _includes(self, op: str, arg: object, here: str) -> Condition:
        pair = self._pair(op, arg, here)
        if pair is None:
            return _inert()
        left, right = pair
        ref = self._var(left, join_pointer(here, 0))
        if ref is None:
            return _inert()
        item_id, info = ref
        if info.type != "multi_choice":
            return self._fail(
                here, f"'{op}' needs a multi_choice item, '{item_id}' is {info.type}", "item_type"
            )
        rhs = join_pointer(here, 1)
        if op == "includes":
            codes: list[object] = [right]
            pointers = [rhs]
        elif isinstance(right, list) and right:
            codes = list(right)
            pointers = [join_pointer(rhs, i) for i in range(len(right))]
        else:
            return self._fail(rhs, f"'{op}' takes a non-empty list of option codes", "arity")
        ok = True
        for code, ptr in zip(codes, pointers, strict=True):
            if not isinstance(code, str):
                self.problems.append(
                    Problem(ptr, f"{code!r} is not an option code", "literal_type")
                )
                ok = False
            elif code not in info.options:
                self.problems.append(
                    Problem(ptr, f"'{code}' is not an option of '{item_id}'", "unknown_option")
                )
                ok = False
        if not ok:
            return _inert()
        wanted = frozenset(str(c) for c in codes)
        ids = frozenset((item_id,))
        if op == "includes_all" and len(wanted) > 1 and wanted & info.exclusive:
            # An exclusive option is never selected together with another one.
            return Condition(_always_false, _probe_false, ids, EMPTY, ids, False)
        if op == "includes":
            (only,) = wanted

            def has(env: Env) -> Kleene:
                v = env.facts.get(item_id)
                return None if v is None else only in v

            return Condition(has, _leaf_probe(has, item_id), ids, EMPTY, ids)
        if op == "includes_any":

            def has_any(env: Env) -> Kleene:
                v = env.facts.get(item_id)
                return None if v is None else not wanted.isdisjoint(v)

            return Condition(has_any, _leaf_probe(has_any, item_id), ids, EMPTY, ids)

        def has_all(env: Env) -> Kleene:
            v = env.facts.get(item_id)
            return None if v is None else wanted.issubset(v)

        return Condition(has_all, _leaf_probe(has_all, item_id), ids, EMPTY, ids)

    def _answered(self, arg: object, here: str) -> Condition:
        ref = self._item_ref(arg, here)
        if ref is None:
            return _inert()
        item_id = ref[0]

        def fn(env: Env) -> Kleene:
            return item_id in env.facts

        ids = frozenset((item_id,))

        def answered_probe(env: Env) -> tuple[Kleene, frozenset[str]]:
            return item_id in env.facts, EMPTY

        return Condition(fn, answered_probe, ids, EMPTY, ids)

    # -- numbers -------------------------------------------------------------------------------

    def _number(self, expr: dict[str, Any], here: str) -> _Number | None:
        op, arg = next(iter(expr.items()))
        inner = join_pointer(here, op)
        if op == "score":
            if not isinstance(arg, str) or arg not in self.scores:
                self.problems.append(Problem(inner, f"unknown score {arg!r}", "unknown_score"))
                return None
            info = self.scores[arg]

            def score_fn(env: Env) -> tuple[float, float]:
                return env.ranges[arg]

            return _Number(
                score_fn,
                info.probe,
                info.static,
                info.integral,
                EMPTY,
                frozenset((arg,)),
                info.items,
            )
        if not isinstance(arg, list) or not arg:
            self.problems.append(Problem(inner, "'count' takes a non-empty list", "arity"))
            return None
        children = [self.compile(c, join_pointer(inner, i)) for i, c in enumerate(arg)]
        base = sum(1 for c in children if c.const is True)
        live = [c for c in children if c.const is None]
        fns = tuple(c.fn for c in live)

        def count_fn(env: Env) -> tuple[float, float]:
            t = base
            u = 0
            for f in fns:
                v = f(env)
                if v is True:
                    t += 1
                elif v is None:
                    u += 1
            return (t, t + u)

        return _Number(
            count_fn,
            _unknown_children_waits(tuple(c.probe for c in live)),
            (base, base + len(live)),
            True,
            _union(c.reads for c in children),
            _union(c.scores for c in children),
            _union(c.items for c in children),
        )

    def _number_comparison(
        self, op: str, left: dict[str, Any], right: object, here: str
    ) -> Condition:
        number = self._number(left, join_pointer(here, 0))
        rhs = join_pointer(here, 1)
        if not isinstance(right, int | float) or isinstance(right, bool):
            return self._fail(rhs, f"{right!r} is not a number literal", "literal_type")
        if number is None:
            return _inert()
        k = float(right)
        integral = number.integral
        lo, hi = number.static
        static = decide(op, lo, hi, k, integral)
        if static is not None:
            c = _constant(static)
            return Condition(c.fn, c.probe, number.reads, number.scores, number.items, static)
        nfn = number.fn

        def fn(env: Env) -> Kleene:
            lo, hi = nfn(env)
            if lo == hi:
                return _PY_OPS[op](lo, k)
            return decide(op, lo, hi, k, integral)

        number_waits = number.waits

        def probe(env: Env) -> tuple[Kleene, frozenset[str]]:
            v = fn(env)
            return v, (number_waits(env) if v is None else EMPTY)

        return Condition(fn, probe, number.reads, number.scores, number.items)


def canonical(expr: object) -> str:
    """A condition's canonical text, used to find repeated sub-conditions."""
    return json.dumps(expr, sort_keys=True, separators=(",", ":"))


def shared_subconditions(conditions: Iterable[object]) -> frozenset[str]:
    """Canonical texts of the composite sub-conditions that occur more than once."""
    seen: set[str] = set()
    shared: set[str] = set()

    def walk(expr: object) -> None:
        if isinstance(expr, dict):
            if len(expr) == 1 and next(iter(expr)) in ("all", "any", "not"):
                key = canonical(expr)
                if key in seen:
                    shared.add(key)
                    return  # its parts are shared through it
                seen.add(key)
            for value in expr.values():
                walk(value)
        elif isinstance(expr, list):
            for value in expr:
                walk(value)

    for condition in conditions:
        walk(condition)
    return frozenset(shared)


_MISSING: Final = object()


def _memoised(cond: Condition, key: str) -> Condition:
    """The same condition, evaluated at most once per `Env`."""
    if cond.const is not None:
        return cond
    fn, probe = cond.fn, cond.probe
    probe_key = ("probe", key)

    def memo_fn(env: Env) -> Kleene:
        memo = env.memo
        v = memo.get(key, _MISSING)
        if v is _MISSING:
            v = memo[key] = fn(env)
        return v  # type: ignore[no-any-return]

    def memo_probe(env: Env) -> tuple[Kleene, frozenset[str]]:
        memo = env.memo
        v = memo.get(probe_key, _MISSING)
        if v is _MISSING:
            v = memo[probe_key] = probe(env)
        return v  # type: ignore[no-any-return]

    return Condition(memo_fn, memo_probe, cond.reads, cond.scores, cond.items, None)


def _inert() -> Condition:
    """The condition standing in for one that failed to compile (its problem is recorded)."""
    return Condition(_always_unknown, _probe_unknown, EMPTY, EMPTY, EMPTY, None)


def _leaf_probe(fn: CondFn, item_id: str) -> ProbeFn:
    single = frozenset((item_id,))

    def probe(env: Env) -> tuple[Kleene, frozenset[str]]:
        v = fn(env)
        return v, (single if v is None else EMPTY)

    return probe


def _unknown_children_waits(probes: tuple[ProbeFn, ...]) -> Callable[[Env], frozenset[str]]:
    def waits(env: Env) -> frozenset[str]:
        out: set[str] = set()
        for probe in probes:
            v, w = probe(env)
            if v is None:
                out |= w
        return frozenset(out)

    return waits


def _junction_probe(probes: tuple[ProbeFn, ...], absorbing: bool) -> ProbeFn:
    """Probe of all (absorbing False) or any (absorbing True) in one pass over the children."""

    def probe(env: Env) -> tuple[Kleene, frozenset[str]]:
        unknown: set[str] = set()
        undecided = False
        for child in probes:
            v, w = child(env)
            if v is absorbing:
                return absorbing, EMPTY
            if v is None:
                undecided = True
                unknown |= w
        if undecided:
            return None, frozenset(unknown)
        return not absorbing, EMPTY

    return probe


def _compare_item(op: str, item_id: str, lit: object) -> CondFn:
    if op == "==":

        def eq(env: Env) -> Kleene:
            v = env.facts.get(item_id)
            return None if v is None else v == lit

        return eq
    if op == "!=":

        def ne(env: Env) -> Kleene:
            v = env.facts.get(item_id)
            return None if v is None else v != lit

        return ne
    cmp = _PY_OPS[op]

    def ordered(env: Env) -> Kleene:
        v = env.facts.get(item_id)
        return None if v is None else cmp(v, lit)

    return ordered


def _all(fns: tuple[CondFn, ...]) -> CondFn:
    if len(fns) == 2:
        a, b = fns

        def all2(env: Env) -> Kleene:
            va = a(env)
            if va is False:
                return False
            vb = b(env)
            if vb is False:
                return False
            return None if va is None or vb is None else True

        return all2

    def all_n(env: Env) -> Kleene:
        unknown = False
        for f in fns:
            v = f(env)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True

    return all_n


def _any(fns: tuple[CondFn, ...]) -> CondFn:
    if len(fns) == 2:
        a, b = fns

        def any2(env: Env) -> Kleene:
            va = a(env)
            if va is True:
                return True
            vb = b(env)
            if vb is True:
                return True
            return None if va is None or vb is None else False

        return any2

    def any_n(env: Env) -> Kleene:
        unknown = False
        for f in fns:
            v = f(env)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False

    return any_n
