"""The Statement of Applicability (ISO/IEC 42001 clause 6.1.3): every Annex A control, and which
current approved assessments of the organisation's active AI systems require it, and why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, Field
from sqlmodel import Session, col

from app.assessments import queries
from app.assessments.exports import write_csv
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus
from app.auth import Caller
from app.controls.catalog import ControlCatalog
from app.controls.i18n import pick_language, text_in
from app.controls.models import Control
from app.db import utcnow
from app.systems.models import AISystem, SystemStatus

FRAMEWORK: Final = "iso-42001"
NOT_REQUIRED: Final = "not required by any current approved assessment"
BASIS: Final = (
    "Controls required by the stored results of the current approved assessments "
    "(is_current) of the organisation's active AI systems."
)


class RequiringAssessment(BaseModel):
    """A current approved assessment whose result requires the control."""

    system_id: uuid.UUID
    system_name: str
    assessment_id: uuid.UUID
    questionnaire_key: str
    questionnaire_version: str
    tier: str
    approved_at: datetime | None
    rules: list[str] = Field(description="The fired rules that require the control.")


class ApplicabilityEntry(BaseModel):
    """One Annex A control and whether it is required."""

    id: str
    ref: str
    title: str
    group: str | None
    required: bool
    required_by: list[RequiringAssessment]
    justification: str = Field(description="Why the control is, or is not, required.")


class StatementOfApplicability(BaseModel):
    """Every ISO/IEC 42001 Annex A control and its applicability to the organisation."""

    organization_id: uuid.UUID
    framework: str
    standard: str = Field(description="The control set, as named by the control catalog.")
    generated_at: datetime
    basis: str = Field(description="What 'required' is derived from.")
    assessments_considered: int
    required_count: int
    controls: list[ApplicabilityEntry]


def _justification(required_by: list[RequiringAssessment]) -> str:
    if not required_by:
        return NOT_REQUIRED
    reasons = "; ".join(
        f"{r.system_name} ({r.questionnaire_key}@{r.questionnaire_version}, tier {r.tier}: "
        f"rules {', '.join(r.rules)})"
        for r in required_by
    )
    return f"required by {len(required_by)} current approved assessment(s): {reasons}"


@dataclass(frozen=True)
class Requirement:
    """A current approved assessment of an active AI system whose result requires a control."""

    system: AISystem
    assessment: Assessment
    approved: AssessmentRound
    rules: list[str]


def requirements_by_control(
    session: Session, organization_id: uuid.UUID
) -> tuple[int, dict[str, list[Requirement]]]:
    """How many current approved assessments of the organisation's active AI systems there are,
    and for each control the ones whose result requires it (by system name, questionnaire, id).

    Both statements of applicability, this one and the portfolio's, start from this."""
    rows = session.exec(
        queries.with_decided_round()
        .add_columns(AISystem)
        .join(AISystem, col(AISystem.id) == col(Assessment.system_id))
        .where(
            Assessment.organization_id == organization_id,
            col(Assessment.is_current).is_(True),
            Assessment.status == AssessmentStatus.APPROVED.value,
            AISystem.status == SystemStatus.ACTIVE.value,
        )
        .order_by(col(AISystem.name), col(Assessment.questionnaire_key), col(Assessment.id))
    ).all()
    by_control: dict[str, list[Requirement]] = {}
    for assessment, approved, system in rows:
        for requirement in approved.result.get("controls", []):
            by_control.setdefault(str(requirement.get("id")), []).append(
                Requirement(
                    system=system,
                    assessment=assessment,
                    approved=approved,
                    rules=[str(r) for r in requirement.get("required_by", [])],
                )
            )
    return len(rows), by_control


def heading(control: Control, accept_language: str | None) -> dict[str, Any]:
    """What a statement shows of a control: id, reference, title (in the language asked), group."""
    title = text_in(dict(control.title), pick_language(accept_language, control.title))
    return {"id": control.id, "ref": control.ref, "title": title, "group": control.group}


def standard_title(controls: ControlCatalog) -> str:
    file = controls.files.get(FRAMEWORK)
    return file.title if file is not None else FRAMEWORK


def statement_of_applicability(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    accept_language: str | None,
) -> StatementOfApplicability:
    """Every Annex A control in catalog order, with the assessments that require it."""
    considered, requirements = requirements_by_control(session, caller.organization_id)
    entries = []
    for control in controls.list_controls(FRAMEWORK):
        required_by = [
            RequiringAssessment(
                system_id=r.system.id,
                system_name=r.system.name,
                assessment_id=r.assessment.id,
                questionnaire_key=r.assessment.questionnaire_key,
                questionnaire_version=r.assessment.questionnaire_version,
                tier=r.approved.tier,
                approved_at=r.approved.decided_at,
                rules=r.rules,
            )
            for r in requirements.get(control.id, [])
        ]
        entries.append(
            ApplicabilityEntry(
                **heading(control, accept_language),
                required=bool(required_by),
                required_by=required_by,
                justification=_justification(required_by),
            )
        )
    return StatementOfApplicability(
        organization_id=caller.organization_id,
        framework=FRAMEWORK,
        standard=standard_title(controls),
        generated_at=utcnow(),
        basis=BASIS,
        assessments_considered=considered,
        required_count=sum(1 for e in entries if e.required),
        controls=entries,
    )


CSV_COLUMNS: Final = ("id", "ref", "title", "required", "required_by", "justification")


def soa_csv(statement: StatementOfApplicability) -> str:
    """One row per control; `required_by` names each system, assessment and rules."""
    return write_csv(
        CSV_COLUMNS,
        (
            [
                entry.id,
                entry.ref,
                entry.title,
                "yes" if entry.required else "no",
                "; ".join(
                    f"{r.system_name} [{r.system_id}] assessment {r.assessment_id} "
                    f"({r.questionnaire_key}@{r.questionnaire_version}): {', '.join(r.rules)}"
                    for r in entry.required_by
                ),
                entry.justification,
            ]
            for entry in statement.controls
        ),
    )
