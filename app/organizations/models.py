"""Tables of organisations and API keys."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import JSONType, OrganizationRow, UTCDateTime, utcnow

AUDIT_GENESIS = "0" * 64  # the prev_hash of an organisation's first audit event


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The head of the audit chain, moved by every append in its transaction: deleting events
    # from the end of the log leaves it pointing past them (see app.audit.service).
    audit_head_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    audit_head_hash: str = Field(
        default=AUDIT_GENESIS, max_length=64, sa_column_kwargs={"server_default": AUDIT_GENESIS}
    )


class ApiKey(OrganizationRow, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        sa.Index("ix_api_keys_organization_id_created_at", "organization_id", "created_at"),
    )

    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16, description="Visible start of the key, to recognise it.")
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    scopes: list[str] = Field(sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_key_id: uuid.UUID | None = Field(default=None)
    user_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="users.id",
        ondelete="CASCADE",
        description="The owner of a personal key (it acts as them); None for a service key.",
    )
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
