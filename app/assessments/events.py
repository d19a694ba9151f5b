"""The `data` of the webhook events an assessment's changes emit (see app.webhooks.events)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.assessments.models import Assessment
from app.views import attributes
from app.webhooks import service as webhooks


def data(assessment: Assessment) -> dict[str, Any]:
    """The `data` of an `assessment.*` webhook event."""
    return {
        "assessment_id": assessment.id,
        **attributes(assessment, "organization_id", "system_id", "supplier_id"),
        **attributes(assessment, "questionnaire_key", "questionnaire_version"),
        **attributes(assessment, "round", "status", "tier"),
    }


def tier_change(assessment: Assessment, previous_tier: str | None) -> dict[str, Any]:
    """The `data` of an `ai_system.tier_changed` webhook event."""
    return {
        "system_id": assessment.system_id,
        "organization_id": assessment.organization_id,
        "assessment_id": assessment.id,
        "questionnaire_key": assessment.questionnaire_key,
        "questionnaire_version": assessment.questionnaire_version,
        "previous_tier": previous_tier,
        "tier": assessment.tier,
    }


def emit_reviewed(
    session: Session, assessment: Assessment, action: str, previous_tier: str | None
) -> None:
    """`assessment.approved` or `assessment.changes_requested` (a rejection has no event), and
    `ai_system.tier_changed` when an approval moves a system's tier under its questionnaire."""
    org = assessment.organization_id
    if action in ("approved", "changes_requested"):
        webhooks.emit(session, org, f"assessment.{action}", data(assessment))
    if action == "approved" and assessment.system_id and previous_tier != assessment.tier:
        webhooks.emit(
            session, org, "ai_system.tier_changed", tier_change(assessment, previous_tier)
        )
