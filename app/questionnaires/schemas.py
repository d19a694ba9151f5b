"""API input and output of the questionnaire routes."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.isodate import TextDate


class VersionOut(BaseModel):
    """One version of a questionnaire."""

    version: str
    status: str
    content_hash: str


class QuestionnaireSummaryOut(BaseModel):
    """A questionnaire in the list."""

    key: str
    title: str
    latest_version: str | None = Field(description="Highest published version, if any.")
    subject: Literal["ai_system", "organization"] = Field(
        description="What its assessments are about: an AI system (or a supplier, through a "
        "vendor request) or the organisation itself."
    )
    versions: list[VersionOut]


class QuestionnaireListOut(BaseModel):
    """Every questionnaire the service serves: one page, the shape of every list."""

    items: list[QuestionnaireSummaryOut]
    next_cursor: str | None = Field(description="Always null: the whole catalog is one page.")


class QuestionnaireDocument(BaseModel):
    """A questionnaire version as in its file (see questionnaires/README.md), localised into
    `language`, plus its hashes."""

    model_config = ConfigDict(extra="allow")

    key: str
    version: str
    status: str
    language: str
    title: str
    content_hash: str
    logic_hash: str
    sections: list[dict[str, Any]]
    scoring: dict[str, Any]


class EvaluateRequest(BaseModel):
    """Answers to score; nothing is stored."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(description="Item id -> answer; null means unanswered.")
    as_of: TextDate | None = Field(
        default=None, description="Date obligations are judged at (default: today, UTC)."
    )


class QuestionnaireRef(BaseModel):
    """The exact questionnaire version a result was computed with."""

    key: str
    version: str
    content_hash: str
    logic_hash: str


class CalendarOut(BaseModel):
    """An application calendar of EU AI Act obligations."""

    id: str
    description: str


class CalendarAssumption(BaseModel):
    """The calendars obligation dates are reported under."""

    assumption: str
    calendars: list[CalendarOut]


class FiredRuleOut(BaseModel):
    """A rule that fired, with its explanation."""

    id: str
    tier: str | None
    rationale: dict[str, str]
    caveat: dict[str, str] | None
    refs: list[str]


class HolderOut(BaseModel):
    """Who holds an obligation or control."""

    party: Literal["organisation", "supplier"] = Field(
        description="organisation: whoever runs the assessment (for a supplier questionnaire, "
        "the buyer); supplier: the third party the questionnaire is about."
    )
    roles: list[str] = Field(
        description="The EU AI Act roles the obligation binds (provider, deployer, ...); "
        "empty for management-system controls."
    )


LEVEL_DESCRIPTION = (
    "must: a legal requirement; should: good practice; could: optional (the UK ICO AI and data "
    "protection risk toolkit's grades). Absent in results stored before it was reported."
)


class RequirementOut(BaseModel):
    """What a result requires (an obligation or a control): its citation, who holds it, how
    strongly it is required and the rules requiring it."""

    id: str
    ref: str | None = Field(default=None, description="The citation.")
    title: dict[str, str] | None = Field(default=None, description="Short title by language.")
    holder: HolderOut | None = Field(
        default=None, description="Who holds it (absent in results stored before it was reported)."
    )
    level: Literal["must", "should", "could"] | None = Field(
        default=None, description=LEVEL_DESCRIPTION
    )
    required_by: list[str]


class ObligationOut(RequirementOut):
    """An obligation, the rules requiring it and when it applies under each calendar."""

    ref: str | None = Field(default=None, description="The provision, e.g. 'EU AI Act Art. 26(2)'.")
    applies_from: dict[str, date | None]
    applies: dict[str, bool]
    deferred_by: list[str] | None = Field(
        default=None,
        description="Rules that put `applies_from` later for this case (transitional rules).",
    )


class ControlRequirementOut(RequirementOut):
    """A required control, its citation and the rules requiring it."""

    ref: str | None = Field(default=None, description="e.g. 'ISO/IEC 42001 A.9.2'.")


class FlagOut(BaseModel):
    """A flag and the rules raising it."""

    id: str
    raised_by: list[str]


class ScaleOut(BaseModel):
    """The lowest and highest value a score can take at all."""

    min: float
    max: float


class TermOut(BaseModel):
    """One itemised term of a score and what it contributes."""

    id: str
    section: str | None
    label: dict[str, str]
    points: float
    applies: Literal["true", "false", "unknown"]
    contribution: float = Field(description="`points` when the term applies, else 0.")


class SectionTotalOut(BaseModel):
    """A section's total (a range while some of its terms are unknown)."""

    id: str
    min: float
    max: float


class BreakdownOut(BaseModel):
    """What every term and section of an itemised score contributes."""

    scale: ScaleOut | None
    terms: list[TermOut]
    sections: list[SectionTotalOut]


class ScoreOut(BaseModel):
    """A weighted score; `value` is set once the score is final."""

    id: str
    value: float | None
    min: float
    max: float
    final: bool
    band: str | None
    breakdown: BreakdownOut | None = Field(
        default=None, description="Only for scores whose questionnaire itemises its terms."
    )


class UndeterminedOut(BaseModel):
    """A rule still unknown and the items it waits for."""

    id: str
    tier: str | None
    waits_for: list[str]


class FactOut(BaseModel):
    """An item a rule read."""

    item: str
    state: str = Field(description="answered | unanswered | disabled")
    value: Any = None


class ScoreReadOut(BaseModel):
    """A score a rule read, as its range."""

    id: str
    min: float
    max: float


class NamedConditionOut(BaseModel):
    """A named condition a rule used, and how it came out."""

    name: str
    outcome: str = Field(description="true | false | unknown")


class RuleTraceOut(BaseModel):
    """How one rule came out and what it read."""

    rule: str
    outcome: str = Field(description="true | false | unknown")
    facts: list[FactOut]
    scores: list[ScoreReadOut]
    conditions: list[NamedConditionOut] = Field(
        default_factory=list, description="Named conditions the rule used."
    )


class EvaluationResult(BaseModel):
    """The result of scoring answers: tier, obligations, controls, and why."""

    engine_version: str
    questionnaire: QuestionnaireRef
    as_of: date
    calendar: CalendarAssumption
    tier: str
    final: bool = Field(description="True when no undetermined rule could still raise the tier.")
    fired: list[FiredRuleOut]
    obligations: list[ObligationOut]
    controls: list[ControlRequirementOut]
    flags: list[FlagOut]
    scores: list[ScoreOut]
    undetermined: list[UndeterminedOut]
    ignored_answers: list[str]
    missing_required: list[str]
    trace: list[RuleTraceOut] | None


def evaluation_document(data: dict[str, Any]) -> dict[str, Any]:
    """`Result.to_dict()` in the shape `EvaluationResult` serialises to: the optional fields it
    leaves out (`deferred_by`, `breakdown`) present as null. Changes and returns `data`."""
    for obligation in data["obligations"]:
        obligation.setdefault("deferred_by", None)
    for score in data["scores"]:
        score.setdefault("breakdown", None)
    return data
