"""Procurement as the API shows it: the response schemas built from the stored rows, for the
organisation's routes and the supplier portal alike."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.assessments import queries as assessment_queries
from app.assessments import service as assessments
from app.assessments.migration import MigrationPlan
from app.assessments.models import Assessment, AssessmentStatus
from app.assessments.schemas import QuestionnairePin
from app.assessments.views import plan_fields, result_lists
from app.organizations import service as organizations
from app.questionnaires.catalog import Catalog
from app.suppliers import portal_service, service, vendor_requests
from app.suppliers.models import Evidence, Invitation, Supplier, SupplierProduct, VendorRequest
from app.suppliers.schemas import (
    ContactPublic,
    Delivery,
    EvidencePublic,
    HistoryEntry,
    InvitationPublic,
    PortalRequest,
    PrefillReport,
    ProductPublic,
    Standing,
    SupplierProfile,
    SupplierPublic,
    VendorRequestCreated,
    VendorRequestPublic,
    VendorRequestSummary,
)
from app.views import attributes, view


def supplier_public(supplier: Supplier, tier: str | None) -> SupplierPublic:
    return view(SupplierPublic, supplier, tier=tier)


def product_public(product: SupplierProduct, system_ids: list[uuid.UUID]) -> ProductPublic:
    return view(ProductPublic, product, system_ids=system_ids)


def evidence_public(found: Evidence) -> EvidencePublic:
    return EvidencePublic.model_validate(found, from_attributes=True)


def _standing(session: Session, catalog: Catalog, supplier: Supplier) -> Standing | None:
    current = service.standing(session, supplier.id)
    if current is None:
        return None
    version = assessments.pinned_version(catalog, current.assessment)
    labels = {t.id: t.label.get("en") for t in version.model.scoring.tiers}
    return Standing(
        tier=current.accepted.tier,
        tier_label=labels.get(current.accepted.tier),
        request_id=current.request.id if current.request else None,
        assessment_id=current.assessment.id,
        questionnaire=QuestionnairePin.of(current.assessment),
        accepted_at=current.assessment.decided_at,
        review_due_at=current.assessment.due_at,
        **result_lists(current.accepted.result),
    )


def supplier_profile(session: Session, catalog: Catalog, supplier: Supplier) -> SupplierProfile:
    """A supplier with its contacts, products, standing (the accepted answers) and history."""
    standing = _standing(session, catalog, supplier)
    history = [
        view(
            HistoryEntry,
            assessment,
            request_id=request.id,
            questionnaire=QuestionnairePin.of(assessment),
            status=vendor_requests.request_status(assessment),
            sent_at=request.created_at,
            due_date=request.due_date,
            decided_at=_decided_at(assessment),
        )
        for request, assessment in service.history(session, supplier.id)
    ]
    return SupplierProfile(
        **supplier_public(supplier, standing.tier if standing else None).model_dump(),
        contacts=[
            ContactPublic.model_validate(c, from_attributes=True)
            for c in service.contacts(session, supplier)
        ],
        products=[product_public(p, ids) for p, ids in service.products(session, supplier)],
        standing=standing,
        history=history,
    )


def _invitation(invitation: Invitation | None) -> InvitationPublic | None:
    if invitation is None:
        return None
    return view(
        InvitationPublic,
        invitation,
        state=vendor_requests.invitation_state(invitation),
        delivery=Delivery(invitation.delivery),
    )


def _decided_at(assessment: Assessment) -> datetime | None:
    """When procurement approved or rejected the answers; None otherwise (after a request for
    changes too)."""
    return assessment.decided_at if vendor_requests.is_decided(assessment) else None


def _answers(
    session: Session, catalog: Catalog, request: VendorRequest, assessment: Assessment
) -> dict[str, Any]:
    """What procurement and the supplier alike see of the answers: the questionnaire, the round
    and its answers with their progress, the comments to answer and the evidence."""
    version = assessments.pinned_version(catalog, assessment)
    return {
        "questionnaire": QuestionnairePin.of(assessment),
        **attributes(assessment, "round", "revision", "answers", "submitted_at"),
        "progress": assessments.progress(version, assessment.answers),
        "review_comments": assessment_queries.review_comments(session, assessment),
        "evidence": [evidence_public(e) for e in vendor_requests.evidence_of(session, request)],
    }


def request_public(
    session: Session, catalog: Catalog, request: VendorRequest, assessment: Assessment
) -> VendorRequestPublic:
    """A vendor request as procurement reads it: answers, result, comments, evidence, link."""
    latest = vendor_requests.latest_round(session, assessment)
    return view(
        VendorRequestPublic,
        request,
        assessment_id=assessment.id,
        overdue=vendor_requests.is_overdue(request, assessment),
        status=vendor_requests.request_status(assessment),
        tier=assessment.tier,
        **_answers(session, catalog, request, assessment),
        **result_lists(latest.result if latest else None),
        invitation=_invitation(vendor_requests.current_invitation(session, request)),
        decided_at=_decided_at(assessment),
    )


def prefill_report(request: VendorRequest, plan: MigrationPlan | None) -> PrefillReport | None:
    """How the last accepted answers were carried into a new request (None when they were not)."""
    source_id = request.prefilled_from_assessment_id
    if plan is None or source_id is None:
        return None
    return PrefillReport(**plan_fields(plan), from_assessment_id=source_id)


def request_created(
    session: Session,
    catalog: Catalog,
    request: VendorRequest,
    assessment: Assessment,
    issued: vendor_requests.Issued,
    prefill: PrefillReport | None,
) -> VendorRequestCreated:
    return VendorRequestCreated(
        **request_public(session, catalog, request, assessment).model_dump(),
        delivery=issued.delivery,
        message_id=issued.message_id,
        link=issued.link,
        prefill=prefill,
    )


def request_summary(
    request: VendorRequest, assessment: Assessment, supplier_name: str
) -> VendorRequestSummary:
    return view(
        VendorRequestSummary,
        request,
        supplier_name=supplier_name,
        overdue=vendor_requests.is_overdue(request, assessment),
        status=vendor_requests.request_status(assessment),
        questionnaire=QuestionnairePin.of(assessment),
        tier=assessment.tier,
    )


def portal_request(
    session: Session, catalog: Catalog, access: portal_service.PortalAccess, assessment: Assessment
) -> PortalRequest:
    """The request as the supplier sees it behind the invitation link."""
    request = access.request
    supplier = session.get(Supplier, request.supplier_id)
    org = organizations.get_organization(session, organization_id=request.organization_id)
    return view(
        PortalRequest,
        request,
        organization=org.name,
        supplier=supplier.name if supplier else "",
        status=portal_service.portal_status(assessment),
        outcome=portal_service.portal_outcome(assessment),
        read_only=assessment.status != AssessmentStatus.DRAFT,
        **_answers(session, catalog, request, assessment),
    )
