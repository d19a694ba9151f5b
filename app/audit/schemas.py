"""API output of the audit log."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventPublic(BaseModel):
    seq: int = Field(description="Position in the organisation's chain, from 1.")
    occurred_at: datetime
    actor_key_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None = Field(description="The person who acted (by id only).")
    actor: str
    action: str = Field(description="e.g. ai_system.created, assessment.submitted")
    entity_type: str
    entity_id: str
    before: Any = Field(description="The entity before the change (null on creation).")
    after: Any = Field(description="The entity after the change.")
    prev_hash: str
    hash: str = Field(description="SHA-256 over this event (RFC 8785 JSON) and prev_hash.")


class AuditVerification(BaseModel):
    valid: bool
    events: int = Field(description="Events checked.")
    head_hash: str = Field(description="Hash of the last valid event; keep it to detect rewrites.")
    first_broken_seq: int | None
    problem: str | None
