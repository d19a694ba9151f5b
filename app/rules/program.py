"""Compile a questionnaire's logic (a `QuestionnaireSpec`) once into an evaluation `Program`.

Every static check of the logic happens here and every problem is collected: duplicate ids,
unknown ids, options and tiers, wrongly typed literals, operators on the wrong item type,
conditions that are statically false (rules that never fire, items never enabled, score terms
that never apply), rules without effect, and cycles through visibility conditions and scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.rules.codegen import generate, generate_all, shared_subconditions
from app.rules.conditions import ConditionCompiler
from app.rules.language import (
    EMPTY,
    CondFn,
    Condition,
    Env,
    ItemInfo,
    Kleene,
    NamedConditions,
    ScoreInfo,
    valid_date,
)
from app.rules.model import (
    ITEM_TYPES,
    BandSpec,
    ItemSpec,
    QuestionnaireSpec,
    RuleSpec,
    ScoreSpec,
    ScoreTermSpec,
    SectionSpec,
)
from app.rules.problems import CompileError, Problem, join_pointer

STEP_SECTION: Final = 0
STEP_ITEM: Final = 1
STEP_SCORE: Final = 2


def _is_int(v: object) -> bool:
    return type(v) is int


def _is_number(v: object) -> bool:
    return (type(v) is int or type(v) is float) and v == v  # rejects bool and NaN


def _is_str(v: object) -> bool:
    return type(v) is str


def _is_codes(v: object) -> bool:
    return type(v) is list and all(type(c) is str for c in v)


def _is_bool(v: object) -> bool:
    return type(v) is bool


# What the engine accepts as a value per item type (cheap checks; full validation is elsewhere).
CHECKERS: Final[Mapping[str, Callable[[object], bool]]] = {
    "boolean": _is_bool,
    "single_choice": _is_str,
    "multi_choice": _is_codes,
    "integer": _is_int,
    "decimal": _is_number,
    "string": _is_str,
    "text": _is_str,
    "date": valid_date,
}


@dataclass(frozen=True, slots=True)
class CompiledScore:
    """A weighted score ready to evaluate."""

    id: str
    terms: tuple[tuple[CondFn, float], ...]
    bands: tuple[BandSpec, ...]
    static: tuple[float, float]
    label: Mapping[str, str]
    # The specs of `terms`, in order: itemised in the result when any has an id.
    term_specs: tuple[ScoreTermSpec, ...] = ()

    def band(self, value: float) -> str | None:
        """The band a value falls in (None when the score has no bands)."""
        for band in self.bands:
            if band.max is None or value <= band.max:
                return band.id
        return None


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose condition is true, with its explanation."""

    id: str
    tier: str | None
    rationale: Mapping[str, str]
    caveat: Mapping[str, str] | None
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to evaluate, with what the result reports about it."""

    spec: RuleSpec
    condition: Condition
    tier_index: int
    reads: tuple[str, ...]
    scores: tuple[str, ...]
    names: tuple[str, ...]
    fired: FiredRule

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class Program:
    """The compiled, immutable logic of one questionnaire version."""

    spec: QuestionnaireSpec
    items: Mapping[str, ItemSpec]
    item_index: Mapping[str, int]
    plan: tuple[tuple[int, str, CondFn | None, Any], ...]
    rules: tuple[CompiledRule, ...]
    scores: tuple[CompiledScore, ...]
    default_tier_index: int
    required: tuple[str, ...]
    section_conditions: Mapping[str, Condition]
    item_conditions: Mapping[str, Condition]
    named: Mapping[str, Condition]
    # The outcome of every rule, in order, from one generated function.
    outcomes: Callable[[Env], list[Kleene]]
    traced_items: tuple[str, ...]
    item_order: tuple[str, ...]
    display_items: frozenset[str]
    # item -> its option codes that answer "not known" (read as unanswered by conditions).
    unknown_options: Mapping[str, frozenset[str]]
    # item_bytes[c][b]: the items of byte value b at bits 8c..8c+7 of an item mask, in order.
    item_bytes: tuple[tuple[tuple[str, ...], ...], ...]
    # Per-program memo of the pure parts of results (see `engine._outputs`).
    outputs: dict[Any, Any]

    @property
    def tiers(self) -> tuple[str, ...]:
        return self.spec.tiers


class _Problems(list[Problem]):
    """The problems found so far; calling it records one."""

    def __call__(self, pointer: str, message: str, code: str) -> None:
        self.append(Problem(pointer, message, code))


@dataclass(frozen=True, slots=True)
class _Identities:
    section_ids: frozenset[str]
    tier_index: Mapping[str, int]
    default_index: int


def compile_questionnaire(spec: QuestionnaireSpec) -> Program:
    """Check and compile a questionnaire's logic; raise `CompileError` with every problem."""
    problems = _Problems()
    ids = _check_identities(spec, problems)
    shared = shared_subconditions(
        [s.enable_when for s in spec.sections]
        + [i.enable_when for i in spec.items]
        + [t.when for score in spec.scores for t in score.terms]
        + [r.when for r in spec.rules]
        + list(spec.conditions.values())
    )
    named = NamedConditions(spec.conditions, spec.conditions_pointer)
    infos = {
        item.id: ItemInfo(item.type, frozenset(item.options) - item.unknown, item.exclusive)
        # an "unknown" code is never a fact, so a condition may not name it
        for item in spec.items
    }

    def compiler_for(score_infos: Mapping[str, ScoreInfo]) -> ConditionCompiler:
        return ConditionCompiler(
            infos, score_infos, sections=ids.section_ids, shared=shared, named=named
        )

    score_infos, compiled_scores = _compile_scores(spec, compiler_for, problems)
    compiler = compiler_for(score_infos)
    section_conditions, item_conditions = _compile_visibility(spec, compiler, problems)
    item_index = {item.id: i for i, item in enumerate(spec.items)}
    rules: list[CompiledRule] = []
    rule_ids: set[str] = set()
    for rule in spec.rules:
        if rule.id in rule_ids:
            problems(join_pointer(rule.pointer, "id"), f"duplicate rule '{rule.id}'", "duplicate")
        rule_ids.add(rule.id)
        rules.append(_compile_rule(rule, compiler, named, ids, item_index, problems))
    _check_named(named, compiler, problems)
    problems.extend(compiler.problems)

    # -- evaluation order -----------------------------------------------------------------------
    order = _evaluation_order(
        spec, section_conditions, item_conditions, score_infos, compiled_scores, problems
    )
    if problems:
        raise CompileError(problems)
    items_by_id = {item.id: item for item in spec.items}
    return Program(
        spec=spec,
        items=items_by_id,
        item_index=item_index,
        plan=_plan(order, items_by_id, section_conditions, item_conditions, compiled_scores),
        rules=tuple(rules),
        scores=tuple(compiled_scores[s.id] for s in spec.scores if s.id in compiled_scores),
        default_tier_index=ids.default_index,
        required=tuple(i.id for i in spec.items if i.required and i.type != "display"),
        section_conditions=section_conditions,
        item_conditions=item_conditions,
        named={n: named.compiled[n] for n in named.definitions if n in named.compiled},
        outcomes=generate_all([r.condition for r in rules]),
        traced_items=tuple(
            i.id for i in spec.items if any(i.id in r.condition.reads for r in rules)
        ),
        item_order=tuple(item.id for item in spec.items),
        display_items=frozenset(i.id for i in spec.items if i.type == "display"),
        unknown_options={i.id: i.unknown for i in spec.items if i.unknown},
        item_bytes=_byte_tables(tuple(item.id for item in spec.items)),
        outputs={},
    )


def _check_identities(spec: QuestionnaireSpec, problem: _Problems) -> _Identities:
    """Sections, items and tiers: unique ids, known types and sections, a known default tier."""
    seen: dict[str, str] = {}
    for section in spec.sections:
        _unique(seen, section.id, join_pointer(section.pointer, "id"), "section", problem)
    for item in spec.items:
        _unique(seen, item.id, join_pointer(item.pointer, "id"), "item", problem)
        if item.type not in ITEM_TYPES:
            problem(join_pointer(item.pointer, "type"), f"unknown item type '{item.type}'", "shape")
    section_ids = frozenset(s.id for s in spec.sections)
    for item in spec.items:
        if item.section not in section_ids:
            problem(item.pointer, f"unknown section '{item.section}'", "unknown_section")
    tier_index: dict[str, int] = {}
    for i, tier in enumerate(spec.tiers):
        if tier in tier_index:
            problem(
                join_pointer(spec.tiers_pointer, i, "id"), f"duplicate tier '{tier}'", "duplicate"
            )
        tier_index.setdefault(tier, i)
    if not spec.tiers:
        problem(spec.tiers_pointer, "at least one tier is needed", "shape")
    if spec.default_tier not in tier_index:
        problem(spec.default_tier_pointer, f"unknown tier '{spec.default_tier}'", "unknown_tier")
    return _Identities(section_ids, tier_index, tier_index.get(spec.default_tier, 0))


def _compile_scores(
    spec: QuestionnaireSpec,
    compiler_for: Callable[[Mapping[str, ScoreInfo]], ConditionCompiler],
    problem: _Problems,
) -> tuple[dict[str, ScoreInfo], dict[str, CompiledScore]]:
    """Every score, in dependency order (a score's terms may read the scores before it)."""
    score_specs = {}
    for i, score in enumerate(spec.scores):
        if score.id in score_specs:
            problem(join_pointer(score.pointer, "id"), f"duplicate score '{score.id}'", "duplicate")
            continue
        score_specs[score.id] = (i, score)
        _check_bands(score.bands, join_pointer(score.pointer, "bands"), problem)
    score_infos: dict[str, ScoreInfo] = {}
    compiled_scores: dict[str, CompiledScore] = {}
    for score_id in _score_order(score_specs, spec.conditions, problem):
        compiler = compiler_for(score_infos)
        score_infos[score_id], compiled_scores[score_id] = _compile_score(
            score_specs[score_id][1], compiler, problem
        )
    return score_infos, compiled_scores


def _compile_score(
    score: ScoreSpec, compiler: ConditionCompiler, problem: _Problems
) -> tuple[ScoreInfo, CompiledScore]:
    terms: list[tuple[Condition, float]] = []
    term_ids: set[str] = set()
    for term in score.terms:
        if term.id is not None:
            if term.id in term_ids:
                problem(
                    join_pointer(term.pointer, "id"),
                    f"duplicate term '{term.id}' in score '{score.id}'",
                    "duplicate",
                )
            term_ids.add(term.id)
        elif term.section is not None:
            problem(
                join_pointer(term.pointer, "section"),
                "a term with a section needs an id (it is itemised under that section)",
                "invalid",
            )
        ptr = join_pointer(term.pointer, "when")
        before = len(compiler.problems)
        cond = compiler.compile(term.when, ptr)
        if cond.const is False and len(compiler.problems) == before:
            problem(
                ptr,
                "this score term can never apply (its condition is always false)",
                "never_fires",
            )
        terms.append((cond, term.points))
    problem.extend(compiler.problems)
    lo = hi = 0.0
    for cond, points in terms:
        if cond.const is True:
            lo += points
            hi += points
        elif cond.const is None:
            lo += min(points, 0.0)
            hi += max(points, 0.0)
    live = tuple((c, p) for c, p in terms if c.const is not False)
    live_specs = tuple(
        t for (c, _), t in zip(terms, score.terms, strict=True) if c.const is not False
    )
    info = ScoreInfo(
        static=(lo, hi),
        integral=all(float(p).is_integer() for _, p in terms),
        items=frozenset().union(*(c.items for c, _ in terms)) if terms else EMPTY,
        probe=_score_waits(tuple(c for c, _ in live)),
    )
    compiled = CompiledScore(
        score.id,
        tuple((generate(c), p) for c, p in live),
        score.bands,
        (lo, hi),
        score.label,
        live_specs if any(t.id is not None for t in live_specs) else (),
    )
    return info, compiled


def _compile_visibility(
    spec: QuestionnaireSpec, compiler: ConditionCompiler, problem: _Problems
) -> tuple[dict[str, Condition], dict[str, Condition]]:
    """The `enable_when` of every section and item that has one."""

    def visibility(kind: str, parts: Sequence[SectionSpec | ItemSpec]) -> dict[str, Condition]:
        conditions: dict[str, Condition] = {}
        for part in parts:
            if part.enable_when is None:
                continue
            ptr = join_pointer(part.pointer, "enable_when")
            before = len(compiler.problems)
            cond = compiler.compile(part.enable_when, ptr)
            if cond.const is False and len(compiler.problems) == before:
                problem(ptr, f"{kind} '{part.id}' can never be enabled", "never_enabled")
            conditions[part.id] = cond
        return conditions

    return visibility("section", spec.sections), visibility("item", spec.items)


def _compile_rule(
    rule: RuleSpec,
    compiler: ConditionCompiler,
    named: NamedConditions,
    ids: _Identities,
    item_index: Mapping[str, int],
    problem: _Problems,
) -> CompiledRule:
    ptr = join_pointer(rule.pointer, "when")
    before = len(compiler.problems)
    cond = compiler.compile(rule.when, ptr)
    if len(compiler.problems) == before and cond.const is False:
        problem(
            ptr, f"rule '{rule.id}' can never fire (its condition is always false)", "never_fires"
        )
    t_index = -1
    if rule.tier is not None:
        if rule.tier in ids.tier_index:
            t_index = ids.tier_index[rule.tier]
        else:
            problem(
                join_pointer(rule.pointer, "then", "tier"),
                f"unknown tier '{rule.tier}'",
                "unknown_tier",
            )
    tier_ok = rule.tier is None or rule.tier in ids.tier_index
    if (
        tier_ok
        and t_index <= ids.default_index
        and not (rule.obligations or rule.controls or rule.flags or rule.deferrals)
    ):
        problem(
            join_pointer(rule.pointer, "then"),
            f"rule '{rule.id}' has no effect: no tier above the default tier, "
            "no obligations, controls or flags",
            "no_effect",
        )
    for field_name in ("obligations", "controls", "flags"):
        values: tuple[str, ...] = getattr(rule, field_name)
        if len(set(values)) != len(values):
            problem(
                join_pointer(rule.pointer, "then", field_name),
                f"duplicate entries in {field_name}",
                "duplicate",
            )
    return CompiledRule(
        rule,
        cond,
        t_index,
        tuple(sorted(cond.reads, key=lambda x: item_index.get(x, 0))),
        tuple(sorted(cond.scores)),
        named.order(cond.names),
        FiredRule(rule.id, rule.tier, rule.rationale, rule.caveat, rule.refs),
    )


def _check_named(named: NamedConditions, compiler: ConditionCompiler, problem: _Problems) -> None:
    """Every named condition is checked, and one that nothing uses is an error."""
    for name in named.unused():
        if name not in named.compiled:
            compiler.compile({"condition": name}, named.pointer_of(name))
        problem(
            named.pointer_of(name), f"named condition '{name}' is never used", "unused_condition"
        )


def _plan(
    order: list[tuple[int, str]],
    items_by_id: Mapping[str, ItemSpec],
    section_conditions: Mapping[str, Condition],
    item_conditions: Mapping[str, Condition],
    compiled_scores: Mapping[str, CompiledScore],
) -> tuple[tuple[int, str, CondFn | None, Any], ...]:
    """The steps that settle a set of answers, in evaluation order."""
    plan: list[tuple[int, str, CondFn | None, Any]] = []
    for kind, node in order:
        if kind == STEP_SECTION:
            sc = section_conditions.get(node)
            plan.append((STEP_SECTION, node, generate(sc) if sc is not None else None, None))
        elif kind == STEP_ITEM:
            item = items_by_id[node]
            if item.type == "display":
                continue
            ic = item_conditions.get(node)
            plan.append(
                (
                    STEP_ITEM,
                    node,
                    generate(ic) if ic is not None else None,
                    (item.section, CHECKERS[item.type]),
                )
            )
        else:
            plan.append((STEP_SCORE, node, None, compiled_scores[node].terms))
    return tuple(plan)


def _byte_tables(order: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """For each run of 8 items, the items of every byte value (bit i: the i-th item of the run)."""
    tables = []
    for start in range(0, len(order), 8):
        chunk = order[start : start + 8]
        tables.append(
            tuple(
                tuple(chunk[i] for i in range(len(chunk)) if byte >> i & 1) for byte in range(256)
            )
        )
    return tuple(tables)


def _unique(
    seen: dict[str, str],
    ident: str,
    pointer: str,
    kind: str,
    problem: Callable[[str, str, str], None],
) -> None:
    if ident in seen:
        problem(pointer, f"duplicate id '{ident}' (already used by a {seen[ident]})", "duplicate")
    else:
        seen[ident] = kind


def _check_bands(
    bands: tuple[BandSpec, ...], pointer: str, problem: Callable[[str, str, str], None]
) -> None:
    ids: set[str] = set()
    previous: float | None = None
    for i, band in enumerate(bands):
        if band.id in ids:
            problem(join_pointer(pointer, i, "id"), f"duplicate band '{band.id}'", "duplicate")
        ids.add(band.id)
        last = i == len(bands) - 1
        if band.max is None and not last:
            problem(join_pointer(pointer, i), "only the last band is open-ended", "bands")
        if band.max is not None and last:
            problem(
                join_pointer(pointer, i, "max"), "the last band is open-ended (no max)", "bands"
            )
        if band.max is not None:
            if previous is not None and band.max <= previous:
                problem(join_pointer(pointer, i, "max"), "band maxima must increase", "bands")
            previous = band.max


def _score_refs(
    expr: object, named: Mapping[str, object], seen: set[str] | None = None
) -> Iterator[str]:
    """Score ids referenced anywhere in a raw condition, also through named conditions."""
    if isinstance(expr, dict):
        for key, value in expr.items():
            if key == "score" and isinstance(value, str):
                yield value
            elif key == "condition" and isinstance(value, str):
                seen = set() if seen is None else seen
                if value in named and value not in seen:
                    seen.add(value)
                    yield from _score_refs(named[value], named, seen)
            else:
                yield from _score_refs(value, named, seen)
    elif isinstance(expr, list):
        for value in expr:
            yield from _score_refs(value, named, seen)


def _score_order(
    specs: Mapping[str, tuple[int, Any]],
    named: Mapping[str, object],
    problem: Callable[[str, str, str], None],
) -> list[str]:
    """Scores ordered so that each comes after the scores its terms read; cycles are problems."""
    deps = {
        sid: {r for t in score.terms for r in _score_refs(t.when, named) if r in specs}
        for sid, (_, score) in specs.items()
    }
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(sid: str, path: list[str]) -> bool:
        if state.get(sid) == 2:
            return True
        if state.get(sid) == 1:
            cycle = " -> ".join([*path[path.index(sid) :], sid])
            problem(
                join_pointer(specs[sid][1].pointer, "terms"),
                f"scores form a cycle: {cycle}",
                "cycle",
            )
            return False
        state[sid] = 1
        ok = all(visit(d, [*path, sid]) for d in sorted(deps[sid]))
        state[sid] = 2
        if ok:
            order.append(sid)
        return ok

    for sid in specs:
        visit(sid, [])
    return order


def _evaluation_order(
    spec: QuestionnaireSpec,
    section_conditions: Mapping[str, Condition],
    item_conditions: Mapping[str, Condition],
    score_infos: Mapping[str, ScoreInfo],
    scores: Mapping[str, CompiledScore],
    problem: Callable[[str, str, str], None],
) -> list[tuple[int, str]]:
    """Sections, items and scores in an order where every condition reads only settled facts.

    A cycle (an item whose visibility depends on itself, directly, through its section, or
    through a score) is reported at the condition that closes it.
    """
    Node = tuple[int, str]
    deps: dict[Node, list[Node]] = {}
    pointers: dict[Node, str] = {}
    items = {item.id for item in spec.items}
    for section in spec.sections:
        node = (STEP_SECTION, section.id)
        cond = section_conditions.get(section.id)
        deps[node] = _condition_nodes(cond, items, scores)
        pointers[node] = join_pointer(section.pointer, "enable_when")
    for item in spec.items:
        node = (STEP_ITEM, item.id)
        cond = item_conditions.get(item.id)
        deps[node] = [(STEP_SECTION, item.section), *_condition_nodes(cond, items, scores)]
        pointers[node] = join_pointer(item.pointer, "enable_when")
    for s in spec.scores:
        if s.id not in scores:
            continue
        node = (STEP_SCORE, s.id)
        info = score_infos[s.id]
        refs = {r for t in s.terms for r in _score_refs(t.when, spec.conditions) if r in scores}
        deps[node] = [(STEP_ITEM, i) for i in sorted(info.items)] + [
            (STEP_SCORE, r) for r in sorted(refs)
        ]
        pointers[node] = join_pointer(s.pointer, "terms")
    order: list[Node] = []
    state: dict[Node, int] = {}
    reported: set[frozenset[Node]] = set()

    def visit(node: Node, path: list[Node]) -> None:
        if state.get(node) == 2 or node not in deps:
            return
        if state.get(node) == 1:
            loop = path[path.index(node) :]
            key = frozenset(loop)
            if key not in reported:
                reported.add(key)
                names = " -> ".join(n[1] for n in [*loop, node])
                problem(pointers[node], f"visibility forms a cycle: {names}", "cycle")
            return
        state[node] = 1
        for dep in deps[node]:
            visit(dep, [*path, node])
        state[node] = 2
        order.append(node)

    for node in deps:
        visit(node, [])
    return order


def _condition_nodes(
    cond: Condition | None, items: set[str], scores: Mapping[str, CompiledScore]
) -> list[tuple[int, str]]:
    if cond is None:
        return []
    return [(STEP_ITEM, i) for i in sorted(cond.reads) if i in items] + [
        (STEP_SCORE, s) for s in sorted(cond.scores) if s in scores
    ]


def _score_waits(conditions: tuple[Condition, ...]) -> Callable[[Env], frozenset[str]]:
    explains = tuple(c.explain for c in conditions)

    def waits(env: Env) -> frozenset[str]:
        out: list[str] = []
        for explain in explains:
            explain(env, out)
        return frozenset(out)

    return waits
