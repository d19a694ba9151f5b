"""API input and output of assessments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.assessments.models import Assessment, AssessmentStatus, Decision, SubjectKind
from app.isodate import TextDate
from app.questionnaires.schemas import EvaluationResult

Answers = dict[str, Any]


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: uuid.UUID = Field(description="The AI system assessed.")
    questionnaire_key: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    questionnaire_version: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="A published version; the latest published one when left out."
    )
    answers: Answers = Field(default_factory=dict, description="Initial answers, item id → value.")


class AnswersPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: Answers = Field(
        description="Answers to set, item id → value; null removes an answer. Others are kept."
    )


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: TextDate | None = Field(
        default=None, description="The date obligations are judged at; today (UTC) by default."
    )


# What a reviewer writes, of an assessment or of a supplier's answers: a comment on the decision
# and comments on specific questions, by item id.
ReviewComment = Annotated[str, StringConstraints(max_length=4000)]
ItemComments = dict[str, Annotated[str, StringConstraints(min_length=1, max_length=2000)]]


class AssessmentReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    comment: ReviewComment | None = Field(
        default=None, description="Required to reject or to request changes."
    )
    item_comments: ItemComments = Field(
        default_factory=dict, description="Comments on specific questions, by item id."
    )


class QuestionnairePin(BaseModel):
    key: str
    version: str
    content_hash: str

    @classmethod
    def of(cls, assessment: Assessment) -> QuestionnairePin:
        """The version an assessment is pinned to."""
        return cls(
            key=assessment.questionnaire_key,
            version=assessment.questionnaire_version,
            content_hash=assessment.content_hash,
        )


class Progress(BaseModel):
    visible: int = Field(description="Questions shown with the current answers.")
    answered: int = Field(description="Visible questions answered.")
    required: int = Field(description="Visible required questions.")
    required_answered: int
    missing_required: list[str] = Field(description="Visible required questions unanswered.")
    ignored_answers: list[str] = Field(description="Answers kept but hidden by other answers.")
    complete: bool = Field(description="Every visible required question is answered.")


class PrefillSource(BaseModel):
    """Where a carried-over answer came from (prefill declared by the questionnaire version)."""

    value: Any = Field(description="The value carried over.")
    assessment_id: uuid.UUID = Field(description="The approved source assessment.")
    round: int = Field(description="Its approved round.")
    questionnaire: str = Field(description="The source's key@version.")
    source: str = Field(description="`answer:<item id>` of the source, or `result` (tier/flags).")
    changed: bool = Field(description="The person has changed the answer since (it is theirs).")


class AssessmentPublic(BaseModel):
    id: uuid.UUID
    subject: SubjectKind = Field(
        description="What is assessed: an AI system, a supplier or the organisation itself."
    )
    system_id: uuid.UUID | None = Field(
        description="The AI system assessed (null for a supplier or the organisation)."
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, description="The supplier whose answers these are (procurement)."
    )
    incident_id: uuid.UUID | None = Field(
        default=None,
        description="The incident this triage is answered on (its system is the incident's); "
        "never the system's current assessment.",
    )
    questionnaire: QuestionnairePin
    status: AssessmentStatus
    round: int = Field(description="1 for the first submission; +1 each time changes are requested")
    revision: int = Field(description="Bumped by every write; the ETag is built from it.")
    answers: Answers
    prefilled: dict[str, PrefillSource] = Field(
        default_factory=dict,
        description="Answers carried over from other approved assessments, by item id.",
    )
    progress: Progress
    tier: str | None = Field(description="Tier of the latest submitted round.")
    is_current: bool = Field(
        description="The latest approved assessment of its system and questionnaire."
    )
    due_at: datetime | None = Field(description="When reassessment is due (set on approval).")
    overdue: bool
    review_comments: dict[str, str] = Field(
        description="The reviewer's comments on questions when changes were requested."
    )
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class AssessmentSummary(BaseModel):
    id: uuid.UUID
    subject: SubjectKind
    system_id: uuid.UUID | None
    system_name: str | None = Field(default=None, description="The assessed AI system's name.")
    supplier_id: uuid.UUID | None = None
    supplier_name: str | None = Field(
        default=None, description="The supplier's name (a supplier's questionnaire)."
    )
    incident_id: uuid.UUID | None = Field(
        default=None, description="The incident this triage is answered on (not the system's own)."
    )
    questionnaire: QuestionnairePin
    status: AssessmentStatus
    round: int
    tier: str | None
    is_current: bool
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    updated_at: datetime


class RoundPublic(BaseModel):
    round: int
    answers: Answers
    result: EvaluationResult
    tier: str
    submitted_at: datetime
    submitted_by: str
    decision: Decision | None
    comment: str | None
    item_comments: dict[str, str]
    decided_at: datetime | None
    decided_by: str | None


class Preview(BaseModel):
    """The engine's evaluation of the draft as it stands; nothing is stored."""

    progress: Progress
    result: EvaluationResult


class StandingEntry(BaseModel):
    """The current approved assessment of one questionnaire for a system."""

    assessment_id: uuid.UUID
    questionnaire: QuestionnairePin
    tier: str
    approved_at: datetime | None
    due_at: datetime | None
    overdue: bool
    obligations: list[dict[str, Any]]
    controls: list[dict[str, Any]]
    flags: list[dict[str, Any]]


class OverdueSystem(BaseModel):
    system_id: uuid.UUID
    system_name: str
    overdue: list[AssessmentSummary]


class MigrateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_version: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="A newer published version; the latest one when left out."
    )
    dry_run: bool = Field(default=True, description="Only report what would change.")


class MigrationReport(BaseModel):
    source: str = Field(description="key@version the answers come from")
    target: str = Field(description="key@version they move to")
    dry_run: bool
    carried: list[str] = Field(description="Answers kept (under their new ids).")
    renamed: list[dict[str, str]]
    recoded: list[dict[str, Any]]
    dropped: list[dict[str, str]] = Field(description="Answers left behind, with the reason.")
    to_answer: list[str] = Field(description="Required questions to answer (again).")
    assessment: AssessmentPublic | None = Field(description="The moved draft (not on a dry run).")
