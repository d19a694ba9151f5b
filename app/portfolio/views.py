"""The portfolio as the API shows it: the response schemas built from the stored rows."""

from __future__ import annotations

from sqlmodel import Session

from app.db import utcnow
from app.portfolio import service
from app.portfolio.models import Applicability, ControlRecord, ImplementationStatus
from app.portfolio.schemas import ControlEvidencePublic, ControlRecordPublic
from app.questionnaires.catalog import Catalog


def control_records(
    session: Session, catalog: Catalog, records: list[ControlRecord]
) -> list[ControlRecordPublic]:
    """Control records as the API shows them, with their controls' titles, owners' names and
    evidence (read for all the records at once)."""
    evidence = service.evidence_of(session, records)
    names = service.names_of(
        session, {r.owner_user_id for r in records} | {r.reviewed_by_user_id for r in records}
    )
    today = utcnow().date()
    out = []
    for record in records:
        control = catalog.controls.get(record.control_id)
        out.append(
            ControlRecordPublic(
                control_id=record.control_id,
                ref=control.ref if control else record.control_id,
                title=control.title.get("en", "") if control else "",
                applicability=Applicability(record.applicability),
                justification=record.justification,
                status=ImplementationStatus(record.status),
                owner_user_id=record.owner_user_id,
                owner_name=names.get(record.owner_user_id) if record.owner_user_id else None,
                target_date=record.target_date,
                overdue=service.is_record_overdue(record, today),
                links=list(record.links),
                evidence=[
                    ControlEvidencePublic.model_validate(e, from_attributes=True)
                    for e in evidence.get(record.id, [])
                ],
                last_reviewed_at=record.last_reviewed_at,
                reviewed_by_user_id=record.reviewed_by_user_id,
                reviewed_by_name=names.get(record.reviewed_by_user_id)
                if record.reviewed_by_user_id
                else None,
                revision=record.revision,
                created_at=record.created_at,
                updated_at=record.updated_at,
            )
        )
    return out
