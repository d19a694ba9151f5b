"""The scoring engine: a pure function from a compiled questionnaire and answers to a result.

No I/O, no clock: the caller passes `as_of`. Answers of disabled items are ignored (never read
as "No"); rules whose condition is unknown are reported as undetermined with the items they
wait for; the tier is final when no undetermined rule could still raise it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_
from types import MappingProxyType
from typing import Any, Final, overload

import orjson

from app.rules.language import Env, Kleene, valid_date
from app.rules.model import Citation
from app.rules.problems import InvalidAnswerError
from app.rules.program import (
    STEP_ITEM,
    STEP_SECTION,
    CompiledRule,
    CompiledScore,
    FiredRule,
    Program,
)

ENGINE_VERSION: Final = "1.0.0"

_OUTCOME: Final[dict[Kleene, str]] = {True: "true", False: "false", None: "unknown"}


def _cite(citation: Citation | None) -> dict[str, Any]:
    if citation is None:
        return {"ref": None, "title": None}
    out: dict[str, Any] = {"ref": citation.ref, "title": dict(citation.title)}
    if citation.party is not None:
        out["holder"] = {"party": citation.party, "roles": list(citation.roles)}
    if citation.level is not None:
        out["level"] = citation.level
    return out


@dataclass(frozen=True, slots=True)
class Requirement:
    """A control or flag and the fired rules that require it."""

    id: str
    required_by: tuple[str, ...]
    citation: Citation | None = None


@dataclass(frozen=True, slots=True)
class ObligationResult:
    """An obligation, the rules that require it and, per calendar, when and whether it applies."""

    id: str
    required_by: tuple[str, ...]
    applies_from: Mapping[str, date | None]
    applies: Mapping[str, bool]
    citation: Citation | None = None
    deferred_by: tuple[str, ...] = ()  # rules that moved `applies_from` later for this case


@dataclass(frozen=True, slots=True)
class TermResult:
    """One itemised score term: its points and whether it applies (true, false or unknown)."""

    id: str
    section: str | None
    label: Mapping[str, str]
    points: float
    outcome: str


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A weighted score: its range (a single value once final) and band.

    `terms` itemises the score when its questionnaire names its terms; `scale` is then the
    lowest and highest value the score can take at all (levels are read against it).
    """

    id: str
    min: float
    max: float
    band: str | None
    terms: tuple[TermResult, ...] = ()
    scale: tuple[float, float] | None = None

    def breakdown(self) -> dict[str, Any]:
        """Every term's contribution and each section's total (unknown terms count as ranges)."""
        sections: dict[str, list[float]] = {}
        for t in self.terms:
            if t.section is None:
                continue
            lo_hi = sections.setdefault(t.section, [0.0, 0.0])
            if t.outcome == "true":
                lo_hi[0] += t.points
                lo_hi[1] += t.points
            elif t.outcome == "unknown":
                lo_hi[0] += min(t.points, 0.0)
                lo_hi[1] += max(t.points, 0.0)
        return {
            "scale": {"min": self.scale[0], "max": self.scale[1]} if self.scale else None,
            "terms": [
                {
                    "id": t.id,
                    "section": t.section,
                    "label": dict(t.label),
                    "points": t.points,
                    "applies": t.outcome,
                    "contribution": t.points if t.outcome == "true" else 0.0,
                }
                for t in self.terms
            ],
            "sections": [
                {"id": k, "min": round(v[0], 9), "max": round(v[1], 9)} for k, v in sections.items()
            ],
        }

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
    """How one rule came out and what it read.

    `facts` are every item the rule reads, also through named conditions; `conditions` are the
    named conditions it uses (directly or through other named conditions), in definition
    order, each with its outcome.
    """

    rule: str
    outcome: str
    facts: tuple[FactRead, ...]
    scores: tuple[tuple[str, float, float], ...]
    conditions: tuple[tuple[str, str], ...] = ()


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
    trace: Trace | None

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

    def to_dict(self, *, encoded_trace: bool = False) -> dict[str, Any]:
        """The result as JSON-ready data (the API and the command line print this).

        With `encoded_trace`, the trace is already JSON (an `orjson.Fragment` of
        `Trace.to_json`), for a caller that encodes the whole with orjson straight away.
        """
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
                    **_cite(o.citation),
                    "required_by": list(o.required_by),
                    "applies_from": {
                        k: v.isoformat() if v is not None else None
                        for k, v in o.applies_from.items()
                    },
                    "applies": dict(o.applies),
                    # Only where a rule deferred it: results stored before stay reproducible.
                    **({"deferred_by": list(o.deferred_by)} if o.deferred_by else {}),
                }
                for o in self.obligations
            ],
            "controls": [
                {"id": c.id, **_cite(c.citation), "required_by": list(c.required_by)}
                for c in self.controls
            ],
            "flags": [{"id": f.id, "raised_by": list(f.required_by)} for f in self.flags],
            "scores": [
                {
                    "id": s.id,
                    "value": s.value,
                    "min": s.min,
                    "max": s.max,
                    "final": s.final,
                    "band": s.band,
                    # Only for itemised scores: results stored before stay reproducible.
                    **({"breakdown": s.breakdown()} if s.terms else {}),
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
            trace = self.trace
            out["trace"] = orjson.Fragment(trace.to_json()) if encoded_trace else trace.to_list()
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
    keys = answers.keys()
    if not keys <= items.keys() or not keys.isdisjoint(program.display_items):
        for key, value in answers.items():  # find the first offending answer, in order
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
    unknown_options = program.unknown_options
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
                    unknown = unknown_options.get(node)
                    if unknown is None or value not in unknown:
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
    state: State | None = None,
) -> Result:
    """Score one set of answers against a compiled questionnaire (`state`: their settled state,
    when the caller has it already)."""
    if program.spec.derived:
        # Derived facts depend on as_of, so a state settled without them is settled again.
        answers = with_derived(program, answers, as_of)
        state = None
    if state is None:
        state = settle(program, answers)
    facts, ranges, states, env = state.facts, state.ranges, state.items, state.env
    spec = program.spec
    tiers = spec.tiers

    best = program.default_tier_index
    fired: list[CompiledRule] = []
    unknown: list[CompiledRule] = []
    outcomes = program.outcomes(env)
    for v, rule in zip(outcomes, program.rules, strict=True):
        if v is True:
            fired.append(rule)
            if rule.tier_index > best:
                best = rule.tier_index
        elif v is None:
            unknown.append(rule)

    undetermined, final = _undetermined(program, state, unknown, best) if unknown else ((), True)
    obligation_out, controls_out, flags_out = _cached_outputs(program, fired, as_of)
    score_out = _scores(program, ranges, env)

    index = program.item_index
    ignored = sorted(
        (k for k, v in answers.items() if v is not None and states.get(k) is not True),
        key=index.__getitem__,
    )
    # an "unknown" option answers the question: it is waited for, never missing
    missing = tuple(
        i
        for i in program.required
        if states[i] is True and i not in facts and answers.get(i) is None
    )

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
        fired=tuple(rule.fired for rule in fired),
        obligations=obligation_out,
        controls=controls_out,
        flags=flags_out,
        scores=score_out,
        undetermined=undetermined,
        ignored_answers=tuple(ignored),
        missing_required=missing,
        trace=Trace(program, state, outcomes) if trace else None,
    )


def _undetermined(
    program: Program, state: State, unknown: list[CompiledRule], best: int
) -> tuple[tuple[UndeterminedRule, ...], bool]:
    """The rules left unknown with the items each waits for, and whether the tier is final."""
    final = True
    cache = program.outputs  # immutable records, shared between results
    # Sets of items as bit masks (bit i: the i-th item), so unions are cheap and a mask
    # lists its items in questionnaire order.
    masks: dict[str, int] = {}
    for item_id in program.item_order:
        if item_id not in masks:
            _open_mask(program, state, item_id, masks)
    mask_of = masks.__getitem__
    opened: dict[int, tuple[str, ...]] = {0: ()}
    waiting: dict[frozenset[str], tuple[str, ...]] = {}
    undetermined: list[UndeterminedRule] = []
    for rule in unknown:
        found: list[str] = []
        rule.condition.explain(state.env, found)
        key = frozenset(found)
        waits = waiting.get(key)  # rules often wait for the same items
        if waits is None:
            mask = reduce(or_, map(mask_of, key), 0)
            waits = opened.get(mask)
            if waits is None:
                waits = opened[mask] = _items_of(program, mask)
            waiting[key] = waits
        if waits and rule.tier_index > best:
            final = False
        record_key = (rule.spec.id, waits)
        found_record = cache.get(record_key)
        if found_record is None:
            found_record = UndeterminedRule(rule.spec.id, rule.spec.tier, waits)
            if len(cache) >= _OUTPUTS_CACHE_SIZE:
                cache.clear()
            cache[record_key] = found_record
        undetermined.append(found_record)
    return tuple(undetermined), final


def _cached_outputs(program: Program, fired: list[CompiledRule], as_of: date) -> Outputs:
    """Obligations, controls and flags of the rules that fired, shared between results."""
    cache = program.outputs
    fired_ids = tuple(rule.spec.id for rule in fired)
    outputs = cache.get((as_of, fired_ids))
    if outputs is None:
        outputs = _outputs(program, fired, as_of)
        if len(cache) >= _OUTPUTS_CACHE_SIZE:
            cache.clear()
        cache[(as_of, fired_ids)] = outputs
    return outputs


def _scores(
    program: Program, ranges: Mapping[str, tuple[float, float]], env: Env
) -> tuple[ScoreResult, ...]:
    score_out = []
    for score in program.scores:
        lo, hi = ranges[score.id]
        band = score.band(lo)
        if band is not None and lo != hi and score.band(hi) != band:
            band = None
        if score.term_specs:
            # Fractional weights add up with float noise (16.150000000000002); show 9 places.
            score_out.append(
                ScoreResult(
                    score.id, round(lo, 9), round(hi, 9), band, _itemise(score, env), score.static
                )
            )
        else:
            score_out.append(ScoreResult(score.id, lo, hi, band))
    return tuple(score_out)


def _itemise(score: CompiledScore, env: Env) -> tuple[TermResult, ...]:
    """The outcome of every term of an itemised score (terms without an id are not listed)."""
    return tuple(
        TermResult(spec.id, spec.section, spec.label, points, _OUTCOME[fn(env)])
        for (fn, points), spec in zip(score.terms, score.term_specs, strict=True)
        if spec.id is not None
    )


def with_derived(program: Program, answers: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """The answers plus every derived fact whose date is answered (a valid date, else none)."""
    out = dict(answers)
    for fact in program.spec.derived:
        out.pop(fact.id, None)  # never taken from the caller
        value = answers.get(fact.source)
        if isinstance(value, str) and valid_date(value):
            out[fact.id] = date.fromisoformat(value) < as_of + timedelta(days=fact.days)
    return out


_OUTPUTS_CACHE_SIZE: Final = 4096
Outputs = tuple[tuple[ObligationResult, ...], tuple[Requirement, ...], tuple[Requirement, ...]]


def _outputs(program: Program, fired: list[CompiledRule], as_of: date) -> Outputs:
    """Obligations, controls and flags of a set of fired rules (a pure function of both).

    `evaluate` keeps the latest few thousand in `program.outputs` (with the `UndeterminedRule`
    records): the same rules fire, and wait for the same items, for many answer sets, and
    building these immutable records is a costly part of a result.
    """
    obligations: dict[str, list[str]] = {}
    controls: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    deferred: dict[str, tuple[date, list[str]]] = {}
    for rule in fired:
        rs = rule.spec
        for o in rs.obligations:
            obligations.setdefault(o, []).append(rs.id)
        for c in rs.controls:
            controls.setdefault(c, []).append(rs.id)
        for f in rs.flags:
            flags.setdefault(f, []).append(rs.id)
        for oids, until in rs.deferrals:
            for o in oids:
                latest, by = deferred.get(o, (until, []))
                deferred[o] = (max(latest, until), [*by, rs.id])
    obligation_out = []
    citations = program.spec.citations
    for oid, required_by in obligations.items():
        meta = program.spec.obligations.get(oid)
        dates: Mapping[str, date | None] = meta.applies_from if meta is not None else {}
        later = deferred.get(oid)
        if later is not None:
            dates = {cal: max(day, later[0]) if day else None for cal, day in dates.items()}
        applies = {cal: day is not None and as_of >= day for cal, day in dates.items()}
        obligation_out.append(
            ObligationResult(
                oid,
                tuple(required_by),
                dates,
                MappingProxyType(applies),
                citations.get(oid),
                tuple(later[1]) if later is not None else (),
            )
        )
    return (
        tuple(obligation_out),
        tuple(Requirement(k, tuple(v), citations.get(k)) for k, v in controls.items()),
        tuple(Requirement(k, tuple(v)) for k, v in flags.items()),
    )


def _open_mask(program: Program, state: State, item_id: str, masks: dict[str, int]) -> int:
    """The items that can still be answered for `item_id` to become known, as a bit mask.

    An enabled unanswered item is open; an item whose visibility is undetermined is open together
    with the items its visibility waits for; an item definitely disabled is not.
    """
    masks[item_id] = 0  # guards against revisiting while in progress
    s = state.items.get(item_id)
    mask = 0
    if s is True:
        if item_id not in state.facts:
            mask = 1 << program.item_index[item_id]
    elif s is None:
        mask = 1 << program.item_index[item_id]
        item = program.items[item_id]
        for cond in (
            program.section_conditions.get(item.section),
            program.item_conditions.get(item_id),
        ):
            if cond is not None:
                value, waits_for = cond.probe(state.env)
                if value is None:
                    for other in waits_for:
                        m = masks.get(other)
                        mask |= _open_mask(program, state, other, masks) if m is None else m
    masks[item_id] = mask
    return mask


def _items_of(program: Program, mask: int) -> tuple[str, ...]:
    """The item ids of a bit mask, in questionnaire order (a table lookup per 8 items)."""
    out: tuple[str, ...] = ()
    for table in program.item_bytes:
        byte = mask & 255
        if byte:
            out += table[byte]
        mask >>= 8
        if not mask:
            break
    return out


class Trace(Sequence[RuleTrace]):
    """How every rule came out and what it read: a sequence of `RuleTrace`, one per rule.

    Built lazily from what the evaluation already settled (the facts, the memo of named
    conditions and the rules' outcomes), once, on first use; `to_list` renders it as JSON-ready
    data without building the records.
    """

    __slots__ = ("_outcomes", "_program", "_records", "_state")

    def __init__(self, program: Program, state: State, outcomes: list[Kleene]) -> None:
        self._program = program
        self._state = state
        self._outcomes = outcomes
        self._records: tuple[RuleTrace, ...] | None = None

    def _parts(self) -> tuple[dict[str, tuple[str, str, Any]], dict[str, tuple[str, str]]]:
        """Each item read by a rule as (item, state, value); each named condition's outcome."""
        program, state = self._program, self._state
        facts, states, env = state.facts, state.items, state.env
        reads: dict[str, tuple[str, str, Any]] = {}
        for i in program.traced_items:
            if i in facts:
                reads[i] = (i, "answered", facts[i])
            else:
                reads[i] = (i, "unanswered" if states.get(i) is True else "disabled", None)
        named = {n: (n, _OUTCOME[c.fn(env)]) for n, c in program.named.items()}
        return reads, named

    @property
    def records(self) -> tuple[RuleTrace, ...]:
        """The per-rule records (built on first use)."""
        if self._records is None:
            reads, named = self._parts()
            facts = {i: FactRead(*r) for i, r in reads.items()}
            fact, name, ranges = facts.__getitem__, named.__getitem__, self._state.ranges
            self._records = tuple(
                RuleTrace(
                    rule.spec.id,
                    _OUTCOME[v],
                    tuple(map(fact, rule.reads)),
                    tuple((s, *ranges[s]) for s in rule.scores) if rule.scores else (),
                    tuple(map(name, rule.names)) if rule.names else (),
                )
                for rule, v in zip(self._program.rules, self._outcomes, strict=True)
            )
        return self._records

    def to_list(self) -> list[dict[str, Any]]:
        """The trace as JSON-ready data (the `trace` of `Result.to_dict`)."""
        reads, named = self._parts()
        fact = {i: {"item": i, "state": st, "value": v} for i, (_, st, v) in reads.items()}
        cond = {n: {"name": n, "outcome": o} for n, (_, o) in named.items()}
        ranges = self._state.ranges
        return [
            {
                "rule": rule.spec.id,
                "outcome": _OUTCOME[v],
                "facts": [fact[i].copy() for i in rule.reads],
                "scores": [
                    {"id": s, "min": ranges[s][0], "max": ranges[s][1]} for s in rule.scores
                ],
                "conditions": [cond[n].copy() for n in rule.names],
            }
            for rule, v in zip(self._program.rules, self._outcomes, strict=True)
        ]

    def to_json(self) -> bytes:
        """`to_list()` encoded as orjson encodes it, built without the per-rule dicts: each item
        read and each named condition is encoded once, and each rule joins the bytes of those it
        read (a large questionnaire's rules read the same items over and over)."""
        reads, named = self._parts()
        dumps = orjson.dumps
        fact = {i: dumps({"item": i, "state": st, "value": v}) for i, (_, st, v) in reads.items()}
        cond = {n: dumps({"name": n, "outcome": o}) for n, (_, o) in named.items()}
        outcome = {k: dumps(v) for k, v in _OUTCOME.items()}
        ranges = self._state.ranges
        rules = [
            b'{"rule":%b,"outcome":%b,"facts":[%b],"scores":%b,"conditions":[%b]}'
            % (
                dumps(rule.spec.id),
                outcome[v],
                b",".join(map(fact.__getitem__, rule.reads)),
                dumps([{"id": s, "min": ranges[s][0], "max": ranges[s][1]} for s in rule.scores]),
                b",".join(map(cond.__getitem__, rule.names)),
            )
            for rule, v in zip(self._program.rules, self._outcomes, strict=True)
        ]
        return b"[" + b",".join(rules) + b"]"

    @overload
    def __getitem__(self, index: int) -> RuleTrace: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RuleTrace, ...]: ...

    def __getitem__(self, index: int | slice) -> RuleTrace | tuple[RuleTrace, ...]:
        return self.records[index]

    def __len__(self) -> int:
        return len(self._outcomes)

    def __iter__(self) -> Iterator[RuleTrace]:
        return iter(self.records)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self.records == other.records
        if isinstance(other, tuple):
            return self.records == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Trace({self.records!r})"


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
    "Trace",
    "UndeterminedRule",
    "evaluate",
    "settle",
]
