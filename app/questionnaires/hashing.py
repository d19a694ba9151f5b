"""Content and logic hashes of a questionnaire version (SHA-256 over RFC 8785 canonical JSON).

The content hash covers the whole file. The logic hash covers only what can change a result:
ids, types, option codes, required, bounds, visibility and scoring; never texts, labels, help
or refs. Options are hashed after resolving option sets, so moving options into a shared set
is not a logic change.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from app.questionnaires.models import (
    DateItem,
    DecimalItem,
    DisplayItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    Option,
    Questionnaire,
    SingleChoiceItem,
    StringItem,
    TextItem,
)


def canonical_hash(value: Any) -> str:
    """Lower-case hex SHA-256 of the RFC 8785 canonical form of a JSON value."""
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()


def item_logic(item: Item, section: str, options: dict[str, list[Option]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "section": section,
        "enable_when": item.enable_when,
    }
    if isinstance(item, DisplayItem):
        return out
    out["required"] = item.required
    if isinstance(item, SingleChoiceItem | MultiChoiceItem):
        resolved = item.options if item.options is not None else options.get(item.option_set or "")
        out["options"] = [{"code": o.code, "exclusive": o.exclusive} for o in resolved or []]
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


def logic_projection(q: Questionnaire) -> dict[str, Any]:
    """The part of a questionnaire that can change a result, as plain JSON."""
    scoring = q.scoring
    return {
        "sections": [{"id": s.id, "enable_when": s.enable_when} for s in q.sections],
        "items": [item_logic(i, s.id, q.option_sets) for s in q.sections for i in s.items],
        "tiers": [t.id for t in scoring.tiers],
        "default_tier": scoring.default_tier,
        "scores": [
            {
                "id": s.id,
                "terms": [{"when": t.when, "points": t.points} for t in s.terms],
                "bands": [{"id": b.id, "max": b.max} for b in s.bands],
            }
            for s in scoring.scores
        ],
        "rules": [
            {"id": r.id, "when": r.when, "then": r.then.model_dump(mode="json")}
            for r in scoring.rules
        ],
        "reassessment_months": q.reassessment_months,
    }


def content_hash(raw: Any) -> str:
    """The hash of the file's JSON exactly as written (canonicalised)."""
    return canonical_hash(raw)


def logic_hash(q: Questionnaire) -> str:
    """The hash of `logic_projection`."""
    return canonical_hash(logic_projection(q))
