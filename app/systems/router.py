"""HTTP layer of the AI-system inventory."""

import uuid
from typing import Annotated

from fastapi import Query, Response
from fastapi.responses import JSONResponse

from app.concurrency import etag_response, with_etag
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.pagination import Page
from app.route_helpers import (
    ReadAccess,
    ReadListing,
    SystemsWriteAccess,
    SystemsWriteChange,
    creation,
    from_row,
    page_of,
)
from app.routing import AUTHENTICATED, problem_router
from app.systems import service
from app.systems.models import AISystem, LifecycleStage, Sourcing, SystemStatus
from app.systems.schemas import AISystemCreate, AISystemPublic, AISystemUpdate

router = problem_router(AUTHENTICATED, prefix="/v1/ai-systems", tags=["ai systems"])

CHANGED = {**problem_responses(404, 409, 412, 428), **etag_response(200)}
_view = from_row(AISystemPublic)


def _public(system: AISystem, response: Response) -> AISystemPublic:
    return with_etag(response, system.revision, _view(system))


@router.post("", summary="Register an AI system in the inventory", **creation(AISystemPublic))
def create_ai_system(
    body: AISystemCreate, access: SystemsWriteAccess, idempotency: IdempotencyDep
) -> JSONResponse:
    def create() -> Created:
        system = service.create_system(**access, data=body)
        location = f"/v1/ai-systems/{system.id}"
        return created(_view(system), location=location, revision=system.revision)

    return idempotency.run(**access, body=body, create=create)


@router.get(
    "",
    responses=problem_responses(400),
    summary="List AI systems, newest first",
    description="Newest first (by registration time, then id); the filters combine with AND.",
)
def list_ai_systems(
    listing: ReadListing,
    status_: Annotated[
        SystemStatus | None,
        Query(alias="status", description="active (default) or retired."),
    ] = SystemStatus.ACTIVE,
    include_retired: Annotated[
        bool, Query(description="List active and retired systems (ignores `status`).")
    ] = False,
    lifecycle_stage: LifecycleStage | None = None,
    sourcing: Sourcing | None = None,
    business_unit: Annotated[str | None, Query(max_length=200)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[AISystemPublic]:
    filters = service.SystemFilters(
        status=None if include_retired else status_,
        lifecycle_stage=lifecycle_stage.value if lifecycle_stage else None,
        sourcing=sourcing.value if sourcing else None,
        business_unit=business_unit,
        owner=owner,
        tag=tag,
        region=region,
        q=q,
    )
    return page_of(service.list_systems(**listing, filters=filters), _view)


@router.get(
    "/{system_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="Get one AI system (with its ETag)",
)
def get_ai_system(system_id: uuid.UUID, response: Response, access: ReadAccess) -> AISystemPublic:
    return _public(service.get_system(**access, system_id=system_id), response)


@router.patch("/{system_id}", responses=CHANGED, summary="Change an AI system (needs If-Match)")
def update_ai_system(
    system_id: uuid.UUID, body: AISystemUpdate, response: Response, change: SystemsWriteChange
) -> AISystemPublic:
    return _public(service.update_system(**change, system_id=system_id, data=body), response)


@router.post(
    "/{system_id}/retire",
    responses=CHANGED,
    summary="Retire an AI system (needs If-Match); it is kept, never deleted",
)
def retire_ai_system(
    system_id: uuid.UUID, response: Response, change: SystemsWriteChange
) -> AISystemPublic:
    return _public(service.retire_system(**change, system_id=system_id), response)
