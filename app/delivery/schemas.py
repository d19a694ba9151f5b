"""The delivery state of a queued message, as the API shows it (never its body or secret)."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessagePublic(BaseModel):
    """Where a message is on its way: waiting, being sent, sent, or given up (dead-lettered)."""

    id: uuid.UUID
    kind: str = Field(description="email")
    purpose: str = Field(description="What the message is for, e.g. supplier_invitation.")
    recipient: str
    status: MessageStatus
    attempts: int = Field(description="Attempts made so far.")
    next_attempt_at: datetime | None = Field(description="When a pending message is tried next.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    created_at: datetime
    sent_at: datetime | None
