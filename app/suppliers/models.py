"""Tables of suppliers, their contacts and products, vendor requests, invitations and evidence."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import Created, OrganizationRow, Revised, StoredFile, UTCDateTime, utcnow


class Supplier(Revised, table=True):
    """A company the organisation buys AI products or services from."""

    __tablename__ = "suppliers"
    __table_args__ = (sa.Index("ix_suppliers_org_created", "organization_id", "created_at", "id"),)

    name: str = Field(max_length=200)
    website: str | None = Field(default=None, max_length=500)
    country: str | None = Field(default=None, max_length=2)
    description: str | None = Field(default=None, max_length=4000)


class SupplierContact(OrganizationRow, table=True):
    """A person at a supplier who answers questionnaires."""

    __tablename__ = "supplier_contacts"
    __table_args__ = (
        sa.UniqueConstraint("supplier_id", "email", name="uq_supplier_contacts_supplier_email"),
    )

    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupplierProduct(OrganizationRow, table=True):
    """An AI product or service a supplier provides."""

    __tablename__ = "supplier_products"

    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupplierProductSystem(SQLModel, table=True):
    """An AI system of the inventory that is (built on) a supplier's product."""

    __tablename__ = "supplier_product_systems"

    product_id: uuid.UUID = Field(
        foreign_key="supplier_products.id", ondelete="CASCADE", primary_key=True
    )
    system_id: uuid.UUID = Field(
        foreign_key="ai_systems.id", ondelete="RESTRICT", primary_key=True, index=True
    )
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")


class VendorRequest(Created, table=True):
    """A questionnaire sent to a supplier contact; the answers are its assessment."""

    __tablename__ = "vendor_requests"
    __table_args__ = (
        sa.Index("ix_vendor_requests_org_created", "organization_id", "created_at", "id"),
        sa.Index("ix_vendor_requests_org_supplier", "organization_id", "supplier_id", "created_at"),
        sa.Index("ix_vendor_requests_due", "due_date"),
    )

    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", ondelete="RESTRICT")
    contact_id: uuid.UUID = Field(foreign_key="supplier_contacts.id", ondelete="RESTRICT")
    product_id: uuid.UUID | None = Field(
        default=None, foreign_key="supplier_products.id", ondelete="SET NULL"
    )
    assessment_id: uuid.UUID = Field(foreign_key="assessments.id", ondelete="RESTRICT", unique=True)
    recipient_email: str = Field(max_length=320)
    message: str = Field(max_length=4000)
    due_date: date
    prefilled_from_assessment_id: uuid.UUID | None = Field(default=None)
    due_soon_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invitation(Created, table=True):
    """A link that opens exactly one vendor request; only the SHA-256 of its token is kept."""

    __tablename__ = "supplier_invitations"

    request_id: uuid.UUID = Field(foreign_key="vendor_requests.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    recipient_email: str = Field(max_length=320)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery: str = Field(max_length=20, description="queued, sent, failed or not_configured")
    first_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Evidence(StoredFile, table=True):
    """A file a supplier attached to its answers; the bytes live under the evidence folder."""

    __tablename__ = "supplier_evidence"
    __table_args__ = (sa.Index("ix_supplier_evidence_request", "request_id", "uploaded_at"),)

    request_id: uuid.UUID = Field(foreign_key="vendor_requests.id", ondelete="CASCADE")
    item_id: str | None = Field(default=None, max_length=64)
    round: int
    uploaded_by: str = Field(max_length=400)
