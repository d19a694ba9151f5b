"""The condition language: static checks and compilation of JSON conditions to closures.

Values are Kleene three-valued: ``True``, ``False`` and ``None`` for *unknown*. A compiled
condition reads `facts` (the answers of enabled, answered items only) and `ranges` (the
``(min, max)`` a weighted score can still take), so an absent fact is what "unanswered or
disabled" means. Conditions are compiled once; evaluation is a plain call.

Named conditions (``{"condition": "<name>"}``, defined once in a questionnaire's top-level
``conditions`` map) are compiled once by `NamedConditions` and evaluated at most once per `Env`.
Explaining an unknown value (which items it waits for) is a separate, slower walk (`explain`)
that only runs for conditions already known to be unknown.

The values and compiled form live in `language`, the generated Python in `codegen`, the closures
built where none is generated in `closures`; this module holds the compiler that ties them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.rules.closures import _all, _any, _compare_item, _inert, _junction_explain, _leaf_explain
from app.rules.codegen import (
    _MEMO_KEYS,
    _code,
    _fresh,
    _junction_code,
    _leaf_code,
    _memoised,
    canonical,
)
from app.rules.language import (
    _COMPARABLE,
    _IN_TYPES,
    _PY_OPS,
    COMPARISON_OPS,
    EMPTY,
    OPERATORS,
    Condition,
    Env,
    ItemInfo,
    Kleene,
    NamedConditions,
    ScoreInfo,
    _always_false,
    _constant,
    _explain_false,
    _literal_problem,
    _Number,
    _union,
    decide,
)
from app.rules.problems import Problem, join_pointer


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

    def _item_and_literal(
        self, op: str, arg: object, here: str
    ) -> tuple[str, ItemInfo, object] | None:
        """The item an operator's first operand names, its info, and the second operand."""
        pair = self._pair(op, arg, here)
        if pair is None:
            return None
        left, right = pair
        ref = self._var(left, join_pointer(here, 0))
        if ref is None:
            return None
        return ref[0], ref[1], right

    def _in(self, arg: object, here: str) -> Condition:
        operands = self._item_and_literal("in", arg, here)
        if operands is None:
            return _inert()
        item_id, info, right = operands
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
        operands = self._item_and_literal(op, arg, here)
        if operands is None:
            return _inert()
        item_id, info, right = operands
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
