"""API input and output of the portfolio: plans, the work queue, merged standing, control
implementation records and the Statement of Applicability."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.assessments.schemas import StandingEntry
from app.incidents.schemas import IncidentCounts
from app.isodate import TextDate
from app.partial import PartialUpdate
from app.portfolio.models import Applicability, ImplementationStatus
from app.portfolio.plan import PlanState, Urgency


class PlanEntryPublic(BaseModel):
    """One questionnaire the AI system needs and where it stands."""

    questionnaire_key: str
    title: str = Field(description="The questionnaire's title (English).")
    reasons: list[str] = Field(description="Why the plan requires it (from the plan declaration).")
    state: PlanState = Field(
        description="missing (never started), in_progress (a draft or submission is open), "
        "current (an approved assessment stands)."
    )
    urgency: Urgency = Field(description="overdue, due_soon or on_time, from `due_at`.")
    due_at: datetime | None = Field(
        description="Not yet approved: registration (or the approval that made it required) plus "
        "the grace period; approved: the reassessment date (null when none is set)."
    )
    current_assessment_id: uuid.UUID | None
    open_assessment_id: uuid.UUID | None = Field(description="The oldest open draft/submission.")
    tier: str | None = Field(description="The current approved assessment's tier.")
    supplier_id: uuid.UUID | None = Field(
        description="For a vendor questionnaire: the supplier it is about (else null)."
    )
    supplier_name: str | None


class PlanSummary(BaseModel):
    complete: bool = Field(description="Every required questionnaire has a current approval.")
    overdue: bool = Field(description="At least one required questionnaire is overdue.")
    required: int
    current: int


class SystemPlan(BaseModel):
    """The AI system's assessment plan."""

    system_id: uuid.UUID
    system_name: str
    entries: list[PlanEntryPublic]
    summary: PlanSummary
    next_due_at: datetime | None


class WorkItem(PlanEntryPublic):
    """A plan entry that needs work, with its system."""

    system_id: uuid.UUID
    system_name: str
    system_owner: str


class RequiredBy(BaseModel):
    """An approved assessment that raised an obligation or requires a control."""

    assessment_id: uuid.UUID
    questionnaire: str = Field(description="key@version")
    tier: str
    rules: list[str] = Field(description="The fired rules behind it.")


class MergedObligation(BaseModel):
    id: str
    ref: str | None
    title: dict[str, str] | None
    roles: list[str] = Field(description="The roles the obligation binds (control catalog).")
    applies_from: dict[str, date | None] = Field(description="Per calendar (the chosen one only).")
    applies: dict[str, bool] = Field(description="Per calendar, as of `as_of`.")
    raised_by: list[RequiredBy]


class MergedControl(BaseModel):
    id: str
    ref: str | None
    title: dict[str, str] | None
    required_by: list[RequiredBy]
    implementation_status: ImplementationStatus | None = Field(
        description="From the organisation's implementation record (null: no record)."
    )
    applicability: Applicability | None


class LinkedSupplier(BaseModel):
    supplier_id: uuid.UUID
    supplier_name: str
    product_name: str
    tier: str | None = Field(description="The supplier's current approved vendor-assessment tier.")
    assessment_id: uuid.UUID | None


class SystemStanding(BaseModel):
    """Where an AI system stands: one merged view of every current approved assessment."""

    system_id: uuid.UUID
    system_name: str
    owner: str
    overall_tier: str | None = Field(
        description="The tier of the questionnaire every system's plan requires (the EU AI Act "
        "classification); null until it is approved."
    )
    overall_tier_source: str | None = Field(description="key@version the overall tier comes from.")
    as_of: date = Field(description="The date obligations are judged at.")
    calendar: str | None = Field(description="The calendar dates are given in (null: all).")
    obligations: list[MergedObligation] = Field(description="Each obligation once, by id.")
    controls: list[MergedControl] = Field(description="Each required control once, by id.")
    suppliers: list[LinkedSupplier]
    plan: list[PlanEntryPublic]
    plan_summary: PlanSummary
    assessments: list[StandingEntry]
    next_due_at: datetime | None = Field(
        description="The earliest due date of the plan and of the current assessments."
    )
    overdue: bool = Field(
        description="A required assessment is overdue, or a current one is past its due date."
    )
    incidents: IncidentCounts = Field(description="The system's incidents (see Incidents).")


Justification = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class EvidenceLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    title: Annotated[str, StringConstraints(max_length=200)] | None = None


class ControlRecordWrite(PartialUpdate):
    """Change a control's record; fields left out keep their value."""

    nullable = frozenset({"justification", "owner_user_id", "target_date"})

    applicability: Applicability | SkipJsonSchema[None] = None
    justification: Justification | None = Field(
        default=None, description="Required to exclude a control; explains a person's decision."
    )
    status: ImplementationStatus | SkipJsonSchema[None] = None
    owner_user_id: uuid.UUID | None = Field(
        default=None, description="A person of this organisation who owns the control."
    )
    target_date: TextDate | None = None
    links: Annotated[list[EvidenceLink], Field(max_length=50)] | SkipJsonSchema[None] = None
    reviewed: bool = Field(
        default=False, description="Record a review now, by the caller (a person)."
    )


class ControlRecordCreate(ControlRecordWrite):
    """The first record of a control; applicability defaults to `derived`, status to
    `not_started`."""

    control_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="A control catalog id, e.g. `iso-42001:A.5.4`."
    )


class ControlEvidencePublic(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class ControlRecordPublic(BaseModel):
    control_id: str
    ref: str
    title: str
    applicability: Applicability
    justification: str | None
    status: ImplementationStatus
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    target_date: date | None
    overdue: bool = Field(description="Not implemented and past its target date.")
    links: list[dict[str, Any]]
    evidence: list[ControlEvidencePublic]
    last_reviewed_at: datetime | None
    reviewed_by_user_id: uuid.UUID | None
    reviewed_by_name: str | None
    revision: int
    created_at: datetime
    updated_at: datetime
