"""Typed models of the questionnaire file format (see questionnaires/README.md).

The JSON Schema committed in questionnaires/schema/ is generated from these models
(`python -m app.questionnaires.schema`). Shape lives here; cross references (ids, option codes,
tiers, controls, conditions) are checked by the catalog's semantic pass.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeInt,
    PositiveInt,
    WithJsonSchema,
    model_validator,
)

from app.controls.models import LocalizedText

ITEM_ID_PATTERN: Final = r"^[a-z][a-z0-9_]{1,63}$"
KEY_PATTERN: Final = r"^[a-z][a-z0-9-]{1,63}$"
CODE_PATTERN: Final = r"^[a-z0-9][a-z0-9_]{0,63}$"
SEMVER_PATTERN: Final = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
DATE_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"


def _real_date(value: str) -> str:
    date.fromisoformat(value)
    return value


def _valid_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


Slug = Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
SemVer = Annotated[str, Field(pattern=SEMVER_PATTERN)]
DateText = Annotated[
    str, Field(pattern=DATE_PATTERN, description="YYYY-MM-DD"), AfterValidator(_real_date)
]
Ref = Annotated[str, Field(min_length=1, max_length=200)]
# The schema generator swaps {"x-ref": name} for a reference to a shared definition.
ConditionJson = Annotated[bool | dict[str, Any], WithJsonSchema({"x-ref": "Condition"})]
Status = Literal["draft", "published", "retired"]


def semver(version: str) -> tuple[int, int, int]:
    """A SemVer string as a sortable tuple."""
    major, minor, patch = (int(p) for p in version.split("."))
    return (major, minor, patch)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Strict):
    """An answer option: a stable code apart from its label."""

    code: Code
    label: LocalizedText
    help: LocalizedText | None = None
    exclusive: bool = Field(
        default=False, description="In a multi choice: may not be selected with any other."
    )
    unknown: bool = Field(
        default=False,
        description=(
            "In a single choice: the answer 'I do not know'. It completes the item, but "
            "conditions read it as unknown, so what depends on it stays undetermined."
        ),
    )


class _ItemBase(_Strict):
    id: Slug
    text: LocalizedText
    help: LocalizedText | None = None
    required: bool = Field(default=False, description="Required when enabled.")
    enable_when: ConditionJson | None = None
    refs: list[Ref] = Field(default_factory=list)


class BooleanItem(_ItemBase):
    """Yes / no."""

    type: Literal["boolean"]


class _ChoiceItem(_ItemBase):
    options: list[Option] | None = Field(default=None, min_length=1)
    option_set: Slug | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _ChoiceItem:
        if (self.options is None) == (self.option_set is None):
            raise ValueError("give exactly one of 'options' and 'option_set'")
        return self


class SingleChoiceItem(_ChoiceItem):
    """One option code."""

    type: Literal["single_choice"]


class MultiChoiceItem(_ChoiceItem):
    """A list of distinct option codes."""

    type: Literal["multi_choice"]
    min_selected: NonNegativeInt | None = None
    max_selected: PositiveInt | None = None

    @model_validator(mode="after")
    def _bounds(self) -> MultiChoiceItem:
        if (
            self.min_selected is not None
            and self.max_selected is not None
            and self.min_selected > self.max_selected
        ):
            raise ValueError("min_selected exceeds max_selected")
        return self


class IntegerItem(_ItemBase):
    """A whole number."""

    type: Literal["integer"]
    minimum: int | None = None
    maximum: int | None = None
    unit: LocalizedText | None = None

    @model_validator(mode="after")
    def _bounds(self) -> IntegerItem:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum exceeds maximum")
        return self


class DecimalItem(_ItemBase):
    """A number."""

    type: Literal["decimal"]
    minimum: float | None = None
    maximum: float | None = None
    unit: LocalizedText | None = None

    @model_validator(mode="after")
    def _bounds(self) -> DecimalItem:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum exceeds maximum")
        return self


class StringItem(_ItemBase):
    """One line of text."""

    type: Literal["string"]
    max_length: PositiveInt = 200
    pattern: Annotated[str, AfterValidator(_valid_regex)] | None = None


class TextItem(_ItemBase):
    """Multi-line text."""

    type: Literal["text"]
    max_length: PositiveInt = 10000


class DateItem(_ItemBase):
    """A calendar date, YYYY-MM-DD."""

    type: Literal["date"]
    minimum: DateText | None = None
    maximum: DateText | None = None

    @model_validator(mode="after")
    def _bounds(self) -> DateItem:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is after maximum")
        return self


class DisplayItem(_Strict):
    """A heading or explanation; never answered."""

    type: Literal["display"]
    id: Slug
    text: LocalizedText
    help: LocalizedText | None = None
    enable_when: ConditionJson | None = None
    refs: list[Ref] = Field(default_factory=list)


AnswerableItem = (
    BooleanItem
    | SingleChoiceItem
    | MultiChoiceItem
    | IntegerItem
    | DecimalItem
    | StringItem
    | TextItem
    | DateItem
)
Item = Annotated[AnswerableItem | DisplayItem, Field(discriminator="type")]
ChoiceItem = SingleChoiceItem | MultiChoiceItem


class Section(_Strict):
    """A titled group of items; its condition disables every item in it."""

    id: Slug
    title: LocalizedText
    description: LocalizedText | None = None
    enable_when: ConditionJson | None = None
    items: list[Item] = Field(min_length=1)


class Tier(_Strict):
    """A risk tier; tiers are ordered from lowest to highest."""

    id: Slug
    label: LocalizedText
    description: LocalizedText | None = None


class Band(_Strict):
    """Score values up to and including `max`; the last band is open-ended."""

    id: Slug
    max: float | None = None
    label: LocalizedText


class ScoreTerm(_Strict):
    """Points added when the condition is true.

    With an `id` the term is itemised in the result's breakdown of its score (under its
    `section`, when given), so a reader sees what every answer contributed.
    """

    id: Slug | None = None
    section: Slug | None = None
    label: LocalizedText | None = None
    when: ConditionJson
    points: float


class Score(_Strict):
    """A weighted score with bands."""

    id: Slug
    label: LocalizedText
    description: LocalizedText | None = None
    terms: list[ScoreTerm] = Field(min_length=1)
    bands: list[Band] = Field(default_factory=list)


class Deferral(_Strict):
    """Obligations that bind this case later than their general date (a transitional rule)."""

    obligations: list[str] = Field(min_length=1)
    until: date = Field(description="They apply from this date at the earliest, in every calendar.")


class Then(_Strict):
    """What a fired rule contributes."""

    tier: Slug | None = None
    obligations: list[str] = Field(default_factory=list)
    controls: list[str] = Field(default_factory=list)
    flags: list[Slug] = Field(default_factory=list)
    defer: list[Deferral] = Field(
        default_factory=list,
        description="Obligations required by other rules that apply later when this rule fires.",
    )


class Rule(_Strict):
    """A scoring rule with its reason and the provisions it rests on."""

    id: Slug
    when: ConditionJson
    then: Then
    rationale: LocalizedText
    caveat: LocalizedText | None = None
    refs: list[Ref] = Field(min_length=1)


class Scoring(_Strict):
    """Tiers, weighted scores and rules."""

    tiers: list[Tier] = Field(min_length=1)
    default_tier: Slug
    scores: list[Score] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)


class Migration(_Strict):
    """How answers of an earlier version move to this one (checked against both versions)."""

    from_: SemVer = Field(
        alias="from", description="The earlier version of the same key these steps start from."
    )
    renamed: dict[Slug, Slug] = Field(
        default_factory=dict, description="Old item id -> the id of the same question now."
    )
    recoded: dict[Slug, dict[Code, Code]] = Field(
        default_factory=dict,
        description="Item id (in this version) -> {old option code: new option code}.",
    )
    dropped: list[Slug] = Field(
        default_factory=list, description="Old item ids whose answers are discarded."
    )


class PlanTrigger(_Strict):
    """One reason an AI system needs this questionnaire (exactly one form per entry).

    `every_system`: every active system; `linked_supplier`: each supplier of a product the system
    is built on (the questionnaire is then about the supplier); `questionnaire` with `tier_in`
    or `flag`: the current approved result of that questionnaire (named by key, so that any
    version counts) has one of the tiers or raised the flag.
    """

    every_system: Literal[True] | None = None
    linked_supplier: Literal[True] | None = None
    questionnaire: Key | None = None
    tier_in: list[Slug] | None = Field(default=None, min_length=1)
    flag: Slug | None = None

    @model_validator(mode="after")
    def _one_form(self) -> PlanTrigger:
        forms = [
            self.every_system is not None,
            self.linked_supplier is not None,
            self.questionnaire is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of every_system, linked_supplier, questionnaire")
        if self.questionnaire is not None and (self.tier_in is None) == (self.flag is None):
            raise ValueError("a questionnaire trigger gives exactly one of tier_in or flag")
        if self.questionnaire is None and (self.tier_in is not None or self.flag is not None):
            raise ValueError("tier_in and flag go with questionnaire")
        return self


class Plan(_Strict):
    """When an AI system's assessment plan includes this questionnaire (any trigger suffices)."""

    required_when: list[PlanTrigger] = Field(min_length=1)


class PrefillCase(_Strict):
    """A value for the item when the source result has one of the tiers or raised the flag."""

    tier_in: list[Slug] | None = Field(default=None, min_length=1)
    flag: Slug | None = None
    value: JsonValue

    @model_validator(mode="after")
    def _one_test(self) -> PrefillCase:
        if (self.tier_in is None) == (self.flag is None):
            raise ValueError("give exactly one of tier_in or flag")
        return self


class Prefill(_Strict):
    """Carry-over: the item starts with a value from the same AI system's current approved
    assessment of another questionnaire (named by key): one of its answers, or from its result.
    """

    item: Slug = Field(description="The item of this version that is prefilled.")
    questionnaire: Key = Field(description="The source questionnaire's key.")
    answer: Slug | None = Field(default=None, description="Copy this answer of the source.")
    recode: dict[Code, Code | None] = Field(
        default_factory=dict,
        description="Source option code -> option code of the item; null: not carried over.",
    )
    cases: list[PrefillCase] | None = Field(
        default=None,
        min_length=1,
        description="From the source result: the first case that holds gives the value.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Prefill:
        if (self.answer is None) == (self.cases is None):
            raise ValueError("give exactly one of answer or cases")
        if self.recode and self.answer is None:
            raise ValueError("recode goes with answer")
        return self


class DerivedFact(_Strict):
    """A yes/no fact the engine derives from a date answer and the result's as-of date.

    `before_as_of`: true when the date is before as-of + `days` (so `days: 0` reads "has
    expired", `days: 90` "expires within 90 days"). It is unanswered while the date is, and
    conditions read it like a boolean item (`{"==": [{"var": "<id>"}, true]}`); nobody answers it.
    """

    id: Slug
    from_: Slug = Field(alias="from", description="The date item the fact is derived from.")
    test: Literal["before_as_of"] = "before_as_of"
    days: int = Field(default=0, ge=-3660, le=3660)
    text: LocalizedText
    refs: list[Ref] = Field(default_factory=list)


class Questionnaire(_Strict):
    """One questionnaire version: `questionnaires/<key>/<version>.json`."""

    schema_: str | None = Field(default=None, alias="$schema")
    key: Key
    version: SemVer
    status: Status
    title: LocalizedText
    description: LocalizedText | None = None
    refs: list[Ref] = Field(default_factory=list)
    option_sets: dict[Slug, list[Option]] = Field(default_factory=dict)
    conditions: dict[Slug, ConditionJson] = Field(
        default_factory=dict,
        description=(
            'Named conditions, used from any condition as {"condition": "<name>"}; '
            "evaluated once per evaluation."
        ),
    )
    sections: list[Section] = Field(min_length=1)
    scoring: Scoring
    reassessment_months: dict[Slug, PositiveInt] | None = None
    migrations: list[Migration] | None = Field(
        default=None, description="How answers of earlier versions move to this one."
    )
    plan: Plan | None = Field(
        default=None, description="When an AI system's assessment plan needs this questionnaire."
    )
    prefill: list[Prefill] | None = Field(
        default=None, description="Items that start from another questionnaire's approved answers."
    )
    derived: list[DerivedFact] = Field(
        default_factory=list,
        description="Facts the engine derives from date answers and the as-of date.",
    )
    subject: Literal["ai_system", "organization"] = Field(
        default="ai_system",
        description="What an assessment of this questionnaire is about: one AI system (or, "
        "sent through a vendor request, a supplier), or the organisation itself.",
    )


class Expect(_Strict):
    """What a golden scenario must produce; optional lists are compared exactly when given."""

    tier: Slug
    fired: list[Slug]
    controls: list[str] | None = None
    obligations: list[str] | None = None
    flags: list[Slug] | None = None
    undetermined: list[Slug] | None = None
    final: bool | None = None


class Scenario(_Strict):
    """Answers and the result they must give."""

    id: Slug
    description: str = Field(min_length=1)
    as_of: DateText | None = None
    answers: dict[str, Any]
    expect: Expect


class ScenarioFile(_Strict):
    """`questionnaires/<key>/<version>.scenarios.json`."""

    schema_: str | None = Field(default=None, alias="$schema")
    scenarios: list[Scenario] = Field(min_length=1)
