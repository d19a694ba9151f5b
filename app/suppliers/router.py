"""HTTP layer of procurement: suppliers, vendor requests, invitations, evidence and review.

Writes need the `procurement` scope; reads take `read` or `procurement`.
"""

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel

from app.auth import Principal, Scope, require_scope
from app.concurrency import IfMatchHeader, etag_response, with_etag
from app.db import SessionDep
from app.delivery.mail import Mailer
from app.deps import SettingsDep
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.pagination import Page, PageDep
from app.questionnaires.catalog import Catalog
from app.questionnaires.dependencies import CatalogDep
from app.routing import AUTHENTICATED, problem_router
from app.suppliers import service, vendor_requests, views
from app.suppliers.evidence import DOWNLOAD_RESPONSES, EvidenceStore
from app.suppliers.models import Supplier
from app.suppliers.schemas import (
    ContactCreate,
    ContactPublic,
    ContactUpdate,
    ProductCreate,
    ProductPublic,
    ProductUpdate,
    RequestCreate,
    Resend,
    SupplierCreate,
    SupplierProfile,
    SupplierPublic,
    SupplierUpdate,
    VendorRequestCreated,
    VendorRequestPublic,
    VendorRequestReviewBody,
    VendorRequestSummary,
)

ProcurementDep = Annotated[Principal, Depends(require_scope(Scope.PROCUREMENT))]
ReaderDep = Annotated[Principal, Depends(require_scope(Scope.READ, Scope.PROCUREMENT))]
NamePart = Annotated[str | None, Query(max_length=200, description="Part of the name.")]

router = problem_router(AUTHENTICATED, tags=["procurement"])
WRITE_ERRORS = problem_responses(404, 409, 412, 428)


def _profile_with_etag(
    response: Response, session: SessionDep, catalog: Catalog, supplier: Supplier
) -> SupplierProfile:
    return with_etag(
        response, supplier.revision, views.supplier_profile(session, catalog, supplier)
    )


@dataclass(frozen=True)
class Reading:
    """What a read of procurement works with: the session, the catalog and a caller with the
    `read` or the `procurement` scope."""

    session: SessionDep
    catalog: CatalogDep
    caller: ReaderDep


@dataclass(frozen=True)
class Writing(Reading):
    """What a write of procurement works with: the caller needs the `procurement` scope."""

    caller: ProcurementDep


@dataclass(frozen=True)
class Creating(Writing):
    """A creation: 201 with what `create` made; a retry with the same Idempotency-Key and body
    replays it."""

    idempotency: IdempotencyDep

    def once(self, body: BaseModel, create: Callable[[], Created]) -> JSONResponse:
        return self.idempotency.run(self.session, caller=self.caller, body=body, create=create)


@dataclass(frozen=True)
class Adding(Creating):
    """A creation of a part of the supplier the path names (a contact, a product)."""

    supplier_id: uuid.UUID


@dataclass(frozen=True)
class Editing(Writing):
    """A change under the If-Match of what it changes, answered with the new ETag."""

    response: Response
    if_match: IfMatchHeader = None


@dataclass(frozen=True)
class ProfileEdit(Editing):
    """A change to a supplier's profile under the supplier's If-Match, answered with the
    profile and its new ETag."""

    def apply(self, change: Callable[..., Supplier], **arguments: Any) -> SupplierProfile:
        """Run the service function `change` with `arguments` (which supplier, which part, what
        changes)."""
        supplier = change(self.session, caller=self.caller, if_match=self.if_match, **arguments)
        return _profile_with_etag(self.response, self.session, self.catalog, supplier)


ReadingDep = Annotated[Reading, Depends()]
WritingDep = Annotated[Writing, Depends()]
CreatingDep = Annotated[Creating, Depends()]
AddingDep = Annotated[Adding, Depends()]
EditingDep = Annotated[Editing, Depends()]
ProfileEditDep = Annotated[ProfileEdit, Depends()]


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
    status_code=status.HTTP_201_CREATED,
    response_model=SupplierProfile,
    responses={**problem_responses(409), **etag_response(201, location=True)},
    summary="Register a supplier with its contacts and AI products (linked to AI systems)",
)
def create_supplier(body: SupplierCreate, write: CreatingDep) -> JSONResponse:
    def create() -> Created:
        supplier = service.create_supplier(write.session, caller=write.caller, data=body)
        view = views.supplier_profile(write.session, write.catalog, supplier)
        return created(view, location=f"/v1/suppliers/{supplier.id}", revision=supplier.revision)

    return write.once(body, create)


@router.get(
    "/v1/suppliers",
    responses=problem_responses(400),
    summary="List suppliers with their current tier, newest first",
    description="Newest first (by registration time, then id).",
)
def list_suppliers(read: ReadingDep, page: PageDep, q: NamePart = None) -> Page[SupplierPublic]:
    found, next_cursor = service.list_suppliers(read.session, caller=read.caller, q=q, **page)
    tiers = service.current_tiers(read.session, [s.id for s in found])
    items = [views.supplier_public(s, tiers.get(s.id)) for s in found]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/v1/suppliers/{supplier_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="A supplier's profile: current tier, contractual controls, contacts, products, history",
)
def get_supplier(supplier_id: uuid.UUID, response: Response, read: ReadingDep) -> SupplierProfile:
    supplier = service.get_supplier(read.session, caller=read.caller, supplier_id=supplier_id)
    return _profile_with_etag(response, read.session, read.catalog, supplier)


@router.patch(
    "/v1/suppliers/{supplier_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Change a supplier's details (needs If-Match)",
)
def update_supplier(
    supplier_id: uuid.UUID, body: SupplierUpdate, edit: ProfileEditDep
) -> SupplierProfile:
    return edit.apply(service.update_supplier, supplier_id=supplier_id, data=body)


@router.post(
    "/v1/suppliers/{supplier_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactPublic,
    responses=problem_responses(404, 409),
    summary="Add a contact to a supplier",
)
def add_supplier_contact(body: ContactCreate, write: AddingDep) -> JSONResponse:
    def create() -> Created:
        contact = service.add_contact(
            write.session, caller=write.caller, supplier_id=write.supplier_id, data=body
        )
        return created(ContactPublic.model_validate(contact, from_attributes=True))

    return write.once(body, create)


@router.post(
    "/v1/suppliers/{supplier_id}/products",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductPublic,
    responses=problem_responses(404),
    summary="Add an AI product or service of a supplier, linked to the AI systems built on it",
)
def add_supplier_product(body: ProductCreate, write: AddingDep) -> JSONResponse:
    def create() -> Created:
        product = service.add_product(
            write.session, caller=write.caller, supplier_id=write.supplier_id, data=body
        )
        system_ids = sorted(dict.fromkeys(body.system_ids), key=str)
        return created(views.product_public(product, system_ids))

    return write.once(body, create)


@router.patch(
    "/v1/suppliers/{supplier_id}/contacts/{contact_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Correct a contact's name, e-mail or role (needs the supplier's If-Match)",
)
def update_supplier_contact(
    supplier_id: uuid.UUID, contact_id: uuid.UUID, body: ContactUpdate, edit: ProfileEditDep
) -> SupplierProfile:
    return edit.apply(
        service.update_contact, supplier_id=supplier_id, contact_id=contact_id, data=body
    )


@router.delete(
    "/v1/suppliers/{supplier_id}/contacts/{contact_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Remove a contact that never received a request (needs the supplier's If-Match)",
)
def remove_supplier_contact(
    supplier_id: uuid.UUID, contact_id: uuid.UUID, edit: ProfileEditDep
) -> SupplierProfile:
    return edit.apply(service.remove_contact, supplier_id=supplier_id, contact_id=contact_id)


@router.patch(
    "/v1/suppliers/{supplier_id}/products/{product_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Change a product or the AI systems linked to it (needs the supplier's If-Match)",
)
def update_supplier_product(
    supplier_id: uuid.UUID, product_id: uuid.UUID, body: ProductUpdate, edit: ProfileEditDep
) -> SupplierProfile:
    return edit.apply(
        service.update_product, supplier_id=supplier_id, product_id=product_id, data=body
    )


@router.delete(
    "/v1/suppliers/{supplier_id}/products/{product_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Remove a product; requests about it stay, without the link (needs If-Match)",
)
def remove_supplier_product(
    supplier_id: uuid.UUID, product_id: uuid.UUID, edit: ProfileEditDep
) -> SupplierProfile:
    return edit.apply(service.remove_product, supplier_id=supplier_id, product_id=product_id)


# --- vendor requests ------------------------------------------------------------------------


@router.post(
    "/v1/suppliers/{supplier_id}/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=VendorRequestCreated,
    responses={**problem_responses(404, 409), **etag_response(201, location=True)},
    summary="Send a questionnaire to a supplier contact (e-mails the invitation link)",
)
def create_supplier_request(
    supplier_id: uuid.UUID, body: RequestCreate, settings: SettingsDep, write: CreatingDep
) -> JSONResponse:
    session, catalog = write.session, write.catalog
    issued_link: list[str | None] = [None]

    def create() -> Created:
        outcome = vendor_requests.create_request(
            session,
            catalog,
            settings=settings,
            mailer=Mailer.from_settings(settings),
            caller=write.caller,
            supplier_id=supplier_id,
            data=body,
        )
        issued_link[0] = outcome.issued.link
        prefill = views.prefill_report(outcome.request, outcome.prefill)
        # The stored (replayable) response never carries the link; see _with_link.
        hidden = dataclasses.replace(outcome.issued, link=None)
        view = views.request_created(
            session, catalog, outcome.request, outcome.assessment, hidden, prefill
        )
        location = f"/v1/supplier-requests/{outcome.request.id}"
        return created(view, location=location, revision=outcome.assessment.revision)

    return _with_link(write.once(body, create), issued_link[0])


@router.get(
    "/v1/supplier-requests",
    responses=problem_responses(400),
    summary="List vendor requests, newest first",
    description="Newest first (by creation time, then id); the filters combine with AND.",
)
def list_supplier_requests(
    read: ReadingDep, page: PageDep, supplier_id: uuid.UUID | None = None
) -> Page[VendorRequestSummary]:
    rows, next_cursor = vendor_requests.list_requests(
        read.session, caller=read.caller, supplier_id=supplier_id, **page
    )
    items = [views.request_summary(r, a, name) for r, a, name in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/v1/supplier-requests/{request_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="A vendor request: answers, evidence, derived tier and contractual controls",
)
def get_supplier_request(
    request_id: uuid.UUID, response: Response, read: ReadingDep
) -> VendorRequestPublic:
    request, assessment = vendor_requests.get_request(
        read.session, caller=read.caller, request_id=request_id
    )
    view = views.request_public(read.session, read.catalog, request, assessment)
    return with_etag(response, assessment.revision, view)


@router.post(
    "/v1/supplier-requests/{request_id}/invitation",
    responses=problem_responses(404, 409),
    summary="Issue a new invitation link (the old one stops working) and e-mail it",
)
def resend_supplier_invitation(
    request_id: uuid.UUID, settings: SettingsDep, write: WritingDep, body: Resend | None = None
) -> VendorRequestCreated:
    session, catalog = write.session, write.catalog
    request, assessment, issued = vendor_requests.resend_invitation(
        session,
        catalog,
        settings=settings,
        mailer=Mailer.from_settings(settings),
        caller=write.caller,
        request_id=request_id,
        data=body or Resend(),
    )
    return views.request_created(session, catalog, request, assessment, issued, None)


@router.post(
    "/v1/supplier-requests/{request_id}/invitation/revoke",
    responses=problem_responses(404),
    summary="Stop the invitation link from opening anything",
)
def revoke_supplier_invitation(request_id: uuid.UUID, write: WritingDep) -> VendorRequestPublic:
    request, assessment = vendor_requests.revoke_invitation(
        write.session, caller=write.caller, request_id=request_id
    )
    return views.request_public(write.session, write.catalog, request, assessment)


@router.post(
    "/v1/supplier-requests/{request_id}/review",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Accept, reject, or ask the supplier to clarify specific questions (needs If-Match)",
)
def review_supplier_request(
    request_id: uuid.UUID, body: VendorRequestReviewBody, edit: EditingDep
) -> VendorRequestPublic:
    session, catalog = edit.session, edit.catalog
    # The body's fields (decision, comment, item comments) are the service's arguments.
    request, assessment = vendor_requests.review_request(
        session,
        catalog,
        caller=edit.caller,
        request_id=request_id,
        if_match=edit.if_match,
        **body.model_dump(),
    )
    view = views.request_public(session, catalog, request, assessment)
    return with_etag(edit.response, assessment.revision, view)


@router.get(
    "/v1/supplier-requests/{request_id}/evidence/{evidence_id}/content",
    response_class=FileResponse,
    responses=DOWNLOAD_RESPONSES,
    summary="Download an evidence file (its SHA-256 is in the Repr-Digest header)",
)
def download_supplier_evidence(
    request_id: uuid.UUID, evidence_id: uuid.UUID, settings: SettingsDep, read: ReadingDep
) -> FileResponse:
    evidence = vendor_requests.get_evidence(
        read.session, caller=read.caller, request_id=request_id, evidence_id=evidence_id
    )
    return EvidenceStore(settings.evidence_dir).download(evidence)
