"""The `data` of the webhook events a vendor request's changes emit (see app.webhooks.events)."""

from __future__ import annotations

from typing import Any

from app.assessments.models import Assessment
from app.suppliers.models import VendorRequest


def data(
    request: VendorRequest, assessment: Assessment, decision: str | None = None
) -> dict[str, Any]:
    """The `data` of a `vendor_request.submitted` or `vendor_request.decided` event."""
    return {
        "request_id": request.id,
        "organization_id": request.organization_id,
        "supplier_id": request.supplier_id,
        "assessment_id": assessment.id,
        "questionnaire_key": assessment.questionnaire_key,
        "round": assessment.round,
        "tier": assessment.tier,
        "decision": decision,
    }
