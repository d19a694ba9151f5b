"""The condition language: static checks and compilation of JSON conditions to closures.

Values are Kleene three-valued: ``True``, ``False`` and ``None`` for *unknown*. A compiled
condition reads `facts` (the answers of enabled, answered items only) and `ranges` (the
``(min, max)`` a weighted score can still take), so an absent fact is what "unanswered or
disabled" means. Conditions are compiled once; evaluation is a plain call.

Named conditions (``{"condition": "<name>"}``, defined once in a questionnaire's top-level
``conditions`` map) are compiled once by `NamedConditions` and evaluated at most once per `Env`.
Explaining an unknown value (which items it waits for) is a separate, slower walk (`explain`)
that only runs for conditions already known to be unknown.
"""

from __future__ import annotations

import itertools
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


class ConditionCompiler:
    """Compiles conditions against known items and scores, collecting problems."""

    def __init__(
        self,
        items: Mapping[str, ItemInfo],
        scores: Mapping[str, ScoreInfo] | None = None,
        *,
        sections: Iterable[str] = (),
        shared: Iterable[str] = (),
        named: NamedConditions | None = None,
    ) -> None:
        self.items = items
        self.scores: Mapping[str, ScoreInfo] = scores if scores is not None else {}
        self.sections = frozenset(sections)
        self.named = named
        self.problems: list[Problem] = []
        # Sub-conditions (canonical JSON) used more than once: compiled once, memoised per run.
        self.shared = frozenset(shared)
        self._cache: dict[str, Condition] = {}

    def _fail(self, pointer: str, message: str, code: str) -> Condition:
        self.problems.append(Problem(pointer, message, code))
        return _inert()

    def compile(self, expr: object, pointer: str) -> Condition:
        """Compile one condition; on error record a problem and return an inert condition."""
        if self.shared and isinstance(expr, dict):
            key = canonical(expr)
            if key in self.shared:
                cached = self._cache.get(key)
                if cached is not None:
                    return cached
                before = len(self.problems)
                compiled = _memoised(self._compile(expr, pointer), next(_MEMO_KEYS))
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
        if op == "condition":
            return self._named(arg, here)
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
        names = _union(c.names for c in children)
        absorbing = op == "any"  # the value that decides the junction on its own
        if any(c.const is absorbing for c in children):
            decided = _constant(absorbing)
            return Condition(decided.fn, decided.explain, reads, scores, items, absorbing, names)
        live = [c for c in children if c.const is None]
        if not live:
            decided = _constant(not absorbing)
            return Condition(
                decided.fn, decided.explain, reads, scores, items, not absorbing, names
            )
        if len(live) == 1:
            only = live[0]
            return Condition(only.fn, only.explain, reads, scores, items, None, names, only.code)
        fns = tuple(c.fn for c in live)
        fn = _any(fns) if absorbing else _all(fns)
        explain = _junction_explain(tuple(c.explain for c in live), absorbing)
        code = _junction_code(live, absorbing)
        return Condition(fn, explain, reads, scores, items, None, names, code)

    def _not(self, arg: object, here: str) -> Condition:
        child = self.compile(arg, here)
        if child.const is not None:
            c = _constant(not child.const)
            return Condition(
                c.fn, c.explain, child.reads, child.scores, child.items, c.const, child.names
            )
        inner = child.fn

        def fn(env: Env) -> Kleene:
            v = inner(env)
            return None if v is None else not v

        inner_explain = child.explain

        def explain(env: Env, out: list[str]) -> Kleene:
            v = inner_explain(env, out)
            return None if v is None else not v

        t, (src, consts) = _fresh("t"), _code(child)
        code = (f"(None if ({t} := {src}) is None else not {t})", consts)
        return Condition(
            fn, explain, child.reads, child.scores, child.items, None, child.names, code
        )

    # -- named conditions ----------------------------------------------------------------------

    def _named(self, arg: object, here: str) -> Condition:
        """Resolve ``{"condition": "<name>"}``: compile the definition once, memoise its value."""
        if not isinstance(arg, str):
            return self._fail(here, "a named condition is referenced by its name", "shape")
        named = self.named
        if named is None or arg not in named.definitions:
            return self._fail(here, f"unknown named condition '{arg}'", "unknown_condition")
        if named.stack:
            named.edges[named.stack[-1]].add(arg)
        else:
            named.roots.add(arg)
        done = named.compiled.get(arg)
        if done is not None:
            return done
        if arg in named.stack:
            cycle = " -> ".join([*named.stack[named.stack.index(arg) :], arg])
            return self._fail(here, f"named conditions form a cycle: {cycle}", "cycle")
        named.stack.append(arg)
        try:
            body = self.compile(named.definitions[arg], named.pointer_of(arg))
        finally:
            named.stack.pop()
        compiled = _memoised(body, next(_MEMO_KEYS), arg)
        named.compiled[arg] = compiled
        return compiled

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
        ids = frozenset((item_id,))
        code = _leaf_code(item_id, f"{{x}} {op} {{lit}}", right)
        return Condition(leaf, _leaf_explain(leaf, item_id), ids, EMPTY, ids, None, EMPTY, code)

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
        in_code = _leaf_code(item_id, "{x} in {lit}", values)
        return Condition(fn, _leaf_explain(fn, item_id), ids, EMPTY, ids, None, EMPTY, in_code)

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
            return Condition(_always_false, _explain_false, ids, EMPTY, ids, False)
        if op == "includes":
            (only,) = wanted

            def has(env: Env) -> Kleene:
                v = env.facts.get(item_id)
                return None if v is None else only in v

            code = _leaf_code(item_id, "{lit} in {x}", only)
            return Condition(has, _leaf_explain(has, item_id), ids, EMPTY, ids, None, EMPTY, code)
        if op == "includes_any":

            def has_any(env: Env) -> Kleene:
                v = env.facts.get(item_id)
                return None if v is None else not wanted.isdisjoint(v)

            code = _leaf_code(item_id, "not {lit}.isdisjoint({x})", wanted)
            return Condition(
                has_any, _leaf_explain(has_any, item_id), ids, EMPTY, ids, None, EMPTY, code
            )

        def has_all(env: Env) -> Kleene:
            v = env.facts.get(item_id)
            return None if v is None else wanted.issubset(v)

        code = _leaf_code(item_id, "{lit}.issubset({x})", wanted)
        return Condition(
            has_all, _leaf_explain(has_all, item_id), ids, EMPTY, ids, None, EMPTY, code
        )

    def _answered(self, arg: object, here: str) -> Condition:
        ref = self._item_ref(arg, here)
        if ref is None:
            return _inert()
        item_id = ref[0]

        def fn(env: Env) -> Kleene:
            return item_id in env.facts

        def explain(env: Env, out: list[str]) -> Kleene:
            return item_id in env.facts

        ids = frozenset((item_id,))
        k = _fresh("k")
        code = (f"({k} in f)", {k: item_id})
        return Condition(fn, explain, ids, EMPTY, ids, None, EMPTY, code)

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

            score_waits = info.probe

            def score_explain(env: Env, out: list[str]) -> tuple[float, float]:
                lo, hi = env.ranges[arg]
                if lo != hi:
                    out.extend(score_waits(env))
                return lo, hi

            return _Number(
                score_fn,
                score_explain,
                info.static,
                info.integral,
                EMPTY,
                frozenset((arg,)),
                info.items,
                EMPTY,
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

        explains = tuple(c.explain for c in live)

        def count_explain(env: Env, out: list[str]) -> tuple[float, float]:
            t = base
            u = 0
            for f in explains:
                v = f(env, out)
                if v is True:
                    t += 1
                elif v is None:
                    u += 1
            return (t, t + u)

        return _Number(
            count_fn,
            count_explain,
            (base, base + len(live)),
            True,
            _union(c.reads for c in children),
            _union(c.scores for c in children),
            _union(c.items for c in children),
            _union(c.names for c in children),
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
            return Condition(
                c.fn, c.explain, number.reads, number.scores, number.items, static, number.names
            )
        nfn = number.fn
        py_op = _PY_OPS[op]

        def fn(env: Env) -> Kleene:
            lo, hi = nfn(env)
            if lo == hi:
                return py_op(lo, k)
            return decide(op, lo, hi, k, integral)

        number_explain = number.explain

        def explain(env: Env, out: list[str]) -> Kleene:
            mark = len(out)
            lo, hi = number_explain(env, out)
            v = py_op(lo, k) if lo == hi else decide(op, lo, hi, k, integral)
            if v is not None:
                del out[mark:]
            return v

        return Condition(fn, explain, number.reads, number.scores, number.items, None, number.names)


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
# Keys of memoised conditions in `Env.memo`: unique in the process, so programs never collide.
_MEMO_KEYS: Final = itertools.count()


def _memoised(cond: Condition, key: int, name: str | None = None) -> Condition:
    """The same condition, evaluated (and explained) at most once per `Env`.

    With a `name` it is a named condition: it is listed in `names` of whatever uses it.
    """
    names = cond.names | {name} if name is not None else cond.names
    if cond.const is not None:
        return Condition(
            cond.fn, cond.explain, cond.reads, cond.scores, cond.items, cond.const, names
        )
    fn, inner_explain = generate(cond), cond.explain
    waits_key = -1 - key

    def memo_fn(env: Env) -> Kleene:
        memo = env.memo
        v = memo.get(key, _MISSING)
        if v is _MISSING:
            v = memo[key] = fn(env)
        return v  # type: ignore[no-any-return]

    def memo_explain(env: Env, out: list[str]) -> Kleene:
        memo = env.memo
        found = memo.get(waits_key)
        if found is None:
            mark = len(out)
            v = inner_explain(env, out)
            found = memo[waits_key] = (v, tuple(out[mark:]))
            memo[key] = v
            return v
        if found[0] is None:
            out.extend(found[1])
        return found[0]  # type: ignore[no-any-return]

    # On a miss, the generated code calls a function that evaluates and stores in one go.
    store = memo_fn if cond.code is None else _define(*cond.code, store=key) or memo_fn
    t, g = _fresh("t"), _fresh("g")
    code = (f"({t} if ({t} := m.get({key}, _MISSING)) is not _MISSING else {g}(env))", {g: store})
    return Condition(memo_fn, memo_explain, cond.reads, cond.scores, cond.items, None, names, code)


_FRESH: Final = itertools.count()
# Parenthesised expressions nest this deep at most in generated code (CPython allows 200).
_MAX_NESTING: Final = 150


def _fresh(prefix: str) -> str:
    """A new name for a generated temporary or bound constant."""
    return f"_{prefix}{next(_FRESH)}"


def _code(cond: Condition) -> Code:
    """The expression of a compiled condition; falls back to calling its closure."""
    if cond.const is not None:
        return ("True" if cond.const else "False"), {}
    if cond.code is not None:
        return cond.code
    g = _fresh("g")
    return f"{g}(env)", {g: cond.fn}


def _leaf_code(item_id: str, template: str, literal: object) -> Code:
    """A test of one answer: unknown when the item has no fact, else the test on its value.

    `template` is our own text (an operator from a fixed table); the item id and the literal
    are bound as constants, never written into the source.
    """
    x, k, lit = _fresh("x"), _fresh("k"), _fresh("k")
    test = template.format(x=x, lit=lit)
    return f"(None if ({x} := f.get({k})) is None else {test})", {k: item_id, lit: literal}


def _junction_code(children: list[Condition], absorbing: bool) -> Code:
    """Kleene all (absorbing False) or any (absorbing True), left to right, short-circuiting."""
    temps: list[str] = []
    tests: list[str] = []
    consts: dict[str, object] = {}
    for child in children:
        src, bound = _code(child)
        consts.update(bound)
        t = _fresh("t")
        temps.append(t)
        tests.append(f"({t} := {src}) is {absorbing}")
    unknown = " or ".join(f"{t} is None" for t in temps)
    return (
        f"({absorbing} if {' or '.join(tests)} else (None if {unknown} else {not absorbing}))",
        consts,
    )


def _nesting(src: str) -> int:
    depth = level = 0
    for ch in src:
        if ch in "([":
            level += 1
            depth = max(depth, level)
        elif ch in ")]":
            level -= 1
    return depth


def _define(
    src: str, consts: Mapping[str, object], store: int | None = None
) -> Callable[[Env], Any] | None:
    """``def _generated(env): return <src>`` with `consts` bound, or None if it cannot be built.

    With `store`, the function also keeps the value in the memo under that key.

    The source is built only from our own tokens and names (see `_leaf_code`): every item id
    and literal is a bound constant, never text in the source.
    """
    if _nesting(src) > _MAX_NESTING:
        return None
    namespace: dict[str, Any] = {**consts, "_MISSING": _MISSING}
    result = (
        f"    return {src}\n" if store is None else f"    v = m[{store}] = {src}\n    return v\n"
    )
    text = f"def _generated(env):\n    f = env.facts\n    m = env.memo\n{result}"
    try:
        exec(compile(text, "<condition>", "exec"), namespace)  # noqa: S102 (see docstring)
    except (SyntaxError, RecursionError, MemoryError):  # pragma: no cover - depth is checked
        return None
    generated: Callable[[Env], Any] = namespace["_generated"]
    return generated


def generate(cond: Condition) -> CondFn:
    """One Python function evaluating the whole condition (fewer calls than the closures).

    Falls back to the closure when there is no code or it nests too deeply.
    """
    if cond.const is not None or cond.code is None:
        return cond.fn
    generated = _define(*cond.code)
    return cond.fn if generated is None else generated


def generate_all(conditions: Iterable[Condition]) -> Callable[[Env], list[Kleene]]:
    """One function giving the values of many conditions, in order, as a list.

    Falls back to calling each condition's own function when the whole is too deep.
    """
    parts = [_code(c) for c in conditions]
    consts: dict[str, object] = {}
    for _, bound in parts:
        consts.update(bound)
    generated = _define("[" + ", ".join(src for src, _ in parts) + "]", consts)
    if generated is not None:
        return generated
    fns = tuple(generate(c) for c in conditions)

    def each(env: Env) -> list[Kleene]:
        return [fn(env) for fn in fns]

    return each


def _inert() -> Condition:
    """The condition standing in for one that failed to compile (its problem is recorded)."""
    return Condition(_always_unknown, _explain_unknown, EMPTY, EMPTY, EMPTY, None)


def _leaf_explain(fn: CondFn, item_id: str) -> ExplainFn:
    def explain(env: Env, out: list[str]) -> Kleene:
        v = fn(env)
        if v is None:
            out.append(item_id)
        return v

    return explain


def _junction_explain(children: tuple[ExplainFn, ...], absorbing: bool) -> ExplainFn:
    """Explain of all (absorbing False) or any (absorbing True) in one pass over the children."""

    def explain(env: Env, out: list[str]) -> Kleene:
        mark = len(out)
        undecided = False
        for child in children:
            v = child(env, out)
            if v is absorbing:
                del out[mark:]
                return absorbing
            if v is None:
                undecided = True
        return None if undecided else not absorbing

    return explain


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
