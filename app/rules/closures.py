"""Closures the condition compiler builds where no Python is generated: the stand-in for a
condition that failed to compile, comparisons of one item, junctions and their explanations."""

from __future__ import annotations

from app.rules.language import (
    _PY_OPS,
    EMPTY,
    CondFn,
    Condition,
    Env,
    ExplainFn,
    Kleene,
    _always_unknown,
    _explain_unknown,
)


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


def _junction(fns: tuple[CondFn, ...], absorbing: bool) -> CondFn:
    """`all` (absorbing False) or `any` (absorbing True) in Kleene logic, short-circuiting."""
    neutral = not absorbing
    if len(fns) == 2:
        a, b = fns

        def junction2(env: Env) -> Kleene:
            va = a(env)
            if va is absorbing:
                return absorbing
            vb = b(env)
            if vb is absorbing:
                return absorbing
            return None if va is None or vb is None else neutral

        return junction2

    def junction_n(env: Env) -> Kleene:
        unknown = False
        for f in fns:
            v = f(env)
            if v is absorbing:
                return absorbing
            if v is None:
                unknown = True
        return None if unknown else neutral

    return junction_n


def _all(fns: tuple[CondFn, ...]) -> CondFn:
    return _junction(fns, absorbing=False)


def _any(fns: tuple[CondFn, ...]) -> CondFn:
    return _junction(fns, absorbing=True)
