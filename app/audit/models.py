"""The audit-event table and its signed checkpoints."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, OrganizationRow, UTCDateTime


class AuditEvent(OrganizationRow, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "seq", name="uq_audit_events_org_seq"),
        sa.Index("ix_audit_events_org_entity", "organization_id", "entity_type", "entity_id"),
    )

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


class AuditCheckpoint(OrganizationRow, table=True):
    """The hash of an organisation's event at `seq`, signed (HMAC-SHA256) when it was appended.

    Verification starts from the latest one instead of from the first event, and a rewrite of the
    events before it (even with every later hash recomputed) no longer matches its signature.
    """

    __tablename__ = "audit_checkpoints"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "seq", name="uq_audit_checkpoints_org_seq"),
    )

    seq: int
    hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    signature: str | None = Field(
        default=None, max_length=64, description="HMAC-SHA256; null when no key was configured."
    )
