"""HTTP layer of the audit log: read it and verify its chain."""

from typing import Annotated

from fastapi import Query

from app.audit import service
from app.audit.schemas import AuditCheckpointPublic, AuditEventPublic, AuditVerification
from app.errors import problem_responses
from app.pagination import Page
from app.route_helpers import ReadAccess, ReadListing, from_row, page_of
from app.routing import AUTHENTICATED, problem_router

router = problem_router(AUTHENTICATED, prefix="/v1/audit-events", tags=["audit"])


@router.get(
    "",
    responses=problem_responses(400),
    summary="The audit log, newest first",
    description="Newest first (highest sequence number first); `cursor` continues with the "
    "events written before the last one of the previous page. Verification walks the chain "
    "oldest first: see `verifyAuditLog`.",
)
def list_audit_events(
    listing: ReadListing,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditEventPublic]:
    found = service.list_events(
        **listing, entity_type=entity_type, entity_id=entity_id, action=action
    )
    return page_of(found, from_row(AuditEventPublic))


@router.get(
    "/checkpoints",
    responses=problem_responses(400),
    summary="The signed checkpoints of the audit log, oldest first, to keep a copy elsewhere",
    description="Oldest first (by the sequence number each checkpoint seals), unlike the other "
    "lists: a copy kept elsewhere grows page by page at its end.",
)
def list_audit_checkpoints(listing: ReadListing) -> Page[AuditCheckpointPublic]:
    return page_of(service.list_checkpoints(**listing), from_row(AuditCheckpointPublic))


@router.get(
    "/verify",
    summary="Check the hash chain from the latest checkpoint (or all of it) to the recorded head",
)
def verify_audit_log(
    access: ReadAccess,
    full: Annotated[
        bool, Query(description="Check every event, not only those since the latest checkpoint.")
    ] = False,
) -> AuditVerification:
    result = service.verify(**access, full=full)
    return AuditVerification.model_validate(result, from_attributes=True)
