"""The audit-event table."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import JSONType, UTCDateTime


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "seq", name="uq_audit_events_org_seq"),
        sa.Index("ix_audit_events_org_entity", "organization_id", "entity_type", "entity_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    seq: int = Field(description="1, 2, 3... per organisation")
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    actor_key_id: uuid.UUID | None = Field(default=None)
    actor_user_id: uuid.UUID | None = Field(default=None)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    before: Any = Field(default=None, sa_type=JSONType, nullable=True)
    after: Any = Field(default=None, sa_type=JSONType, nullable=True)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
