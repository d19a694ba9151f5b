"""Tables of webhook subscriptions, the log of delivery attempts, and overdue episodes seen."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, OrganizationRow, Revised, UTCDateTime, utcnow


class WebhookSubscription(Revised, table=True):
    """Where an organisation wants events sent; its signing secrets rest Fernet-encrypted."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        sa.Index("ix_webhook_subscriptions_org_created", "organization_id", "created_at", "id"),
    )

    url: str = Field(max_length=2000)
    event_types: list[str] = Field(sa_type=JSONType)
    description: str = Field(default="", max_length=500)
    enabled: bool = Field(default=True)
    secret_ciphertext: str = Field(max_length=500)
    # During a rotation's overlap the old secret signs too (a second signature in the header).
    previous_secret_ciphertext: str | None = Field(default=None, max_length=500)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(OrganizationRow, table=True):
    """One HTTP attempt at a delivery: its outcome, never more than a prefix of the response."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_message", "message_id", "attempt"),)

    message_id: uuid.UUID = Field(foreign_key="outbox_messages.id", ondelete="CASCADE")
    attempt: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int
    status_code: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=500)
    response_prefix: str | None = Field(default=None, max_length=1024)


class WebhookEpisode(OrganizationRow, table=True):
    """An event that happens once per episode (a system or request falling overdue) was emitted."""

    __tablename__ = "webhook_episodes"
    __table_args__ = (
        sa.UniqueConstraint("event_type", "subject_id", "episode", name="uq_webhook_episodes_key"),
    )

    event_type: str = Field(max_length=60)
    subject_id: uuid.UUID
    episode: str = Field(max_length=100, description="what makes it new, e.g. the due date")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


__all__ = ["WebhookAttempt", "WebhookEpisode", "WebhookSubscription"]
