"""API-key authentication and scope checks.

Keys look like ``aas_<43 url-safe characters>`` (256 random bits). Only their SHA-256 is stored,
with a short visible prefix; a key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Protocol

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, col, select

from app.audit.service import Actor
from app.db import READ_METHODS, SessionDep, record_aside, utcnow
from app.errors import AppError
from app.organizations.models import ApiKey
from app.settings import Settings

KEY_PREFIX = "aas_"
VISIBLE_PREFIX_LENGTH = 12


class Scope(StrEnum):
    """What a key may do. ``admin`` may do everything."""

    ADMIN = "admin"
    READ = "read"
    SYSTEMS_WRITE = "systems:write"
    ASSESSMENTS_WRITE = "assessments:write"
    ASSESSMENTS_REVIEW = "assessments:review"
    PROCUREMENT = "procurement"


class Caller(Protocol):
    """Whoever acts on an organisation's data: an API key, or a supplier through its invitation."""

    @property
    def organization_id(self) -> uuid.UUID: ...

    @property
    def key_id(self) -> uuid.UUID | None: ...

    @property
    def actor(self) -> Actor: ...


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: one API key of one organisation."""

    organization_id: uuid.UUID
    key_id: uuid.UUID
    key_name: str
    scopes: frozenset[str]

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes

    @property
    def actor(self) -> Actor:
        """How this caller appears in the audit log."""
        return Actor(key_id=self.key_id, name=f"api key '{self.key_name}'")


def generate_key() -> tuple[str, str, str]:
    """A new key: (the secret shown once, its visible prefix, the hash to store)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:VISIBLE_PREFIX_LENGTH], hash_key(secret)


def hash_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and lookups stay O(1).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer aas_...`")


def _unauthenticated(detail: str) -> AppError:
    return AppError(
        status=401,
        type="unauthenticated",
        title="Unauthenticated",
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


def _record_use(
    session: Session, key_id: uuid.UUID, now: datetime, threshold: datetime, *, read_only: bool
) -> None:
    """Record when a key was last used, at most once per resolution window."""
    statement = (
        sa.update(ApiKey)
        .where(
            col(ApiKey.id) == key_id,
            sa.or_(col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) <= threshold),
        )
        .values(last_used_at=now)
    )
    record_aside(session, statement, read_only=read_only, what="the use of an API key")


def authenticate(
    session: Session, settings: Settings, token: str, *, read_only: bool = False
) -> Principal:
    """The principal of a bearer token, or 401; records when the key was last used."""
    key = session.exec(select(ApiKey).where(ApiKey.secret_hash == hash_key(token))).first()
    if key is None or key.revoked_at is not None:
        raise _unauthenticated("The API key is unknown or revoked.")
    now = utcnow()
    threshold = now - timedelta(seconds=settings.key_last_used_resolution_seconds)
    if key.last_used_at is None or key.last_used_at <= threshold:
        _record_use(session, key.id, now, threshold, read_only=read_only)
    return Principal(
        organization_id=key.organization_id,
        key_id=key.id,
        key_name=key.name,
        scopes=frozenset(key.scopes),
    )


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The API key sent as `Authorization: Bearer <key>`, or 401."""
    if credentials is None:  # HTTPBearer answers None for a missing, empty or other scheme
        raise _unauthenticated("Send an API key as `Authorization: Bearer <key>`.")
    return credentials.credentials


async def get_bearer_token(credentials: BearerDep) -> str:
    """The API key of a request whose route authenticates it later (see assessments.autosave)."""
    return bearer_token(credentials)


TokenDep = Annotated[str, Depends(get_bearer_token)]


def get_principal(request: Request, session: SessionDep, credentials: BearerDep) -> Principal:
    settings: Settings = request.app.state.settings
    return authenticate(
        session, settings, bearer_token(credentials), read_only=request.method in READ_METHODS
    )


def check_scope(principal: Principal, *scopes: Scope) -> Principal:
    """The principal, or 403 when its key has none of `scopes`."""
    if not any(principal.has(scope) for scope in scopes):
        wanted = " or ".join(f"'{scope.value}'" for scope in scopes)
        raise AppError(
            status=403,
            type="insufficient-scope",
            title="Forbidden",
            detail=f"This API key lacks the {wanted} scope.",
        )
    return principal


def require_scope(*scopes: Scope | str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks it has one of `scopes`."""
    wanted = tuple(Scope(scope) for scope in scopes)

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return check_scope(principal, *wanted)

    return dependency


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ReadDep = Annotated[Principal, Depends(require_scope(Scope.READ))]
AdminDep = Annotated[Principal, Depends(require_scope(Scope.ADMIN))]
