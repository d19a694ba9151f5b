"""What assessments show of a supplier: its name in lists of assessments, and in the printable
report its name and the evidence files it attached to the vendor request whose answers the
assessment holds, with their SHA-256. The app factory installs both in the assessments package."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.assessments.exports import EvidenceFile, SupplierFacts
from app.assessments.models import Assessment
from app.suppliers.models import Evidence, Supplier, VendorRequest


def supplier_name() -> Any:
    """A supplier's assessment's subject name: a scalar subquery correlated with `Assessment`."""
    return (
        select(Supplier.name)
        .where(col(Supplier.id) == col(Assessment.supplier_id))
        .scalar_subquery()
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
    files = session.exec(
        select(Evidence)
        .join(VendorRequest, col(VendorRequest.id) == col(Evidence.request_id))
        .where(
            VendorRequest.organization_id == assessment.organization_id,
            VendorRequest.assessment_id == assessment.id,
        )
        .order_by(col(Evidence.uploaded_at), col(Evidence.id))
    ).all()
    return SupplierFacts(
        name=supplier.name,
        evidence=[
            EvidenceFile(
                filename=f.filename,
                round=f.round,
                item_id=f.item_id,
                size_bytes=f.size_bytes,
                sha256=f.sha256,
                uploaded_at=f.uploaded_at,
                uploaded_by=f.uploaded_by,
            )
            for f in files
        ],
    )
