"""HTTP layer of procurement: suppliers, vendor requests, invitations, evidence and review.

Writes need the `procurement` scope; reads take `read` or `procurement`.
"""

import dataclasses
import json
import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status
from fastapi.responses import FileResponse, JSONResponse

from app.assessments import service as assessments
from app.assessments.models import Assessment
from app.assessments.schemas import QuestionnairePin
from app.auth import Principal, Scope, require_scope
from app.concurrency import IfMatchHeader, etag, etag_response
from app.db import SessionDep
from app.delivery.mail import Mailer
from app.deps import SettingsDep
from app.errors import problem_responses
from app.idempotency import IdempotencyDep
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.questionnaires.catalog import Catalog
from app.questionnaires.dependencies import CatalogDep
from app.routing import AUTHENTICATED, problem_router
from app.suppliers import service
from app.suppliers.evidence import EvidenceStore
from app.suppliers.models import Evidence, Supplier, VendorRequest
from app.suppliers.schemas import (
    ContactCreate,
    ContactPublic,
    ContactUpdate,
    Delivery,
    EvidencePublic,
    HistoryEntry,
    InvitationPublic,
    PrefillReport,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    RequestCreate,
    Resend,
    Standing,
    SupplierCreate,
    SupplierProfile,
    SupplierPublic,
    SupplierUpdate,
    VendorRequestCreated,
    VendorRequestPublic,
    VendorRequestReviewBody,
    VendorRequestSummary,
)

router = problem_router(AUTHENTICATED, tags=["procurement"])

ProcurementDep = Annotated[Principal, Depends(require_scope(Scope.PROCUREMENT))]


ReaderDep = Annotated[Principal, Depends(require_scope(Scope.READ, Scope.PROCUREMENT))]
WRITE_ERRORS = problem_responses(404, 409, 412, 428)


# --- views ----------------------------------------------------------------------------------


def _supplier(supplier: Supplier, tier: str | None) -> SupplierPublic:
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


def _profile(session: SessionDep, catalog: Catalog, supplier: Supplier) -> SupplierProfile:
    current = service.standing(session, supplier.id)
    standing = None
    if current is not None:
        result = current.accepted.result
        version = assessments.pinned_version(catalog, current.assessment)
        labels = {t.id: t.label.get("en") for t in version.model.scoring.tiers}
        standing = Standing(
            tier=current.accepted.tier,
            tier_label=labels.get(current.accepted.tier),
            request_id=current.request.id if current.request else None,
            assessment_id=current.assessment.id,
            questionnaire=QuestionnairePin.of(current.assessment),
            accepted_at=current.assessment.decided_at,
            review_due_at=current.assessment.due_at,
            controls=result.get("controls", []),
            obligations=result.get("obligations", []),
            flags=result.get("flags", []),
        )
    history = [
        HistoryEntry(
            request_id=request.id,
            questionnaire=QuestionnairePin.of(assessment),
            status=service.request_status(assessment),
            sent_at=request.created_at,
            due_date=request.due_date,
            submitted_at=assessment.submitted_at,
            decided_at=assessment.decided_at if service.is_decided(assessment) else None,
            tier=assessment.tier,
        )
        for request, assessment in service.history(session, supplier.id)
    ]
    return SupplierProfile(
        **_supplier(supplier, standing.tier if standing else None).model_dump(),
        contacts=[
            ContactPublic.model_validate(c, from_attributes=True)
            for c in service.contacts(session, supplier)
        ],
        products=[
            ProductPublic(
                id=p.id,
                name=p.name,
                description=p.description,
                system_ids=system_ids,
                created_at=p.created_at,
            )
            for p, system_ids in service.products(session, supplier)
        ],
        standing=standing,
        history=history,
    )


def _profile_with_etag(
    response: Response, session: SessionDep, catalog: Catalog, supplier: Supplier
) -> SupplierProfile:
    response.headers["ETag"] = etag(supplier.revision)
    return _profile(session, catalog, supplier)


def _evidence(found: Evidence) -> EvidencePublic:
    return EvidencePublic.model_validate(found, from_attributes=True)


def request_view(
    session: SessionDep, catalog: Catalog, request: VendorRequest, assessment: Assessment
) -> VendorRequestPublic:
    version = assessments.pinned_version(catalog, assessment)
    latest = service.latest_round(session, assessment)
    result: dict[str, Any] = latest.result if latest else {}
    invitation = service.current_invitation(session, request)
    return VendorRequestPublic(
        id=request.id,
        supplier_id=request.supplier_id,
        contact_id=request.contact_id,
        product_id=request.product_id,
        assessment_id=assessment.id,
        recipient_email=request.recipient_email,
        message=request.message,
        due_date=request.due_date,
        overdue=service.is_overdue(request, assessment),
        status=service.request_status(assessment),
        questionnaire=QuestionnairePin.of(assessment),
        round=assessment.round,
        revision=assessment.revision,
        answers=assessment.answers,
        progress=assessments.progress(version, assessment.answers),
        tier=assessment.tier,
        controls=result.get("controls", []),
        obligations=result.get("obligations", []),
        flags=result.get("flags", []),
        review_comments=assessments.review_comments(session, assessment),
        evidence=[_evidence(e) for e in service.evidence_of(session, request)],
        invitation=None
        if invitation is None
        else InvitationPublic(
            id=invitation.id,
            recipient_email=invitation.recipient_email,
            state=service.invitation_state(invitation),
            delivery=Delivery(invitation.delivery),
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            revoked_at=invitation.revoked_at,
            first_opened_at=invitation.first_opened_at,
        ),
        created_at=request.created_at,
        submitted_at=assessment.submitted_at,
        decided_at=assessment.decided_at if service.is_decided(assessment) else None,
    )


def _created_view(
    session: SessionDep,
    catalog: Catalog,
    request: VendorRequest,
    assessment: Assessment,
    issued: service.Issued,
    prefill: PrefillReport | None,
) -> VendorRequestCreated:
    return VendorRequestCreated(
        **request_view(session, catalog, request, assessment).model_dump(),
        delivery=issued.delivery,
        message_id=issued.message_id,
        link=issued.link,
        prefill=prefill,
    )


def _with_link(response: JSONResponse, link: str | None) -> JSONResponse:
    """Add the one-time link to the first response only: the idempotency record never holds it."""
    if link is None or response.headers.get("Idempotent-Replayed") == "true":
        return response
    body = json.loads(bytes(response.body))
    body["link"] = link
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


# --- suppliers ------------------------------------------------------------------------------


@router.post(
    "/v1/suppliers",
    operation_id="createSupplier",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplierProfile,
    responses={**problem_responses(409), **etag_response(201, location=True)},
    summary="Register a supplier with its contacts and AI products (linked to AI systems)",
)
def create_supplier(
    body: SupplierCreate,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    def create() -> tuple[int, SupplierProfile, dict[str, str]]:
        supplier = service.create_supplier(
            session, organization_id=principal.organization_id, data=body, actor=principal.actor
        )
        headers = {"Location": f"/v1/suppliers/{supplier.id}", "ETag": etag(supplier.revision)}
        return 201, _profile(session, catalog, supplier), headers

    return idempotency.run(
        session, organization_id=principal.organization_id, body=body, create=create
    )


@router.get(
    "/v1/suppliers",
    operation_id="listSuppliers",
    response_model=Page[SupplierPublic],
    responses=problem_responses(400),
    summary="List suppliers with their current tier, newest first",
    description="Newest first (by registration time, then id).",
)
def list_suppliers(
    session: SessionDep,
    principal: ReaderDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[SupplierPublic]:
    found, next_cursor = service.list_suppliers(
        session, organization_id=principal.organization_id, q=q, cursor=cursor, limit=limit
    )
    tiers = service.current_tiers(session, [s.id for s in found])
    return Page(items=[_supplier(s, tiers.get(s.id)) for s in found], next_cursor=next_cursor)


@router.get(
    "/v1/suppliers/{supplier_id}",
    operation_id="getSupplier",
    response_model=SupplierProfile,
    responses={**problem_responses(404), **etag_response(200)},
    summary="A supplier's profile: current tier, contractual controls, contacts, products, history",
)
def get_supplier(
    supplier_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ReaderDep,
) -> SupplierProfile:
    supplier = service.get_supplier(
        session, organization_id=principal.organization_id, supplier_id=supplier_id
    )
    return _profile_with_etag(response, session, catalog, supplier)


@router.patch(
    "/v1/suppliers/{supplier_id}",
    operation_id="updateSupplier",
    response_model=SupplierProfile,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Change a supplier's details (needs If-Match)",
)
def update_supplier(
    supplier_id: uuid.UUID,
    body: SupplierUpdate,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> SupplierProfile:
    supplier = service.update_supplier(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        data=body,
        if_match=if_match,
        actor=principal.actor,
    )
    return _profile_with_etag(response, session, catalog, supplier)


@router.post(
    "/v1/suppliers/{supplier_id}/contacts",
    operation_id="addSupplierContact",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactPublic,
    responses=problem_responses(404, 409),
    summary="Add a contact to a supplier",
)
def add_contact(
    supplier_id: uuid.UUID,
    body: ContactCreate,
    session: SessionDep,
    principal: ProcurementDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    def create() -> tuple[int, ContactPublic, dict[str, str]]:
        contact = service.add_contact(
            session,
            organization_id=principal.organization_id,
            supplier_id=supplier_id,
            data=body,
            actor=principal.actor,
        )
        return 201, ContactPublic.model_validate(contact, from_attributes=True), {}

    return idempotency.run(
        session, organization_id=principal.organization_id, body=body, create=create
    )


@router.post(
    "/v1/suppliers/{supplier_id}/products",
    operation_id="addSupplierProduct",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductPublic,
    responses=problem_responses(404),
    summary="Add an AI product or service of a supplier, linked to the AI systems built on it",
)
def add_product(
    supplier_id: uuid.UUID,
    body: ProductCreate,
    session: SessionDep,
    principal: ProcurementDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    def create() -> tuple[int, ProductPublic, dict[str, str]]:
        product = service.add_product(
            session,
            organization_id=principal.organization_id,
            supplier_id=supplier_id,
            data=body,
            actor=principal.actor,
        )
        public = ProductPublic(
            id=product.id,
            name=product.name,
            description=product.description,
            system_ids=sorted(dict.fromkeys(body.system_ids), key=str),
            created_at=product.created_at,
        )
        return 201, public, {}

    return idempotency.run(
        session, organization_id=principal.organization_id, body=body, create=create
    )


@router.patch(
    "/v1/suppliers/{supplier_id}/contacts/{contact_id}",
    operation_id="updateSupplierContact",
    response_model=SupplierProfile,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Correct a contact's name, e-mail or role (needs the supplier's If-Match)",
)
def update_contact(
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactUpdate,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> SupplierProfile:
    supplier = service.update_contact(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        contact_id=contact_id,
        data=body,
        if_match=if_match,
        actor=principal.actor,
    )
    return _profile_with_etag(response, session, catalog, supplier)


@router.delete(
    "/v1/suppliers/{supplier_id}/contacts/{contact_id}",
    operation_id="removeSupplierContact",
    response_model=SupplierProfile,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Remove a contact that never received a request (needs the supplier's If-Match)",
)
def remove_contact(
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> SupplierProfile:
    supplier = service.remove_contact(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        contact_id=contact_id,
        if_match=if_match,
        actor=principal.actor,
    )
    return _profile_with_etag(response, session, catalog, supplier)


@router.patch(
    "/v1/suppliers/{supplier_id}/products/{product_id}",
    operation_id="updateSupplierProduct",
    response_model=SupplierProfile,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Change a product or the AI systems linked to it (needs the supplier's If-Match)",
)
def update_product(
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    body: ProductUpdate,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> SupplierProfile:
    supplier = service.update_product(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        product_id=product_id,
        data=body,
        if_match=if_match,
        actor=principal.actor,
    )
    return _profile_with_etag(response, session, catalog, supplier)


@router.delete(
    "/v1/suppliers/{supplier_id}/products/{product_id}",
    operation_id="removeSupplierProduct",
    response_model=SupplierProfile,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Remove a product; requests about it stay, without the link (needs If-Match)",
)
def remove_product(
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> SupplierProfile:
    supplier = service.remove_product(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        product_id=product_id,
        if_match=if_match,
        actor=principal.actor,
    )
    return _profile_with_etag(response, session, catalog, supplier)


# --- vendor requests ------------------------------------------------------------------------


@router.post(
    "/v1/suppliers/{supplier_id}/requests",
    operation_id="createSupplierRequest",
    status_code=status.HTTP_201_CREATED,
    response_model=VendorRequestCreated,
    responses={**problem_responses(404, 409), **etag_response(201, location=True)},
    summary="Send a questionnaire to a supplier contact (e-mails the invitation link)",
)
def create_request(
    supplier_id: uuid.UUID,
    body: RequestCreate,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    principal: ProcurementDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    issued_link: list[str | None] = [None]

    def create() -> tuple[int, VendorRequestCreated, dict[str, str]]:
        created = service.create_request(
            session,
            catalog,
            settings=settings,
            mailer=Mailer.from_settings(settings),
            principal=principal,
            supplier_id=supplier_id,
            data=body,
        )
        issued_link[0] = created.issued.link
        prefill = None
        source_id = created.request.prefilled_from_assessment_id
        if created.prefill is not None and source_id is not None:
            plan = created.prefill
            prefill = PrefillReport(
                source=plan.source,
                target=plan.target,
                from_assessment_id=source_id,
                carried=plan.carried,
                renamed=plan.renamed,
                recoded=plan.recoded,
                dropped=plan.dropped,
                to_answer=plan.to_answer,
            )
        # The stored (replayable) response never carries the link; see _with_link.
        hidden = dataclasses.replace(created.issued, link=None)
        view = _created_view(session, catalog, created.request, created.assessment, hidden, prefill)
        headers = {
            "Location": f"/v1/supplier-requests/{created.request.id}",
            "ETag": etag(created.assessment.revision),
        }
        return 201, view, headers

    response = idempotency.run(
        session, organization_id=principal.organization_id, body=body, create=create
    )
    return _with_link(response, issued_link[0])


@router.get(
    "/v1/supplier-requests",
    operation_id="listSupplierRequests",
    response_model=Page[VendorRequestSummary],
    responses=problem_responses(400),
    summary="List vendor requests, newest first",
    description="Newest first (by creation time, then id); the filters combine with AND.",
)
def list_requests(
    session: SessionDep,
    principal: ReaderDep,
    supplier_id: uuid.UUID | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> Page[VendorRequestSummary]:
    rows, next_cursor = service.list_requests(
        session,
        organization_id=principal.organization_id,
        supplier_id=supplier_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(
        items=[
            VendorRequestSummary(
                id=r.id,
                supplier_id=r.supplier_id,
                supplier_name=name,
                product_id=r.product_id,
                recipient_email=r.recipient_email,
                due_date=r.due_date,
                overdue=service.is_overdue(r, a),
                status=service.request_status(a),
                questionnaire=QuestionnairePin.of(a),
                tier=a.tier,
                created_at=r.created_at,
            )
            for r, a, name in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/v1/supplier-requests/{request_id}",
    operation_id="getSupplierRequest",
    response_model=VendorRequestPublic,
    responses={**problem_responses(404), **etag_response(200)},
    summary="A vendor request: answers, evidence, derived tier and contractual controls",
)
def get_request(
    request_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ReaderDep,
) -> VendorRequestPublic:
    request, assessment = service.get_request(
        session, organization_id=principal.organization_id, request_id=request_id
    )
    response.headers["ETag"] = etag(assessment.revision)
    return request_view(session, catalog, request, assessment)


@router.post(
    "/v1/supplier-requests/{request_id}/invitation",
    operation_id="resendSupplierInvitation",
    response_model=VendorRequestCreated,
    responses=problem_responses(404, 409),
    summary="Issue a new invitation link (the old one stops working) and e-mail it",
)
def resend_invitation(
    request_id: uuid.UUID,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    principal: ProcurementDep,
    body: Resend | None = None,
) -> VendorRequestCreated:
    request, assessment, issued = service.resend_invitation(
        session,
        catalog,
        settings=settings,
        mailer=Mailer.from_settings(settings),
        principal=principal,
        request_id=request_id,
        data=body or Resend(),
    )
    return _created_view(session, catalog, request, assessment, issued, None)


@router.post(
    "/v1/supplier-requests/{request_id}/invitation/revoke",
    operation_id="revokeSupplierInvitation",
    response_model=VendorRequestPublic,
    responses=problem_responses(404),
    summary="Stop the invitation link from opening anything",
)
def revoke_invitation(
    request_id: uuid.UUID, session: SessionDep, catalog: CatalogDep, principal: ProcurementDep
) -> VendorRequestPublic:
    request, assessment = service.revoke_invitation(
        session, principal=principal, request_id=request_id
    )
    return request_view(session, catalog, request, assessment)


@router.post(
    "/v1/supplier-requests/{request_id}/review",
    operation_id="reviewSupplierRequest",
    response_model=VendorRequestPublic,
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Accept, reject, or ask the supplier to clarify specific questions (needs If-Match)",
)
def review_request(
    request_id: uuid.UUID,
    body: VendorRequestReviewBody,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ProcurementDep,
    if_match: IfMatchHeader = None,
) -> VendorRequestPublic:
    request, assessment = service.review_request(
        session,
        catalog,
        principal=principal,
        request_id=request_id,
        decision=body.decision,
        comment=body.comment,
        item_comments=body.item_comments,
        if_match=if_match,
    )
    response.headers["ETag"] = etag(assessment.revision)
    return request_view(session, catalog, request, assessment)


@router.get(
    "/v1/supplier-requests/{request_id}/evidence/{evidence_id}/content",
    operation_id="downloadSupplierEvidence",
    response_class=FileResponse,
    responses={
        200: {"description": "The file as uploaded", "content": {"application/octet-stream": {}}},
        **problem_responses(404, 409),
    },
    summary="Download an evidence file (its SHA-256 is in the Repr-Digest header)",
)
def download_evidence(
    request_id: uuid.UUID,
    evidence_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    principal: ReaderDep,
) -> FileResponse:
    evidence = service.get_evidence(
        session,
        organization_id=principal.organization_id,
        request_id=request_id,
        evidence_id=evidence_id,
    )
    return EvidenceStore(settings.evidence_dir).download(evidence)
