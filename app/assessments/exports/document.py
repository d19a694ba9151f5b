"""The JSON export of one assessment with every round: the document's shape, re-importable into
another organisation or instance, and its making."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PositiveInt, StringConstraints
from sqlmodel import Session

from app.assessments import service
from app.assessments.exports.common import system_of
from app.assessments.models import AssessmentStatus, Decision
from app.assessments.schemas import QuestionnairePin
from app.auth import Caller
from app.db import utcnow
from app.questionnaires.catalog import Catalog
from app.questionnaires.schemas import EvaluationResult
from app.rules import ENGINE_VERSION
from app.systems.models import AISystem, SystemStatus
from app.systems.schemas import AISystemBase
from app.views import view

EXPORT_FORMAT: Final = "ai-assessment-export"
EXPORT_FORMAT_VERSION: Final = 1
MAX_ROUNDS: Final = 500

Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ExportedQuestionnaire(BaseModel):
    """The exact questionnaire version the assessment is pinned to."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    content_hash: Hash
    logic_hash: Hash


class ExportedSystem(AISystemBase):
    """The AI system as it was when exported; an import can create a system from it."""

    id: uuid.UUID | None = Field(default=None, description="Its id in the exporting instance.")
    status: SystemStatus = SystemStatus.ACTIVE


class ExportedRound(BaseModel):
    """One submitted round: frozen answers, the result as recorded, and the decision on it."""

    model_config = ConfigDict(extra="forbid")

    round: PositiveInt
    answers: dict[str, Any]
    result: EvaluationResult
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    engine_version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    submitted_at: AwareDatetime
    submitted_by: Name200
    decision: Decision | None = None
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    item_comments: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = (
        Field(default_factory=dict)
    )
    decided_at: AwareDatetime | None = None
    decided_by: Name200 | None = None


class AssessmentExport(BaseModel):
    """A complete, re-importable export of one assessment with every round."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["ai-assessment-export"] = EXPORT_FORMAT
    format_version: Literal[1] = Field(
        default=EXPORT_FORMAT_VERSION, description="Bumped when the layout changes."
    )
    exported_at: AwareDatetime
    engine_version: str = Field(max_length=32, description="The exporting engine's version.")
    assessment_id: uuid.UUID = Field(description="The assessment's id in the exporting instance.")
    system: ExportedSystem | None = Field(
        description="The AI system assessed; null for a supplier's answers (procurement) and for "
        "an organisation-level questionnaire."
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, description="The supplier, in the exporting instance, for its answers."
    )
    questionnaire: ExportedQuestionnaire
    status: AssessmentStatus
    round: PositiveInt = Field(description="The round in progress or last submitted.")
    tier: Annotated[str, StringConstraints(max_length=64)] | None = None
    answers: dict[str, Any] = Field(description="The current answers (the draft's, or frozen).")
    is_current: bool = Field(
        default=False, description="Informational: recomputed by the importing instance."
    )
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    decided_at: AwareDatetime | None = None
    rounds: list[ExportedRound] = Field(default_factory=list, max_length=MAX_ROUNDS)


class AssessmentImport(BaseModel):
    """What an import asks for, the export and the target system: its idempotency fingerprint."""

    model_config = ConfigDict(extra="forbid")

    export: AssessmentExport
    system_id: uuid.UUID | None = None


class Reproduction(BaseModel):
    """The last submitted round re-scored by this instance's engine."""

    round: int
    as_of: date
    recorded_tier: str
    recomputed_tier: str
    recorded_engine_version: str
    engine_version: str


class ImportedAssessment(BaseModel):
    """What an import created."""

    assessment_id: uuid.UUID
    system_id: uuid.UUID | None = Field(
        description="The AI system it was imported into; null for an organisation assessment."
    )
    system_created: bool = Field(description="A new AI system was created from the snapshot.")
    questionnaire: QuestionnairePin
    status: AssessmentStatus
    round: int
    rounds: int = Field(description="Submitted rounds imported as history.")
    tier: str | None
    is_current: bool
    reproduced: bool | None = Field(
        description="Re-scoring the last submitted round here gives the recorded tier; null "
        "when no round was submitted."
    )
    reproduction: Reproduction | None


def _snapshot(system: AISystem | None) -> ExportedSystem | None:
    if system is None:
        return None
    return ExportedSystem.model_validate(system, from_attributes=True)


# -- JSON export --------------------------------------------------------------------------------


def export_assessment(
    session: Session, catalog: Catalog, *, caller: Caller, assessment_id: uuid.UUID
) -> AssessmentExport:
    """The whole assessment with every round, pinned to its questionnaire version."""
    assessment = service.get_assessment(session, caller=caller, assessment_id=assessment_id)
    version = service.pinned_version(catalog, assessment)
    system = system_of(session, assessment)
    return view(
        AssessmentExport,
        assessment,
        exported_at=utcnow(),
        engine_version=ENGINE_VERSION,
        assessment_id=assessment.id,
        system=_snapshot(system),
        questionnaire=ExportedQuestionnaire.model_validate(version, from_attributes=True),
        answers=dict(assessment.answers),
        rounds=[
            view(
                ExportedRound,
                r,
                answers=dict(r.answers),
                result=EvaluationResult.model_validate(r.result),
                decision=Decision(r.decision) if r.decision else None,
                item_comments=dict(r.item_comments),
            )
            for r in service.rounds(session, assessment)
        ],
    )
