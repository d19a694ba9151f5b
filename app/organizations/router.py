"""HTTP layer for API keys and the caller's identity."""

import uuid
from typing import Annotated

from fastapi import Query, status

from app.auth import AdminDep
from app.db import SessionDep
from app.errors import InvalidFieldError, ProblemType, problem_responses
from app.organizations import service, views
from app.organizations.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
)
from app.pagination import Page
from app.route_helpers import AdminAccess, AdminListing, page_of
from app.routing import AUTHENTICATED, problem_router

router = problem_router(AUTHENTICATED, tags=["api keys"])


@router.post(
    "/v1/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key (its secret is returned this once)",
)
def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: AdminDep) -> ApiKeyCreated:
    if body.personal and principal.user_id is None:
        raise InvalidFieldError(
            "/personal",
            "Only a signed-in person can create a personal key.",
            type=ProblemType.PERSONAL_KEY_NEEDS_PERSON,
            reason="needs a signed-in person",
        )
    created = service.create_key(
        session,
        caller=principal,
        name=body.name,
        scopes=body.scopes,
        user_id=principal.user_id if body.personal else None,
    )
    return ApiKeyCreated(**views.api_key_public(created.key).model_dump(), secret=created.secret)


@router.get(
    "/v1/api-keys",
    responses=problem_responses(400),
    summary="List the organisation's API keys",
    description="Newest first (by creation time, then id).",
)
def list_api_keys(
    listing: AdminListing,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> Page[ApiKeyPublic]:
    found = service.list_keys(**listing, include_revoked=include_revoked)
    return page_of(found, views.api_key_public)


@router.get("/v1/api-keys/{key_id}", responses=problem_responses(404), summary="Get one API key")
def get_api_key(key_id: uuid.UUID, access: AdminAccess) -> ApiKeyPublic:
    return views.api_key_public(service.get_key(**access, key_id=key_id))


@router.post(
    "/v1/api-keys/{key_id}/revoke",
    responses=problem_responses(404, 409),
    summary="Revoke an API key; it stops working at once",
)
def revoke_api_key(key_id: uuid.UUID, access: AdminAccess) -> ApiKeyPublic:
    return views.api_key_public(service.revoke_key(**access, key_id=key_id))
