"""Who is calling: API keys and signed-in people, one `Caller` for both, and scope checks.

Keys look like ``aas_<43 url-safe characters>`` (256 random bits); people sign in and carry a
server-side session whose 256-bit id travels in the ``__Host-aas_session`` cookie. Only the
SHA-256 of a key or session id is stored. This module builds the caller from plain records that
an `IdentityStore` reads (the people package provides it), so it imports no domain package.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Protocol

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.actor import Actor
from app.db import READ_METHODS, SessionDep, ahead_of_the_transaction, is_read_request, utcnow
from app.deps import SettingsDep
from app.errors import AppError, ForbiddenError, ProblemType, UnauthenticatedError
from app.settings import Settings

KEY_PREFIX = "aas_"
VISIBLE_PREFIX_LENGTH = 12
SESSION_COOKIE = "__Host-aas_session"


class Scope(StrEnum):
    """What a caller may do. ``admin`` may do everything."""

    ADMIN = "admin"
    READ = "read"
    SYSTEMS_WRITE = "systems:write"
    ASSESSMENTS_WRITE = "assessments:write"
    ASSESSMENTS_REVIEW = "assessments:review"
    PROCUREMENT = "procurement"


class Role(StrEnum):
    """A person's role in an organisation; it grants the scopes of `ROLE_SCOPES`."""

    ADMIN = "admin"
    ASSESSOR = "assessor"
    REVIEWER = "reviewer"
    PROCUREMENT = "procurement"
    VIEWER = "viewer"


# The one table from roles to scopes (README "People and sign-in" repeats it): routes check scopes
# only, so a person and a key pass the same rule.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset({Scope.ADMIN}),
    Role.ASSESSOR: frozenset({Scope.READ, Scope.SYSTEMS_WRITE, Scope.ASSESSMENTS_WRITE}),
    Role.REVIEWER: frozenset({Scope.READ, Scope.ASSESSMENTS_REVIEW}),
    Role.PROCUREMENT: frozenset({Scope.READ, Scope.PROCUREMENT}),
    Role.VIEWER: frozenset({Scope.READ}),
}


def narrow_to_role(scopes: frozenset[str], role: str) -> frozenset[str]:
    """A personal key's scopes: what the key has and the role allows (admin allows all)."""
    allowed = ROLE_SCOPES[Role(role)]
    if Scope.ADMIN in allowed:
        return scopes
    if Scope.ADMIN in scopes:
        return frozenset(s.value for s in allowed)
    return frozenset(s for s in scopes if s in allowed)


class Caller(Protocol):
    """Whoever acts on an organisation's data: a person, an API key, or a supplier's invitation."""

    @property
    def organization_id(self) -> uuid.UUID: ...

    @property
    def key_id(self) -> uuid.UUID | None: ...

    @property
    def user_id(self) -> uuid.UUID | None: ...

    @property
    def actor(self) -> Actor: ...


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a person (session), a personal key, or a service key."""

    organization_id: uuid.UUID
    scopes: frozenset[str]
    key_id: uuid.UUID | None = None
    key_name: str | None = None
    user_id: uuid.UUID | None = None
    role: str | None = None
    session_id: uuid.UUID | None = None

    @classmethod
    def signed_in(
        cls, organization_id: uuid.UUID, user_id: uuid.UUID, role: str, session_id: uuid.UUID
    ) -> Principal:
        """A person signed in to an organisation, with the scopes their role there grants."""
        return cls(
            organization_id=organization_id,
            scopes=frozenset(s.value for s in ROLE_SCOPES[Role(role)]),
            user_id=user_id,
            role=role,
            session_id=session_id,
        )

    @property
    def kind(self) -> Literal["person", "key"]:
        return "key" if self.key_id is not None else "person"

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes

    @property
    def actor(self) -> Actor:
        """How this caller appears in the audit log: a person by id only, never by name."""
        if self.user_id is not None:
            return Actor(key_id=self.key_id, user_id=self.user_id, name=f"user {self.user_id}")
        return Actor(key_id=self.key_id, name=f"api key '{self.key_name}'")


@dataclass(frozen=True)
class Operator:
    """Someone acting for an organisation with no credential of it: the command line, the first
    start, a supplier's contact through an invitation link, a person accepting an invitation. The
    audit log names them by `name` (and a person also by `user_id`)."""

    organization_id: uuid.UUID
    name: str
    key_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor(key_id=None, name=self.name, user_id=self.user_id)


COMMAND_LINE = "command line"


def command_line(organization_id: uuid.UUID) -> Operator:
    """The command line acting for an organisation; the audit log names it "command line"."""
    return Operator(organization_id, COMMAND_LINE)


@dataclass(frozen=True)
class KeyRecord:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    scopes: list[str]
    revoked: bool
    last_used_at: datetime | None
    user_id: uuid.UUID | None
    # The owner's role in the key's organisation; None when the owner is inactive or left.
    owner_role: str | None


@dataclass(frozen=True)
class SessionRecord:
    id: uuid.UUID
    user_id: uuid.UUID
    organization_id: uuid.UUID
    last_seen_at: datetime
    expires_at: datetime
    ended: bool
    user_active: bool
    # The user's role in the session's organisation; None when the membership is gone.
    role: str | None


@dataclass(frozen=True)
class Use:
    """A use of a key or session to note: at `now`, over a note from `threshold` or before; a
    read-only request notes it aside."""

    now: datetime
    threshold: datetime
    read_only: bool


class IdentityStore(Protocol):
    """Reads keys and sessions by hash, and notes their use."""

    def key(self, session: Session, secret_hash: str) -> KeyRecord | None: ...

    def session(self, session: Session, secret_hash: str) -> SessionRecord | None: ...

    def touch_key(self, session: Session, key_id: uuid.UUID, use: Use) -> None: ...

    def touch_session(self, session: Session, session_id: uuid.UUID, use: Use) -> None: ...


_store: IdentityStore | None = None


def install_identity_store(store: IdentityStore) -> None:
    """Called once by the app factory."""
    global _store
    _store = store


def identity_store() -> IdentityStore:
    if _store is None:
        raise RuntimeError("no identity store installed (create_app installs it)")
    return _store


def generate_key() -> tuple[str, str, str]:
    """A new key: (the secret shown once, its visible prefix, the hash to store)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:VISIBLE_PREFIX_LENGTH], hash_key(secret)


def hash_key(secret: str) -> str:
    # Keys, session ids and tokens carry 256 random bits, so a fast hash is as safe as a slow one
    # and lookups stay O(1).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    """A 256-bit random secret (session id, one-time token) and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_key(secret)


def unauthenticated(detail: str) -> AppError:
    return UnauthenticatedError(detail)


def csrf_rejected() -> AppError:
    return ForbiddenError(
        ProblemType.CSRF_REJECTED,
        "A write authenticated by the session cookie must come from the service's own origin "
        "(Origin header); nothing was changed.",
    )


@dataclass(frozen=True)
class Credential:
    """What a request authenticates with: an API key, or a session cookie and its request's
    method and Origin (for the CSRF check)."""

    kind: Literal["key", "session"]
    secret: str
    method: str = "GET"
    origin: str | None = None


def check_origin(settings: Settings, origin: str | None, *, required: bool) -> None:
    """Strict Origin check: a browser write must come from the public origin or a trusted one."""
    if origin is None:
        if required:
            raise csrf_rejected()
        return
    if origin.rstrip("/") not in settings.allowed_origins:
        raise csrf_rejected()


def _lookup(session: Session, *, read_only: bool) -> AbstractContextManager[None]:
    """A read request's key or session lookup runs before its transaction, not in it: when it
    is the request's only statement, there is no BEGIN or COMMIT to wait for (PostgreSQL)."""
    return ahead_of_the_transaction(session) if read_only else nullcontext()


def authenticate(
    session: Session, settings: Settings, credential: Credential | str, *, read_only: bool = False
) -> Principal:
    """The caller of a credential, or 401 (403 for a cookie write from a foreign origin)."""
    if isinstance(credential, str):
        credential = Credential("key", credential)
    store = identity_store()
    now = utcnow()
    threshold = now - timedelta(seconds=settings.key_last_used_resolution_seconds)
    if credential.kind == "key":
        with _lookup(session, read_only=read_only):
            key = store.key(session, hash_key(credential.secret))
        if key is None or key.revoked or (key.user_id is not None and key.owner_role is None):
            raise unauthenticated("The API key is unknown or revoked.")
        if key.last_used_at is None or key.last_used_at <= threshold:
            store.touch_key(session, key.id, Use(now, threshold, read_only))
        scopes = frozenset(key.scopes)
        if key.owner_role is not None:
            scopes = narrow_to_role(scopes, key.owner_role)
        return Principal(
            organization_id=key.organization_id,
            scopes=scopes,
            key_id=key.id,
            key_name=key.name,
            user_id=key.user_id,
            role=key.owner_role,
        )
    if credential.method not in READ_METHODS:
        check_origin(settings, credential.origin, required=True)
    with _lookup(session, read_only=read_only):
        record = store.session(session, hash_key(credential.secret))
    idle = timedelta(minutes=settings.session_idle_minutes)
    if (
        record is None
        or record.ended
        or not record.user_active
        or record.role is None
        or now >= record.expires_at
        or now - record.last_seen_at >= idle
    ):
        raise unauthenticated("The session has ended; sign in again.")
    if record.last_seen_at <= threshold:
        store.touch_session(session, record.id, Use(now, threshold, read_only))
    return Principal.signed_in(record.organization_id, record.user_id, record.role, record.id)


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer aas_...`")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The session of a signed-in person (set by signIn); writes need our Origin.",
)

BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
CookieDep = Annotated[str | None, Depends(_cookie)]


def request_credential(
    request: Request, credentials: HTTPAuthorizationCredentials | None, cookie: str | None
) -> Credential:
    """The key (preferred when both are sent) or the session cookie of a request, or 401."""
    if credentials is not None:
        return Credential("key", credentials.credentials)
    if cookie:
        return Credential("session", cookie, request.method, request.headers.get("origin"))
    raise unauthenticated("Sign in, or send an API key as `Authorization: Bearer <key>`.")


async def get_credential(request: Request, credentials: BearerDep, cookie: CookieDep) -> Credential:
    """The credential of a request whose route authenticates it later (see assessments.autosave)."""
    return request_credential(request, credentials, cookie)


CredentialDep = Annotated[Credential, Depends(get_credential)]


def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerDep,
    cookie: CookieDep,
) -> Principal:
    return authenticate(
        session,
        settings,
        request_credential(request, credentials, cookie),
        read_only=is_read_request(request),
    )


def check_scope(principal: Principal, *scopes: Scope) -> Principal:
    """The principal, or 403 when it has none of `scopes`."""
    if not any(principal.has(scope) for scope in scopes):
        wanted = " or ".join(f"'{scope.value}'" for scope in scopes)
        who = "This API key lacks" if principal.kind == "key" else "Your role lacks"
        raise ForbiddenError(ProblemType.INSUFFICIENT_SCOPE, f"{who} the {wanted} scope.")
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
