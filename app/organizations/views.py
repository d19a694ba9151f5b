"""API keys as the API shows them (never their secret or its hash)."""

from __future__ import annotations

from app.organizations.models import ApiKey
from app.organizations.schemas import ApiKeyPublic
from app.views import view


def api_key_public(key: ApiKey) -> ApiKeyPublic:
    return view(ApiKeyPublic, key, active=key.revoked_at is None)
