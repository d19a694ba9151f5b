"""API input and output of webhook subscriptions and their deliveries."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.delivery.schemas import MessageStatus
from app.lists import Distinct
from app.partial import PartialUpdate
from app.webhooks.events import EventType
from app.webhooks.safety import MAX_URL_LENGTH

WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_URL_LENGTH, pattern=r"^\S+$"),
    Field(description="Where events are POSTed: https (http only where the service allows it)."),
]
Description = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")]
EventTypes = Annotated[
    list[EventType],
    Field(min_length=1, max_length=len(EventType), description="The events to send (one or more)."),
    Distinct,
]
MAX_OVERLAP_SECONDS = 7 * 24 * 3600


class WebhookSubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl
    event_types: EventTypes
    description: Description = ""
    enabled: bool = True


class WebhookSubscriptionUpdate(PartialUpdate):
    """A partial update: only the fields present change. Rotate the secret with its operation."""

    url: WebhookUrl | SkipJsonSchema[None] = None
    event_types: EventTypes | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    enabled: bool | SkipJsonSchema[None] = None


class WebhookSubscriptionPublic(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[EventType]
    description: str
    enabled: bool
    previous_secret_expires_at: datetime | None = Field(
        description="While set, the secret before the last rotation still signs too (overlap)."
    )
    revision: int
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionCreated(WebhookSubscriptionPublic):
    secret: str = Field(
        description="The signing secret (`whsec_...`), shown this once: store it now."
    )


class WebhookSecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=24 * 3600,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description=(
            "How long the old secret keeps signing beside the new one (both signatures are sent), "
            "so receivers can switch without missing a message; 0 ends it at once."
        ),
    )


class WebhookDeliveryPublic(BaseModel):
    """One event on its way to one subscription; `webhook_id` is the `webhook-id` header."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    webhook_id: str = Field(description="Kept by a redelivery, so receivers can deduplicate.")
    event_type: str
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next.")
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class WebhookAttemptPublic(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None = Field(description="Null when no HTTP answer came (refused, timeout).")
    error: str | None
    response_prefix: str | None = Field(description="The first KiB of the response body at most.")


class WebhookDeliveryDetail(WebhookDeliveryPublic):
    payload: dict[str, Any] = Field(description="The JSON body sent (`{type, timestamp, data}`).")
    attempt_log: list[WebhookAttemptPublic] = Field(description="Every attempt, the first first.")
