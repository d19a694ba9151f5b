"""The events a subscription may ask for, and the payload each one carries.

Every payload is the Standard Webhooks envelope `{type, timestamp, data}`; `data` is one of the
models below. They are checked when an event is emitted, and the OpenAPI document's `webhooks`
section is generated from them, so the document and what is sent cannot drift apart.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EventType(StrEnum):
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_APPROVED = "assessment.approved"
    ASSESSMENT_CHANGES_REQUESTED = "assessment.changes_requested"
    AI_SYSTEM_TIER_CHANGED = "ai_system.tier_changed"
    AI_SYSTEM_OVERDUE = "ai_system.overdue"
    VENDOR_REQUEST_SUBMITTED = "vendor_request.submitted"
    VENDOR_REQUEST_DECIDED = "vendor_request.decided"
    VENDOR_REQUEST_OVERDUE = "vendor_request.overdue"
    INCIDENT_REPORTED = "incident.reported"


PING = "webhook.ping"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentEventData(_Data):
    """An assessment of an AI system (or of a supplier) moved to a new status."""

    assessment_id: uuid.UUID
    organization_id: uuid.UUID
    system_id: uuid.UUID | None = Field(description="Null for a supplier's assessment.")
    supplier_id: uuid.UUID | None = Field(description="Null for an AI system's assessment.")
    questionnaire_key: str
    questionnaire_version: str
    round: int = Field(description="The submission round (1 for the first submission).")
    status: str = Field(description="The assessment's status after the change.")
    tier: str | None = Field(description="The risk tier of the submitted round.")


class TierChangedData(_Data):
    """An approval changed an AI system's risk tier under one questionnaire."""

    system_id: uuid.UUID
    organization_id: uuid.UUID
    assessment_id: uuid.UUID = Field(description="The approved assessment now current.")
    questionnaire_key: str
    questionnaire_version: str
    previous_tier: str | None = Field(description="Null when no approved assessment was current.")
    tier: str | None


class SystemOverdueData(_Data):
    """A current approved assessment of an AI system passed its reassessment due date."""

    system_id: uuid.UUID
    organization_id: uuid.UUID
    assessment_id: uuid.UUID
    questionnaire_key: str
    due_at: datetime


class VendorRequestEventData(_Data):
    """A supplier submitted a vendor request, or procurement decided on a submission."""

    request_id: uuid.UUID
    organization_id: uuid.UUID
    supplier_id: uuid.UUID
    assessment_id: uuid.UUID
    questionnaire_key: str
    round: int
    tier: str | None
    decision: Literal["accept", "reject", "request_clarification"] | None = Field(
        default=None, description="Set on `vendor_request.decided` only."
    )


class VendorRequestOverdueData(_Data):
    """A vendor request's due date passed with no submission."""

    request_id: uuid.UUID
    organization_id: uuid.UUID
    supplier_id: uuid.UUID
    assessment_id: uuid.UUID
    due_date: date


class IncidentReportedData(_Data):
    """An incident on an AI system was reported to the authority (its status became reported)."""

    incident_id: uuid.UUID
    organization_id: uuid.UUID
    system_id: uuid.UUID
    title: str


class PingData(_Data):
    """A test message sent on request (`pingWebhook`)."""

    subscription_id: uuid.UUID


DATA_MODELS: dict[str, type[_Data]] = {
    EventType.ASSESSMENT_SUBMITTED: AssessmentEventData,
    EventType.ASSESSMENT_APPROVED: AssessmentEventData,
    EventType.ASSESSMENT_CHANGES_REQUESTED: AssessmentEventData,
    EventType.AI_SYSTEM_TIER_CHANGED: TierChangedData,
    EventType.AI_SYSTEM_OVERDUE: SystemOverdueData,
    EventType.VENDOR_REQUEST_SUBMITTED: VendorRequestEventData,
    EventType.VENDOR_REQUEST_DECIDED: VendorRequestEventData,
    EventType.VENDOR_REQUEST_OVERDUE: VendorRequestOverdueData,
    EventType.INCIDENT_REPORTED: IncidentReportedData,
    PING: PingData,
}
