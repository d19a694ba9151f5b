"""Procurement as the API shows it: the response schemas built from the stored rows, for the
organisation's routes and the supplier portal alike."""

from __future__ import annotations

import uuid

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


def supplier_public(supplier: Supplier, tier: str | None) -> SupplierPublic:
    return SupplierPublic(
        id=supplier.id,
        name=supplier.name,
        website=supplier.website,
        country=supplier.country,
        description=supplier.description,
        revision=supplier.revision,
        tier=tier,
        created_at=supplier.created_at,
        updated_at=supplier.updated_at,
    )


def product_public(product: SupplierProduct, system_ids: list[uuid.UUID]) -> ProductPublic:
    return ProductPublic(
        id=product.id,
        name=product.name,
        description=product.description,
        system_ids=system_ids,
        created_at=product.created_at,
    )


def evidence_public(found: Evidence) -> EvidencePublic:
    return EvidencePublic.model_validate(found, from_attributes=True)


def _standing(session: Session, catalog: Catalog, supplier: Supplier) -> Standing | None:
    current = service.standing(session, supplier.id)
    if current is None:
        return None
    version = assessments.pinned_version(catalog, current.assessment)
    labels = {t.id: t.label.get("en") for t in version.model.scoring.tiers}
    lists = result_lists(current.accepted.result)
    return Standing(
        tier=current.accepted.tier,
        tier_label=labels.get(current.accepted.tier),
        request_id=current.request.id if current.request else None,
        assessment_id=current.assessment.id,
        questionnaire=QuestionnairePin.of(current.assessment),
        accepted_at=current.assessment.decided_at,
        review_due_at=current.assessment.due_at,
        controls=lists["controls"],
        obligations=lists["obligations"],
        flags=lists["flags"],
    )


def supplier_profile(session: Session, catalog: Catalog, supplier: Supplier) -> SupplierProfile:
    """A supplier with its contacts, products, standing (the accepted answers) and history."""
    standing = _standing(session, catalog, supplier)
    history = [
        HistoryEntry(
            request_id=request.id,
            questionnaire=QuestionnairePin.of(assessment),
            status=vendor_requests.request_status(assessment),
            sent_at=request.created_at,
            due_date=request.due_date,
            submitted_at=assessment.submitted_at,
            decided_at=assessment.decided_at if vendor_requests.is_decided(assessment) else None,
            tier=assessment.tier,
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
    return InvitationPublic(
        id=invitation.id,
        recipient_email=invitation.recipient_email,
        state=vendor_requests.invitation_state(invitation),
        delivery=Delivery(invitation.delivery),
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        revoked_at=invitation.revoked_at,
        first_opened_at=invitation.first_opened_at,
    )


def request_public(
    session: Session, catalog: Catalog, request: VendorRequest, assessment: Assessment
) -> VendorRequestPublic:
    """A vendor request as procurement reads it: answers, result, comments, evidence, link."""
    version = assessments.pinned_version(catalog, assessment)
    latest = vendor_requests.latest_round(session, assessment)
    lists = result_lists(latest.result if latest else None)
    return VendorRequestPublic(
        id=request.id,
        supplier_id=request.supplier_id,
        contact_id=request.contact_id,
        product_id=request.product_id,
        assessment_id=assessment.id,
        recipient_email=request.recipient_email,
        message=request.message,
        due_date=request.due_date,
        overdue=vendor_requests.is_overdue(request, assessment),
        status=vendor_requests.request_status(assessment),
        questionnaire=QuestionnairePin.of(assessment),
        round=assessment.round,
        revision=assessment.revision,
        answers=assessment.answers,
        progress=assessments.progress(version, assessment.answers),
        tier=assessment.tier,
        controls=lists["controls"],
        obligations=lists["obligations"],
        flags=lists["flags"],
        review_comments=assessment_queries.review_comments(session, assessment),
        evidence=[evidence_public(e) for e in vendor_requests.evidence_of(session, request)],
        invitation=_invitation(vendor_requests.current_invitation(session, request)),
        created_at=request.created_at,
        submitted_at=assessment.submitted_at,
        decided_at=assessment.decided_at if vendor_requests.is_decided(assessment) else None,
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
    return VendorRequestSummary(
        id=request.id,
        supplier_id=request.supplier_id,
        supplier_name=supplier_name,
        product_id=request.product_id,
        recipient_email=request.recipient_email,
        due_date=request.due_date,
        overdue=vendor_requests.is_overdue(request, assessment),
        status=vendor_requests.request_status(assessment),
        questionnaire=QuestionnairePin.of(assessment),
        tier=assessment.tier,
        created_at=request.created_at,
    )


def portal_request(
    session: Session, catalog: Catalog, access: portal_service.PortalAccess, assessment: Assessment
) -> PortalRequest:
    """The request as the supplier sees it behind the invitation link."""
    request = access.request
    version = assessments.pinned_version(catalog, assessment)
    supplier = session.get(Supplier, request.supplier_id)
    org = organizations.get_organization(session, organization_id=request.organization_id)
    return PortalRequest(
        organization=org.name,
        supplier=supplier.name if supplier else "",
        recipient_email=request.recipient_email,
        message=request.message,
        due_date=request.due_date,
        status=portal_service.portal_status(assessment),
        outcome=portal_service.portal_outcome(assessment),
        read_only=assessment.status != AssessmentStatus.DRAFT,
        questionnaire=QuestionnairePin.of(assessment),
        round=assessment.round,
        revision=assessment.revision,
        answers=assessment.answers,
        progress=assessments.progress(version, assessment.answers),
        review_comments=assessment_queries.review_comments(session, assessment),
        evidence=[evidence_public(e) for e in vendor_requests.evidence_of(session, request)],
        submitted_at=assessment.submitted_at,
    )
