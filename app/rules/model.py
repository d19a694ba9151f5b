"""The engine's own input vocabulary: plain specs of a questionnaire's logic.

`app.questionnaires` translates its typed file models into these, so this package never
imports the rest of the app. Conditions stay raw JSON here and are compiled by `program`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal, get_args

Json = Any
ItemType = Literal[
    "boolean",
    "single_choice",
    "multi_choice",
    "integer",
    "decimal",
    "string",
    "text",
    "date",
    "display",
]
ITEM_TYPES: Final[tuple[str, ...]] = get_args(ItemType)


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One item: its id, type, option codes, section and visibility condition."""

    id: str
    type: str
    section: str
    pointer: str
    options: tuple[str, ...] = ()
    exclusive: frozenset[str] = frozenset()
    # Option codes that answer "not known": the item is complete but reads as unknown.
    unknown: frozenset[str] = frozenset()
    required: bool = False
    enable_when: Json | None = None


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section; its condition disables every item in it."""

    id: str
    pointer: str
    enable_when: Json | None = None


@dataclass(frozen=True, slots=True)
class ScoreTermSpec:
    """Points added to a score when the condition is true; `id` itemises it in the breakdown."""

    when: Json
    points: float
    pointer: str
    id: str | None = None
    section: str | None = None
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BandSpec:
    """A score band: values up to and including `max`; the last band has no max."""

    id: str
    max: float | None
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoreSpec:
    """A weighted score and its bands."""

    id: str
    pointer: str
    terms: tuple[ScoreTermSpec, ...]
    bands: tuple[BandSpec, ...] = ()
    label: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A scoring rule: condition and consequences, with its explanation."""

    id: str
    pointer: str
    when: Json
    tier: str | None = None
    obligations: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # (obligation ids, date): when the rule fires they apply from that date at the earliest.
    deferrals: tuple[tuple[tuple[str, ...], date], ...] = ()
    rationale: Mapping[str, str] = field(default_factory=dict)
    caveat: Mapping[str, str] | None = None
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    """What the engine needs to know of an obligation: its application date per calendar.

    A calendar mapped to None does not apply the obligation at all (for example a duty that
    only an amendment introduces).
    """

    id: str
    applies_from: Mapping[str, date | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Citation:
    """How a result cites an obligation or control: its provision and its short title.

    `party` holds it (`organisation`: whoever runs the assessment; `supplier`: the third party
    a supplier questionnaire is about), in `roles` (the EU AI Act roles an obligation binds;
    empty for management-system controls); `level` is must, should or could.
    """

    ref: str
    title: Mapping[str, str]
    party: str | None = None
    roles: tuple[str, ...] = ()
    level: str | None = None


@dataclass(frozen=True, slots=True)
class DerivedSpec:
    """A boolean fact derived at evaluation: is the date answer of `source` before as-of + days?

    Its item (type boolean, enabled while `source` is answered) is among the spec's items, so
    conditions read it like any other; `evaluate` supplies its value.
    """

    id: str
    source: str
    days: int = 0


@dataclass(frozen=True, slots=True)
class QuestionnaireSpec:
    """Everything of one questionnaire version that can change a result, plus its identity.

    `conditions` are the named conditions (name -> raw condition) that any condition may use
    as ``{"condition": "<name>"}``.
    """

    key: str
    version: str
    content_hash: str
    logic_hash: str
    sections: tuple[SectionSpec, ...]
    items: tuple[ItemSpec, ...]
    tiers: tuple[str, ...]
    default_tier: str
    rules: tuple[RuleSpec, ...]
    scores: tuple[ScoreSpec, ...] = ()
    obligations: Mapping[str, ObligationSpec] = field(default_factory=dict)
    citations: Mapping[str, Citation] = field(default_factory=dict)
    calendars: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, Json] = field(default_factory=dict)
    derived: tuple[DerivedSpec, ...] = ()
    tiers_pointer: str = "/scoring/tiers"
    default_tier_pointer: str = "/scoring/default_tier"
    conditions_pointer: str = "/conditions"
