"""The scoring engine: a pure function from a compiled questionnaire and answers to a result.

No I/O, no clock: the caller passes `as_of`. Answers of disabled items are ignored (never read
as "No"); rules whose condition is unknown are reported as undetermined with the items they
wait for; the tier is final when no undetermined rule could still raise it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from app.rules.conditions import Env, Kleene
from app.rules.problems import InvalidAnswerError
from app.rules.program import STEP_ITEM, STEP_SECTION, CompiledRule, Program

ENGINE_VERSION: Final = "1.0.0"

_OUTCOME: Final[dict[Kleene, str]] = {True: "true", False: "false", None: "unknown"}


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose condition is true, with its explanation."""

    id: str
    tier: str | None
    rationale: Mapping[str, str]
    caveat: Mapping[str, str] | None
    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Requirement:
    """A control or flag and the fired rules that require it."""

    id: str
    required_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ObligationResult:
    """An obligation, the rules that require it and, per calendar, when and whether it applies."""

    id: str
    required_by: tuple[str, ...]
    applies_from: Mapping[str, date | None]
    applies: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A weighted score: its range (a single value once final) and band."""

    id: str
    min: float
    max: float
    band: str | None

    @property
    def final(self) -> bool:
        return self.min == self.max

    @property
    def value(self) -> float | None:
        return self.min if self.min == self.max else None


@dataclass(frozen=True, slots=True)
class UndeterminedRule:
    """A rule still unknown and the items whose answer (or visibility) it waits for."""

    id: str
    tier: str | None
    waits_for: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FactRead:
    """One item a rule reads: its state (answered, unanswered, disabled) and value."""

    item: str
    state: str
    value: Any


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """How one rule came out and what it read."""

    rule: str
    outcome: str
    facts: tuple[FactRead, ...]
    scores: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True, slots=True)
class Result:
    """Everything one evaluation decided, pinned to the questionnaire version and engine."""

    engine_version: str
    key: str
    version: str
    content_hash: str
    logic_hash: str
    as_of: date
    calendars: Mapping[str, str]
    tier: str
    final: bool
    fired: tuple[FiredRule, ...]
    obligations: tuple[ObligationResult, ...]
    controls: tuple[Requirement, ...]
    flags: tuple[Requirement, ...]
    scores: tuple[ScoreResult, ...]
    undetermined: tuple[UndeterminedRule, ...]
    ignored_answers: tuple[str, ...]
    missing_required: tuple[str, ...]
    trace: tuple[RuleTrace, ...] | None

    @property
    def calendar_assumption(self) -> str:
        """The application calendars the obligation dates are reported under."""
        if not self.calendars:
            return "No dated obligations in this questionnaire."
        named = "; ".join(f"'{k}': {v}" for k, v in self.calendars.items())
        return (
            f"Each obligation's application date is given under every calendar and judged as of "
            f"{self.as_of.isoformat()}. Calendars: {named}."
        )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the API and the command line print this)."""
        out: dict[str, Any] = {
            "engine_version": self.engine_version,
            "questionnaire": {
                "key": self.key,
                "version": self.version,
                "content_hash": self.content_hash,
                "logic_hash": self.logic_hash,
            },
            "as_of": self.as_of.isoformat(),
            "calendar": {
                "assumption": self.calendar_assumption,
                "calendars": [{"id": k, "description": v} for k, v in self.calendars.items()],
            },
            "tier": self.tier,
            "final": self.final,
            "fired": [
                {
                    "id": f.id,
                    "tier": f.tier,
                    "rationale": dict(f.rationale),
                    "caveat": dict(f.caveat) if f.caveat is not None else None,
                    "refs": list(f.refs),
                }
                for f in self.fired
            ],
            "obligations": [
                {
                    "id": o.id,
                    "required_by": list(o.required_by),
                    "applies_from": {
                        k: v.isoformat() if v is not None else None
                        for k, v in o.applies_from.items()
                    },
                    "applies": dict(o.applies),
                }
                for o in self.obligations
            ],
            "controls": [{"id": c.id, "required_by": list(c.required_by)} for c in self.controls],
            "flags": [{"id": f.id, "raised_by": list(f.required_by)} for f in self.flags],
            "scores": [
                {
                    "id": s.id,
                    "value": s.value,
                    "min": s.min,
                    "max": s.max,
                    "final": s.final,
                    "band": s.band,
                }
                for s in self.scores
            ],
            "undetermined": [
                {"id": u.id, "tier": u.tier, "waits_for": list(u.waits_for)}
                for u in self.undetermined
            ],
            "ignored_answers": list(self.ignored_answers),
            "missing_required": list(self.missing_required),
            "trace": None,
        }
        if self.trace is not None:
            out["trace"] = [
                {
                    "rule": t.rule,
                    "outcome": t.outcome,
                    "facts": [
                        {"item": f.item, "state": f.state, "value": f.value} for f in t.facts
                    ],
                    "scores": [{"id": s, "min": lo, "max": hi} for s, lo, hi in t.scores],
                }
                for t in self.trace
            ]
        return out


@dataclass(frozen=True, slots=True)
class State:
    """The settled facts of one set of answers: what is enabled and what is known."""

    facts: dict[str, Any]
    ranges: dict[str, tuple[float, float]]
    sections: dict[str, Kleene]
    items: dict[str, Kleene]
    env: Env


def settle(program: Program, answers: Mapping[str, Any]) -> State:
    """Decide visibility and collect the facts (answers of enabled items) and score ranges.

    Raises `InvalidAnswerError` for an answer to an unknown or display item, or a value the
    engine cannot read for its item type.
    """
    items = program.items
    for key, value in answers.items():
        item = items.get(key)
        if item is None:
            raise InvalidAnswerError(str(key), "no such item")
        if item.type == "display" and value is not None:
            raise InvalidAnswerError(key, "a display item is never answered")
    facts: dict[str, Any] = {}
    ranges: dict[str, tuple[float, float]] = {}
    sections: dict[str, Kleene] = {}
    states: dict[str, Kleene] = {}
    env = Env(facts, ranges)
    get = answers.get
    for kind, node, fn, aux in program.plan:
        if kind == STEP_ITEM:
            section, check = aux
            s = sections[section]
            if s is False:
                states[node] = False
                continue
            e = True if fn is None else fn(env)
            if s is None and e is not False:
                e = None
            states[node] = e
            if e is True:
                value = get(node)
                if value is not None:
                    if not check(value):
                        raise InvalidAnswerError(node, f"not a {items[node].type} answer")
                    facts[node] = value
        elif kind == STEP_SECTION:
            sections[node] = True if fn is None else fn(env)
        else:
            lo = hi = 0.0
            for term, points in aux:
                v = term(env)
                if v is True:
                    lo += points
                    hi += points
                elif v is None:
                    if points < 0:
                        lo += points
                    else:
                        hi += points
            ranges[node] = (lo, hi)
    return State(facts, ranges, sections, states, env)


def evaluate(
    program: Program,
    answers: Mapping[str, Any],
    *,
    as_of: date,
    trace: bool = True,
) -> Result:
    """Score one set of answers against a compiled questionnaire."""
    state = settle(program, answers)
    facts, ranges, states, env = state.facts, state.ranges, state.items, state.env
    spec = program.spec
    tiers = spec.tiers

    best = program.default_tier_index
    fired: list[CompiledRule] = []
    unknown: list[CompiledRule] = []
    outcomes: list[Kleene] = []
    for rule in program.rules:
        v = rule.condition.fn(env)
        if trace:
            outcomes.append(v)
        if v is True:
            fired.append(rule)
            if rule.tier_index > best:
                best = rule.tier_index
        elif v is None:
            unknown.append(rule)

    undetermined: list[UndeterminedRule] = []
    final = True
    closures: dict[str, frozenset[str]] = {}
    for rule in unknown:
        waits = _open_items(program, state, rule.condition.waits(env), closures)
        if waits and rule.tier_index > best:
            final = False
        undetermined.append(UndeterminedRule(rule.spec.id, rule.spec.tier, waits))

    obligations: dict[str, list[str]] = {}
    controls: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    fired_out: list[FiredRule] = []
    for rule in fired:
        rs = rule.spec
        fired_out.append(FiredRule(rs.id, rs.tier, rs.rationale, rs.caveat, rs.refs))
        for o in rs.obligations:
            obligations.setdefault(o, []).append(rs.id)
        for c in rs.controls:
            controls.setdefault(c, []).append(rs.id)
        for f in rs.flags:
            flags.setdefault(f, []).append(rs.id)

    obligation_out = []
    for oid, by in obligations.items():
        meta = spec.obligations.get(oid)
        dates = meta.applies_from if meta is not None else {}
        applies = {cal: day is not None and as_of >= day for cal, day in dates.items()}
        obligation_out.append(ObligationResult(oid, tuple(by), dates, applies))

    score_out = []
    for score in program.scores:
        lo, hi = ranges[score.id]
        band = score.band(lo)
        if band is not None and lo != hi and score.band(hi) != band:
            band = None
        score_out.append(ScoreResult(score.id, lo, hi, band))

    index = program.item_index
    ignored = sorted(
        (k for k, v in answers.items() if v is not None and states.get(k) is not True),
        key=index.__getitem__,
    )
    missing = tuple(i for i in program.required if states[i] is True and i not in facts)

    return Result(
        engine_version=ENGINE_VERSION,
        key=spec.key,
        version=spec.version,
        content_hash=spec.content_hash,
        logic_hash=spec.logic_hash,
        as_of=as_of,
        calendars=spec.calendars,
        tier=tiers[best],
        final=final,
        fired=tuple(fired_out),
        obligations=tuple(obligation_out),
        controls=tuple(Requirement(k, tuple(v)) for k, v in controls.items()),
        flags=tuple(Requirement(k, tuple(v)) for k, v in flags.items()),
        scores=tuple(score_out),
        undetermined=tuple(undetermined),
        ignored_answers=tuple(ignored),
        missing_required=missing,
        trace=_trace(program, state, outcomes) if trace else None,
    )


def _open_items(
    program: Program, state: State, waits: frozenset[str], cache: dict[str, frozenset[str]]
) -> tuple[str, ...]:
    """The items, among `waits` and what their visibility waits for, that can still be answered.

    An enabled unanswered item is open; an item whose visibility is undetermined is open together
    with the items its visibility waits for; an item definitely disabled is not.
    """
    out: set[str] = set()
    for item_id in waits:
        out |= _open_closure(program, state, item_id, cache)
    return tuple(sorted(out, key=program.item_index.__getitem__))


def _open_closure(
    program: Program, state: State, item_id: str, cache: dict[str, frozenset[str]]
) -> frozenset[str]:
    found = cache.get(item_id)
    if found is not None:
        return found
    cache[item_id] = frozenset()  # guards against revisiting while in progress
    s = state.items.get(item_id)
    if s is True:
        result = frozenset() if item_id in state.facts else frozenset((item_id,))
    elif s is None:
        acc = {item_id}
        item = program.items[item_id]
        for cond in (
            program.section_conditions.get(item.section),
            program.item_conditions.get(item_id),
        ):
            if cond is not None:
                value, waits_for = cond.probe(state.env)
                if value is None:
                    for other in waits_for:
                        acc |= _open_closure(program, state, other, cache)
        result = frozenset(acc)
    else:
        result = frozenset()
    cache[item_id] = result
    return result


def _trace(program: Program, state: State, outcomes: list[Kleene]) -> tuple[RuleTrace, ...]:
    facts, states = state.facts, state.items
    out = []
    for rule, v in zip(program.rules, outcomes, strict=True):
        reads = tuple(
            FactRead(
                i,
                "answered" if i in facts else "unanswered" if states.get(i) is True else "disabled",
                facts.get(i),
            )
            for i in rule.reads
        )
        scores = tuple((s, *state.ranges[s]) for s in rule.scores)
        out.append(RuleTrace(rule.spec.id, _OUTCOME[v], reads, scores))
    return tuple(out)


__all__ = [
    "ENGINE_VERSION",
    "FactRead",
    "FiredRule",
    "ObligationResult",
    "Requirement",
    "Result",
    "RuleTrace",
    "ScoreResult",
    "State",
    "UndeterminedRule",
    "evaluate",
    "settle",
]
