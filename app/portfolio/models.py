"""Tables of control implementation records (one per organisation and control)."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, OrganizationRow, StoredFile, UTCDateTime, utcnow


class Applicability(StrEnum):
    """Whether a control applies: as the assessments say, or as a person decided (and why)."""

    DERIVED = "derived"
    INCLUDED = "included"
    EXCLUDED = "excluded"


class ImplementationStatus(StrEnum):
    NOT_STARTED = "not_started"
    PLANNED = "planned"
    PARTIALLY_IMPLEMENTED = "partially_implemented"
    IMPLEMENTED = "implemented"


class ControlRecord(OrganizationRow, table=True):
    """How the organisation applies and implements one control of the catalog."""

    __tablename__ = "control_records"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "control_id", name="uq_control_records_org_control"),
        sa.Index("ix_control_records_org_status", "organization_id", "status"),
    )

    control_id: str = Field(max_length=100)
    applicability: str = Field(default=Applicability.DERIVED.value, max_length=20)
    justification: str | None = Field(default=None, max_length=4000)
    status: str = Field(default=ImplementationStatus.NOT_STARTED.value, max_length=30)
    owner_user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    target_date: date | None = None
    links: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    last_reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    revision: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_key_id: uuid.UUID | None = None
    updated_by_user_id: uuid.UUID | None = None


class ControlEvidence(StoredFile, table=True):
    """A file kept as evidence of a control's implementation (bytes in the evidence store)."""

    __tablename__ = "control_evidence"
    __table_args__ = (sa.Index("ix_control_evidence_record", "record_id", "uploaded_at"),)

    record_id: uuid.UUID = Field(foreign_key="control_records.id", ondelete="CASCADE")
    uploaded_by_key_id: uuid.UUID | None = None
    uploaded_by_user_id: uuid.UUID | None = None
