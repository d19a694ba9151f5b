"""Generated Python for compiled conditions: repeated sub-conditions are found by their
canonical text and memoised per `Env`, and a condition (or a whole list of them) becomes one
function whose constants are bound, never interpolated."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from app.rules.language import Code, CondFn, Condition, Env, Kleene


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


# Generated source per function at most (a single condition may be longer): CPython's compiler
# holds about a hundred bytes per character of source while it compiles, so the rules of the
# largest questionnaire in one function (66 kB) took 8 MB for a moment.
_CHUNK_CHARS: Final = 8192


def _chunks(parts: list[Code]) -> list[list[Code]]:
    """Consecutive runs of `parts` of at most `_CHUNK_CHARS` of source each."""
    chunks: list[list[Code]] = []
    size = _CHUNK_CHARS
    for part in parts:
        if size + len(part[0]) > _CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(part)
        size += len(part[0]) + 2
    return chunks


def _generate_chunk(
    conditions: list[Condition], parts: list[Code]
) -> Callable[[Env], list[Kleene]]:
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


def generate_all(conditions: Iterable[Condition]) -> Callable[[Env], list[Kleene]]:
    """One function giving the values of many conditions, in order, as a list.

    The generated code is split into functions of a bounded size, called in turn; a part that
    nests too deeply falls back to calling each condition's own function.
    """
    listed = list(conditions)
    parts = [_code(c) for c in listed]
    pieces = []
    start = 0
    for chunk in _chunks(parts):
        pieces.append(_generate_chunk(listed[start : start + len(chunk)], chunk))
        start += len(chunk)
    if len(pieces) == 1:
        return pieces[0]
    if not pieces:
        return lambda env: []
    first, rest = pieces[0], tuple(pieces[1:])

    def joined(env: Env) -> list[Kleene]:
        values = first(env)
        for piece in rest:
            values += piece(env)
        return values

    return joined
