"""What assessments show of a supplier: its name in lists of assessments, and in the printable
report its name and the evidence files it attached to the vendor request whose answers the
assessment holds, with their SHA-256. The app factory installs both in the assessments package."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.exports import EvidenceFile, SupplierFacts
from app.assessments.models import Assessment
from app.suppliers.models import Evidence, Supplier, VendorRequest
from app.views import view


def supplier_name() -> Any:
    """A supplier's assessment's subject name: a scalar subquery correlated with `Assessment`."""
    return (
        select(Supplier.name)
        .where(col(Supplier.id) == col(Assessment.supplier_id))
        .scalar_subquery()
    )


def evidence_of(
    session: Session, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> list[Evidence]:
    """The evidence files of the vendor request whose answers a supplier's assessment holds,
    oldest first."""
    return list(
        session.exec(
            select(Evidence)
            .join(VendorRequest, col(VendorRequest.id) == col(Evidence.request_id))
            .where(
                VendorRequest.organization_id == organization_id,
                VendorRequest.assessment_id == assessment_id,
            )
            .order_by(col(Evidence.uploaded_at), col(Evidence.id))
        ).all()
    )


def supplier_facts(session: Session, assessment: Assessment) -> SupplierFacts | None:
    """The supplier of a supplier's assessment and its evidence files; None for a system's."""
    if assessment.supplier_id is None:
        return None
    supplier = session.exec(
        select(Supplier).where(
            Supplier.organization_id == assessment.organization_id,
            Supplier.id == assessment.supplier_id,
        )
    ).first()
    if supplier is None:
        return None
    files = evidence_of(session, assessment.organization_id, assessment.id)
    return SupplierFacts(
        name=supplier.name,
        evidence=[view(EvidenceFile, f) for f in files],
    )
