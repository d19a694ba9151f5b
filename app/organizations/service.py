"""Organisations and API keys: create, list, revoke. Services flush; the request commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller, Operator, Scope, command_line, generate_key
from app.db import get_owned, utcnow
from app.errors import ConflictError, NotFoundError, ProblemType
from app.organizations.models import ApiKey, Organization
from app.pagination import fetch_page
from app.text_guard import check_name

DEFAULT_ORGANIZATION_SLUG = "default"


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


def get_organization(session: Session, *, organization_id: uuid.UUID) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFoundError("organisation", organization_id)
    return org


def get_organization_by_slug(session: Session, *, slug: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def command_line_for(session: Session, *, slug: str) -> Operator | None:
    """The command line acting for the organisation `slug`, or None when there is none."""
    organization = get_organization_by_slug(session, slug=slug)
    return None if organization is None else command_line(organization.id)


def create_organization(session: Session, *, slug: str, name: str) -> Organization:
    check_name(name)
    if get_organization_by_slug(session, slug=slug) is not None:
        raise ConflictError(f"An organisation '{slug}' exists already.")
    org = Organization(slug=slug, name=name)
    session.add(org)
    session.flush()
    return org


def create_key(
    session: Session,
    *,
    caller: Caller,
    name: str,
    scopes: Iterable[Scope | str],
    user_id: uuid.UUID | None = None,
) -> CreatedKey:
    check_name(name)
    secret, prefix, secret_hash = generate_key()
    key = ApiKey(
        organization_id=caller.organization_id,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=sorted({Scope(s).value for s in scopes}),
        created_by_key_id=caller.key_id,
        user_id=user_id,
    )
    session.add(key)
    session.flush()
    _audit(session, key, caller.actor, "created", None)
    return CreatedKey(key=key, secret=secret)


def key_snapshot(key: ApiKey) -> dict[str, object]:
    """What the audit log keeps of a key: never its hash."""
    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "user_id": str(key.user_id) if key.user_id else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def _audit(
    session: Session, key: ApiKey, actor: Actor, action: str, before: dict[str, object] | None
) -> None:
    audit.record_change(
        session, "api_key", key, action, actor=actor, before=before, after=key_snapshot(key)
    )


def list_keys(
    session: Session,
    *,
    caller: Caller,
    include_revoked: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[ApiKey], str | None]:
    statement = select(ApiKey).where(ApiKey.organization_id == caller.organization_id)
    if not include_revoked:
        statement = statement.where(col(ApiKey.revoked_at).is_(None))
    return fetch_page(session, statement, ApiKey, cursor=cursor, limit=limit)


def get_key(session: Session, *, caller: Caller, key_id: uuid.UUID) -> ApiKey:
    return get_owned(session, ApiKey, key_id, caller.organization_id, "API key")


def revoke_key(session: Session, *, caller: Caller, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key; the last active admin key of an organisation cannot be revoked."""
    key = get_key(session, caller=caller, key_id=key_id)
    if key.revoked_at is not None:
        raise ConflictError("This API key is revoked already.", type=ProblemType.ALREADY_REVOKED)
    if Scope.ADMIN in key.scopes:
        # Locked (PostgreSQL; SQLite serialises writes): two revocations of the last two admin
        # keys at once must not both see the other one still active.
        admins = session.exec(
            select(ApiKey)
            .where(
                ApiKey.organization_id == caller.organization_id, col(ApiKey.revoked_at).is_(None)
            )
            .order_by(col(ApiKey.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        if sum(1 for k in admins if Scope.ADMIN in k.scopes) <= 1:
            raise ConflictError(
                "This is the organisation's last active admin key; create another admin key "
                "before revoking it.",
                type=ProblemType.LAST_ADMIN_KEY,
            )
    before = key_snapshot(key)
    key.revoked_at = utcnow()
    session.add(key)
    session.flush()
    _audit(session, key, caller.actor, "revoked", before)
    return key


def bootstrap(session: Session) -> CreatedKey | None:
    """On the very first start: a default organisation with a first admin key. Else nothing."""
    if session.exec(select(Organization).limit(1)).first() is not None:
        return None
    org = create_organization(session, slug=DEFAULT_ORGANIZATION_SLUG, name="Default organisation")
    first_start = Operator(organization_id=org.id, name="first start")
    return create_key(session, caller=first_start, name="first admin", scopes=[Scope.ADMIN])
