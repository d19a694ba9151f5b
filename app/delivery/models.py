"""The outbox table: one row per message to deliver, with its attempts and state."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.webhooks import models as webhooks_models  # the table `subscription_id` points at


class OutboxMessage(SQLModel, table=True):
    """An e-mail or a webhook call waiting for, or done with, delivery.

    An e-mail's secret (a link with a token) is kept encrypted. A webhook's `subject` is its
    `webhook-id` (kept by a redelivery), `purpose` its event type and `body` its JSON payload.
    """

    __tablename__ = "outbox_messages"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", ondelete="CASCADE", index=True
    )
    kind: str = Field(max_length=20, description="email or webhook")
    subscription_id: uuid.UUID | None = Field(
        default=None, foreign_key="webhook_subscriptions.id", ondelete="CASCADE", index=True
    )
    purpose: str = Field(max_length=60, description="what the message is for, e.g. invitation")
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=400)
    body: str = Field(max_length=20000, description="with {secret} where the secret goes")
    secret_ciphertext: str | None = Field(
        default=None, max_length=2000, description="Fernet token of the secret; gone once done"
    )
    status: str = Field(max_length=20, index=True, description="pending, sending, sent or dead")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


__all__ = ["OutboxMessage", "webhooks_models"]
