"""Statement of Applicability v2 (ISO/IEC 42001 clause 6.1.3 d): every Annex A control with
its applicability, the justification for inclusion (the assessments and obligations requiring
it) or exclusion (a person's justification), implementation status, owner and evidence.

Reproducible: the same records give the same statement, and `digest` (SHA-256 over everything
but the generation time) proves it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.assessments.exports import write_csv
from app.assessments.soa import (
    FRAMEWORK,
    Requirement,
    heading,
    requirements_by_control,
    standard_title,
)
from app.auth import Caller
from app.canonical import canonical_hash
from app.controls.catalog import ControlCatalog
from app.db import utcnow
from app.portfolio import service
from app.portfolio.models import Applicability, ImplementationStatus
from app.portfolio.schemas import ControlEvidencePublic


class ApplicabilityDecision(StrEnum):
    """Who decided applicability: the assessments, or a person."""

    DERIVED = "derived"
    PERSON = "person"


class SoaRequirement(BaseModel):
    system_id: uuid.UUID
    system_name: str
    assessment_id: uuid.UUID
    questionnaire: str = Field(description="key@version")
    tier: str
    rules: list[str]
    obligations: list[str] = Field(
        description="Obligations the same fired rules raise (what the control serves)."
    )


class SoaRow(BaseModel):
    id: str
    ref: str
    title: str
    group: str | None
    applicable: bool
    decided_by: ApplicabilityDecision
    justification: str = Field(description="Why it is included or excluded.")
    required_by: list[SoaRequirement]
    status: ImplementationStatus | None = Field(description="Null: no implementation record.")
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    target_date: date | None
    last_reviewed_at: datetime | None
    evidence: list[ControlEvidencePublic]
    links: list[dict[str, str | None]]


class StatementOfApplicabilityV2(BaseModel):
    organization_id: uuid.UUID
    framework: str
    standard: str
    as_of: date = Field(description="The date the statement is made for.")
    generated_at: datetime
    digest: str = Field(description="SHA-256 of the statement without `generated_at`.")
    applicable_count: int
    implemented_count: int
    controls: list[SoaRow]


def _requirements(session: Session, organization_id: uuid.UUID) -> dict[str, list[SoaRequirement]]:
    _, by_control = requirements_by_control(session, organization_id)
    return {
        control_id: [_requirement(r) for r in requirements]
        for control_id, requirements in by_control.items()
    }


def _requirement(r: Requirement) -> SoaRequirement:
    """The requirement, with the obligations its fired rules raise as well."""
    served = sorted(
        str(o.get("id"))
        for o in r.approved.result.get("obligations", [])
        if set(r.rules) & {str(rule) for rule in o.get("required_by", [])}
    )
    return SoaRequirement(
        system_id=r.system.id,
        system_name=r.system.name,
        assessment_id=r.assessment.id,
        questionnaire=f"{r.assessment.questionnaire_key}@{r.assessment.questionnaire_version}",
        tier=r.approved.tier,
        rules=r.rules,
        obligations=served,
    )


def _because(required_by: list[SoaRequirement]) -> str:
    return "; ".join(
        f"{r.system_name} ({r.questionnaire}, tier {r.tier}: rules {', '.join(r.rules)}"
        + (f"; obligations {', '.join(r.obligations)}" if r.obligations else "")
        + ")"
        for r in required_by
    )


def build(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    as_of: date | None,
    accept_language: str | None,
) -> StatementOfApplicabilityV2:
    """Every Annex A control in catalog order."""
    requirements = _requirements(session, caller.organization_id)
    records = service._records_by_control(session, caller.organization_id)
    evidence = service.evidence_of(session, list(records.values()))
    names = service.names_of(session, {r.owner_user_id for r in records.values()})
    rows = []
    for control in controls.list_controls(FRAMEWORK):
        required_by = requirements.get(control.id, [])
        record = records.get(control.id)
        applicability = Applicability(record.applicability) if record else Applicability.DERIVED
        if applicability == Applicability.EXCLUDED:
            applicable, decided = False, ApplicabilityDecision.PERSON
            justification = f"excluded: {record.justification if record else ''}"
            if required_by:
                justification += f" (although required by {_because(required_by)})"
        elif applicability == Applicability.INCLUDED:
            applicable, decided = True, ApplicabilityDecision.PERSON
            justification = "included: " + (
                (record.justification if record and record.justification else "decided")
                + (f"; also required by {_because(required_by)}" if required_by else "")
            )
        elif required_by:
            applicable, decided = True, ApplicabilityDecision.DERIVED
            justification = f"required by {_because(required_by)}"
        else:
            applicable, decided = False, ApplicabilityDecision.DERIVED
            justification = "not required by any current approved assessment"
        rows.append(
            SoaRow(
                **heading(control, accept_language),
                applicable=applicable,
                decided_by=decided,
                justification=justification,
                required_by=required_by,
                status=ImplementationStatus(record.status) if record else None,
                owner_user_id=record.owner_user_id if record else None,
                owner_name=names.get(record.owner_user_id)
                if record and record.owner_user_id
                else None,
                target_date=record.target_date if record else None,
                last_reviewed_at=record.last_reviewed_at if record else None,
                evidence=[
                    ControlEvidencePublic.model_validate(e, from_attributes=True)
                    for e in (evidence.get(record.id, []) if record else [])
                ],
                links=list(record.links) if record else [],
            )
        )
    day = as_of or utcnow().date()
    body = {
        "organization_id": caller.organization_id,
        "framework": FRAMEWORK,
        "standard": standard_title(controls),
        "as_of": day,
        "applicable_count": sum(1 for r in rows if r.applicable),
        "implemented_count": sum(
            1 for r in rows if r.applicable and r.status == ImplementationStatus.IMPLEMENTED
        ),
        "controls": rows,
    }
    digest_source = StatementOfApplicabilityV2.model_validate(
        {**body, "generated_at": datetime(1970, 1, 1), "digest": ""}
    ).model_dump(mode="json", exclude={"generated_at", "digest"})
    return StatementOfApplicabilityV2.model_validate(
        {**body, "generated_at": utcnow(), "digest": canonical_hash(digest_source)}
    )


CSV_COLUMNS: Final = (
    "id",
    "ref",
    "title",
    "applicable",
    "decided_by",
    "justification",
    "status",
    "owner",
    "target_date",
    "last_reviewed_at",
    "evidence",
)


def to_csv(statement: StatementOfApplicabilityV2) -> str:
    return write_csv(
        CSV_COLUMNS,
        (
            [
                r.id,
                r.ref,
                r.title,
                "yes" if r.applicable else "no",
                r.decided_by.value,
                r.justification,
                r.status.value if r.status else "",
                r.owner_name or "",
                r.target_date.isoformat() if r.target_date else "",
                r.last_reviewed_at.isoformat() if r.last_reviewed_at else "",
                "; ".join(
                    [f"{e.filename} sha256:{e.sha256}" for e in r.evidence]
                    + [str(link.get("url")) for link in r.links]
                ),
            ]
            for r in statement.controls
        ),
    )
