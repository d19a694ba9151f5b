"""API output of the audit log."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class AuditEventPublic(BaseModel):
    seq: int = Field(description="Position in the organisation's chain, from 1.")
    occurred_at: datetime
    actor_key_id: uuid.UUID | None
    actor: str
    action: str = Field(description="e.g. ai_system.created, assessment.submitted")
    entity_type: str
    entity_id: str
    before: Any = Field(description="The entity before the change (null on creation).")
    after: Any = Field(description="The entity after the change.")
    prev_hash: str
    hash: str = Field(description="SHA-256 over this event (RFC 8785 JSON) and prev_hash.")


class AuditCheckpointPublic(BaseModel):
    seq: int = Field(description="The event the checkpoint was taken at.")
    hash: str = Field(description="That event's hash.")
    created_at: datetime
    signature: str | None = Field(
        description="HMAC-SHA256 over the organisation id, seq and hash (null: unsigned)."
    )


class AuditVerification(BaseModel):
    valid: bool
    full: bool = Field(description="Every event was checked, not only those since a checkpoint.")
    events: int = Field(description="Events read and checked.")
    from_seq: int = Field(description="The first event checked (the checkpoint's, or 1).")
    expected_head_seq: int = Field(
        description="The last event's seq as recorded on the organisation with every append."
    )
    found_head_seq: int = Field(description="The seq of the last event found in the log.")
    head_hash: str = Field(description="Hash of the last valid event; keep it to detect rewrites.")
    first_broken_seq: int | None
    problem: str | None
    checkpoints: Literal["signed", "unsigned"] = Field(
        description="unsigned: no checkpoint key is configured, so a rewrite that recomputes "
        "every later hash and the head cannot be told from the real log."
    )
    checkpoint: AuditCheckpointPublic | None = Field(
        description="The checkpoint verification started from or ended with; keep a copy "
        "outside the database to detect the log being rolled back to before it."
    )
