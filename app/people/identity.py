"""The identity store `app.auth` builds callers from: keys and sessions read by their hash."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth import KeyRecord, SessionRecord, Use
from app.db import record_aside
from app.organizations.models import ApiKey
from app.people.models import Membership, User, UserSession
from app.views import view


def _owner_role() -> sa.ScalarSelect[str]:
    """The role of a key's owner, active in the key's organisation (NULL for a service key)."""
    return (
        select(Membership.role)
        .join(User, col(User.id) == Membership.user_id)
        .where(
            col(Membership.user_id) == col(ApiKey.user_id),
            col(Membership.organization_id) == col(ApiKey.organization_id),
            col(Membership.deactivated_at).is_(None),
            User.status == "active",
        )
        .limit(1)
        .scalar_subquery()
    )


# One indexed query (the unique secret hash) for a key and its owner's role, read as plain rows:
# every authenticated request makes it.
_KEY_BY_HASH = sa.select(
    col(ApiKey.id),
    col(ApiKey.organization_id),
    col(ApiKey.name),
    col(ApiKey.scopes),
    col(ApiKey.revoked_at),
    col(ApiKey.last_used_at),
    col(ApiKey.user_id),
    _owner_role(),
).where(col(ApiKey.secret_hash) == sa.bindparam("secret_hash"))


class PeopleIdentityStore:
    def key(self, session: Session, secret_hash: str) -> KeyRecord | None:
        row = session.connection().execute(_KEY_BY_HASH, {"secret_hash": secret_hash}).first()
        if row is None:
            return None
        key_id, organization_id, name, scopes, revoked_at, last_used_at, user_id, role = row
        return KeyRecord(
            id=key_id,
            organization_id=organization_id,
            name=name,
            scopes=list(scopes),
            revoked=revoked_at is not None,
            last_used_at=last_used_at,
            user_id=user_id,
            owner_role=role if user_id is not None else None,
        )

    def session(self, session: Session, secret_hash: str) -> SessionRecord | None:
        row = session.exec(
            select(UserSession, User.status, Membership.role)
            .join(User, col(User.id) == UserSession.user_id)
            .join(
                Membership,
                sa.and_(
                    col(Membership.user_id) == UserSession.user_id,
                    col(Membership.organization_id) == UserSession.organization_id,
                    col(Membership.deactivated_at).is_(None),
                ),
                isouter=True,
            )
            .where(UserSession.secret_hash == secret_hash)
        ).first()
        if row is None:
            return None
        user_session, status, role = row
        return view(
            SessionRecord,
            user_session,
            ended=user_session.ended_at is not None,
            user_active=status == "active",
            role=role,
        )

    def touch_key(self, session: Session, key_id: uuid.UUID, use: Use) -> None:
        last_used = col(ApiKey.last_used_at)
        statement = (
            sa.update(ApiKey)
            .where(
                col(ApiKey.id) == key_id, sa.or_(last_used.is_(None), last_used <= use.threshold)
            )
            .values(last_used_at=use.now)
        )
        record_aside(session, statement, read_only=use.read_only, what="the use of an API key")

    def touch_session(self, session: Session, session_id: uuid.UUID, use: Use) -> None:
        statement = (
            sa.update(UserSession)
            .where(
                col(UserSession.id) == session_id, col(UserSession.last_seen_at) <= use.threshold
            )
            .values(last_seen_at=use.now)
        )
        record_aside(session, statement, read_only=use.read_only, what="the use of a session")
