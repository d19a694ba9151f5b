"""Tables of assessments and of their submitted rounds."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, OrganizationRow, Revised, UTCDateTime, utcnow


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


class SubjectKind(StrEnum):
    """What an assessment is about; the row names it so the check below stays exact."""

    SYSTEM = "system"
    SUPPLIER = "supplier"
    ORGANIZATION = "organization"


# Each kind of subject with the reference columns it sets; a new kind adds one line here.
SUBJECT_CHECK = (
    "(subject = 'system' AND system_id IS NOT NULL AND supplier_id IS NULL)"
    " OR (subject = 'supplier' AND supplier_id IS NOT NULL AND system_id IS NULL)"
    " OR (subject = 'organization' AND system_id IS NULL AND supplier_id IS NULL)"
)


class Assessment(Revised, table=True):
    """One assessment of one AI system, one supplier or the organisation itself against one
    questionnaire version."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.Index("ix_assessments_org_created", "organization_id", "created_at", "id"),
        sa.Index("ix_assessments_org_system", "organization_id", "system_id", "created_at"),
        sa.Index("ix_assessments_org_status", "organization_id", "status", "created_at"),
        sa.Index("ix_assessments_org_key", "organization_id", "questionnaire_key", "created_at"),
        sa.Index("ix_assessments_org_tier", "organization_id", "tier", "created_at"),
        sa.Index("ix_assessments_org_current_due", "organization_id", "is_current", "due_at"),
        sa.Index("ix_assessments_org_supplier", "organization_id", "supplier_id", "created_at"),
        sa.Index("ix_assessments_org_incident", "organization_id", "incident_id", "created_at"),
        sa.Index("ix_assessments_org_subject", "organization_id", "subject", "created_at"),
        # An assessment is of exactly one subject: an AI system, a supplier (procurement) or the
        # organisation (an organisation-level questionnaire such as AIMS readiness). A triage
        # answered on an incident is of the incident's system (subject 'system', incident_id set).
        sa.CheckConstraint(SUBJECT_CHECK, name="subject_matches"),
    )

    system_id: uuid.UUID | None = Field(
        default=None, foreign_key="ai_systems.id", ondelete="RESTRICT"
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, foreign_key="suppliers.id", ondelete="RESTRICT"
    )
    # A triage answered on an incident: its system_id is the incident's system, but it is never
    # the system's current assessment (app.incidents reads it; standing and plans skip it).
    incident_id: uuid.UUID | None = Field(
        default=None, foreign_key="incidents.id", ondelete="RESTRICT"
    )
    subject: str = Field(
        default=SubjectKind.SYSTEM.value,
        max_length=20,
        description="system | supplier | organization; which reference column is set follows",
    )
    questionnaire_key: str = Field(max_length=64)
    questionnaire_version: str = Field(max_length=32)
    content_hash: str = Field(max_length=64)
    status: str = Field(default=AssessmentStatus.DRAFT.value, max_length=20)
    round: int = Field(default=1, description="1 for the first submission, +1 per reopening")
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    prefilled: dict[str, Any] | None = Field(
        default=None,
        sa_type=JSONType,
        description="Answers carried over from other approved assessments: item id -> source",
    )
    tier: str | None = Field(default=None, max_length=64)
    is_current: bool = Field(
        default=False, description="The latest approved assessment of its system and questionnaire"
    )
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by_key_id: uuid.UUID | None = None
    submitted_by_user_id: uuid.UUID | None = None
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AssessmentRound(OrganizationRow, table=True):
    """A submission: frozen answers, the full result, and the reviewer's decision on it."""

    __tablename__ = "assessment_rounds"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "round", name="uq_assessment_rounds_assessment_round"),
    )

    assessment_id: uuid.UUID = Field(foreign_key="assessments.id", ondelete="CASCADE")
    round: int
    answers: dict[str, Any] = Field(sa_type=JSONType)
    result: dict[str, Any] = Field(sa_type=JSONType)
    tier: str = Field(max_length=64)
    engine_version: str = Field(max_length=32)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by_key_id: uuid.UUID | None = None
    submitted_by_user_id: uuid.UUID | None = None
    submitted_by: str = Field(max_length=200)
    decision: str | None = Field(default=None, max_length=20)
    comment: str | None = Field(default=None, max_length=4000)
    item_comments: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_key_id: uuid.UUID | None = None
    decided_by_user_id: uuid.UUID | None = None
    decided_by: str | None = Field(default=None, max_length=200)
