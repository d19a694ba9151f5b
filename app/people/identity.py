"""The identity store `app.auth` builds callers from: keys and sessions read by their hash."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth import KeyRecord, SessionRecord
from app.db import record_aside
from app.organizations.models import ApiKey
from app.people.models import Membership, User, UserSession


def _role(session: Session, user_id: uuid.UUID, organization_id: uuid.UUID) -> str | None:
    """The role of an active user in an organisation, or None."""
    row = session.exec(
        select(Membership.role)
        .join(User, col(User.id) == Membership.user_id)
        .where(
            Membership.user_id == user_id,
            Membership.organization_id == organization_id,
            col(Membership.deactivated_at).is_(None),
            User.status == "active",
        )
    ).first()
    return row


class PeopleIdentityStore:
    def key(self, session: Session, secret_hash: str) -> KeyRecord | None:
        key = session.exec(select(ApiKey).where(ApiKey.secret_hash == secret_hash)).first()
        if key is None:
            return None
        owner_role = None
        if key.user_id is not None:
            owner_role = _role(session, key.user_id, key.organization_id)
        return KeyRecord(
            id=key.id,
            organization_id=key.organization_id,
            name=key.name,
            scopes=list(key.scopes),
            revoked=key.revoked_at is not None,
            last_used_at=key.last_used_at,
            user_id=key.user_id,
            owner_role=owner_role,
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
        return SessionRecord(
            id=user_session.id,
            user_id=user_session.user_id,
            organization_id=user_session.organization_id,
            last_seen_at=user_session.last_seen_at,
            expires_at=user_session.expires_at,
            ended=user_session.ended_at is not None,
            user_active=status == "active",
            role=role,
        )

    def touch_key(
        self,
        session: Session,
        key_id: uuid.UUID,
        now: datetime,
        threshold: datetime,
        *,
        read_only: bool,
    ) -> None:
        statement = (
            sa.update(ApiKey)
            .where(
                col(ApiKey.id) == key_id,
                sa.or_(col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) <= threshold),
            )
            .values(last_used_at=now)
        )
        record_aside(session, statement, read_only=read_only, what="the use of an API key")

    def touch_session(
        self,
        session: Session,
        session_id: uuid.UUID,
        now: datetime,
        threshold: datetime,
        *,
        read_only: bool,
    ) -> None:
        statement = (
            sa.update(UserSession)
            .where(col(UserSession.id) == session_id, col(UserSession.last_seen_at) <= threshold)
            .values(last_seen_at=now)
        )
        record_aside(session, statement, read_only=read_only, what="the use of a session")
