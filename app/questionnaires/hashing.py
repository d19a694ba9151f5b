"""Content and logic hashes of a questionnaire version (SHA-256 over RFC 8785 canonical JSON).

The content hash covers the whole file. The logic hash covers only what can change a result:
ids, types, option codes, required, bounds, visibility and scoring; never texts, labels, help
or refs. Options are hashed after resolving option sets, so moving options into a shared set
is not a logic change; likewise conditions are hashed with every named condition
(``{"condition": "<name>"}``) replaced by its definition, so naming a repeated sub-condition is
not a logic change, while changing what a named condition says is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.canonical import canonical_hash as canonical_hash
from app.questionnaires.models import (
    DateItem,
    DecimalItem,
    DisplayItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    Option,
    Questionnaire,
    ScoreTerm,
    SingleChoiceItem,
    StringItem,
    TextItem,
    Then,
)


def expand(expr: Any, named: Mapping[str, Any], active: tuple[str, ...] = ()) -> Any:
    """A condition with every reference to a named condition replaced by its definition.

    A reference to an unknown name or one inside a cycle is left as written (the loader
    reports both).
    """
    if not named:
        return expr
    if isinstance(expr, dict):
        if len(expr) == 1 and "condition" in expr:
            name = expr["condition"]
            if isinstance(name, str) and name in named and name not in active:
                return expand(named[name], named, (*active, name))
            return expr
        return {k: expand(v, named, active) for k, v in expr.items()}
    if isinstance(expr, list):
        return [expand(v, named, active) for v in expr]
    return expr


def item_logic(
    item: Item,
    section: str,
    options: dict[str, list[Option]],
    conditions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "section": section,
        "enable_when": expand(item.enable_when, conditions or {}),
    }
    if isinstance(item, DisplayItem):
        return out
    out["required"] = item.required
    if isinstance(item, SingleChoiceItem | MultiChoiceItem):
        resolved = item.options if item.options is not None else options.get(item.option_set or "")
        out["options"] = [_option(o) for o in resolved or []]
    if isinstance(item, MultiChoiceItem):
        out["min_selected"] = item.min_selected
        out["max_selected"] = item.max_selected
    if isinstance(item, IntegerItem | DecimalItem | DateItem):
        out["minimum"] = item.minimum
        out["maximum"] = item.maximum
    if isinstance(item, StringItem):
        out["pattern"] = item.pattern
    if isinstance(item, StringItem | TextItem):
        out["max_length"] = item.max_length
    return out


def _then(then: Then) -> dict[str, Any]:
    # Versions written before `defer` existed keep their logic hash: an empty one is left out.
    dumped: dict[str, Any] = then.model_dump(mode="json")
    if not dumped["defer"]:
        del dumped["defer"]
    return dumped


def _term(term: ScoreTerm, named: Mapping[str, Any]) -> dict[str, Any]:
    # An itemised term's id and section shape the breakdown; versions without them keep their hash.
    out: dict[str, Any] = {"when": expand(term.when, named), "points": term.points}
    if term.id is not None:
        out["id"] = term.id
    if term.section is not None:
        out["section"] = term.section
    return out


def logic_projection(q: Questionnaire) -> dict[str, Any]:
    """The part of a questionnaire that can change a result, as plain JSON."""
    scoring = q.scoring
    named = q.conditions
    return {
        "sections": [{"id": s.id, "enable_when": expand(s.enable_when, named)} for s in q.sections],
        "items": [item_logic(i, s.id, q.option_sets, named) for s in q.sections for i in s.items],
        "tiers": [t.id for t in scoring.tiers],
        "default_tier": scoring.default_tier,
        "scores": [
            {
                "id": s.id,
                "terms": [_term(t, named) for t in s.terms],
                "bands": [{"id": b.id, "max": b.max} for b in s.bands],
            }
            for s in scoring.scores
        ],
        "rules": [
            {"id": r.id, "when": expand(r.when, named), "then": _then(r.then)}
            for r in scoring.rules
        ],
        "reassessment_months": q.reassessment_months,
        # Versions written before derived facts existed keep their hash: empty is left out.
        **(
            {
                "derived": [
                    {"id": f.id, "from": f.from_, "test": f.test, "days": f.days} for f in q.derived
                ]
            }
            if q.derived
            else {}
        ),
    }


def content_hash(raw: Any) -> str:
    """The hash of the file's JSON exactly as written (canonicalised)."""
    return canonical_hash(raw)


def logic_hash(q: Questionnaire) -> str:
    """The hash of `logic_projection`."""
    return canonical_hash(logic_projection(q))


def _option(option: Any) -> dict[str, Any]:
    # `unknown` only when set, so versions written before it existed keep their logic hash.
    out: dict[str, Any] = {"code": option.code, "exclusive": option.exclusive}
    if option.unknown:
        out["unknown"] = True
    return out
