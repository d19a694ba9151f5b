"""The incident table: an AI-system event, its triage facts, actions, reports, deadlines."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, Revised, UTCDateTime


class IncidentStatus(StrEnum):
    OPEN = "open"
    REPORTED = "reported"
    CLOSED = "closed"


class Incident(Revised, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        sa.Index("ix_incidents_org_created", "organization_id", "created_at", "id"),
        sa.Index("ix_incidents_org_system", "organization_id", "system_id"),
        sa.Index("ix_incidents_org_next_due", "organization_id", "next_due_at", "id"),
    )

    system_id: uuid.UUID = Field(foreign_key="ai_systems.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str = Field(max_length=8000)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    aware_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    affected: str = Field(max_length=4000)
    people_involved: list[str] = Field(sa_type=JSONType)
    status: str = Field(default=IncidentStatus.OPEN.value, max_length=20)
    triage: dict[str, Any] = Field(sa_type=JSONType)
    corrective_actions: list[dict[str, Any]] = Field(sa_type=JSONType)
    reports: list[dict[str, Any]] = Field(sa_type=JSONType)
    evidence_links: list[str] = Field(sa_type=JSONType)
    # The earliest deadline no report has met yet (null when none, or closed): overdue queries.
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
