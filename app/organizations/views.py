"""API keys as the API shows them (never their secret or its hash)."""

from __future__ import annotations

from app.organizations.models import ApiKey
from app.organizations.schemas import ApiKeyPublic


def api_key_public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=key.scopes,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        active=key.revoked_at is None,
        user_id=key.user_id,
    )
