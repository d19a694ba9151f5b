"""Tables of users, memberships, sign-in sessions and one-time tokens (invitations, resets)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import OrganizationRow, UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A person. E-mail and name are the only personal data, so pseudonymising them is enough."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    display_name: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Membership(OrganizationRow, table=True):
    """A user's role in one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "user_id", name="uq_memberships_org_user"),
        sa.Index("ix_memberships_user_id", "user_id"),
    )

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    role: str = Field(max_length=16)
    revision: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An admin deactivates a person in their own organisation only; the user row goes inactive
    # when no active membership is left.
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    """A browser sign-in. Only the SHA-256 of its 256-bit id is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_agent: str | None = Field(default=None, max_length=300)


class UserToken(SQLModel, table=True):
    """A one-time link: an invitation to an organisation, or a password reset. Stored hashed."""

    __tablename__ = "user_tokens"
    __table_args__ = (sa.Index("ix_user_tokens_organization_id", "organization_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    kind: str = Field(max_length=16, description="invitation | password_reset")
    email: str = Field(max_length=254)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", ondelete="CASCADE"
    )
    role: str | None = Field(default=None, max_length=16)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_user_id: uuid.UUID | None = Field(default=None)
    created_by_key_id: uuid.UUID | None = Field(default=None)


class OidcLogin(SQLModel, table=True):
    """One started single sign-on: its state (hashed), nonce and PKCE verifier, used once."""

    __tablename__ = "oidc_logins"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    state_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
