"""An AI system's approved results as OSCAL assessment results.

One OSCAL result per current approved assessment: its questionnaire, tier and approval, one
observation (the scored answers), and one finding per required control or obligation, satisfied
when the organisation's control record says implemented.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.assessments import queries as assessment_queries
from app.assessments.models import Assessment, AssessmentRound
from app.auth import Caller
from app.errors import ConflictError, ProblemType
from app.oscal.ids import NAMESPACE, control_token, require_trestle, stable_uuid
from app.portfolio.models import ControlRecord, ImplementationStatus
from app.systems import service as systems_service
from app.systems.models import AISystem


@dataclass(frozen=True)
class SystemResults:
    """What the export reads: the system, its approved assessments, the control records."""

    system: AISystem
    approved: list[tuple[Assessment, AssessmentRound]]
    records: dict[str, ControlRecord]


def gather(session: Session, *, caller: Caller, system_id: uuid.UUID) -> SystemResults:
    """Another organisation's system is a 404, like everywhere else."""
    system = systems_service.get_system(session, caller=caller, system_id=system_id)
    approved = assessment_queries.standing(session, caller=caller, system_id=system_id)
    records = session.exec(
        select(ControlRecord).where(col(ControlRecord.organization_id) == caller.organization_id)
    ).all()
    return SystemResults(system, approved, {r.control_id: r for r in records})


def no_approved_results(system_id: uuid.UUID) -> ConflictError:
    return ConflictError(
        f"AI system {system_id} has no approved assessment yet; OSCAL assessment results "
        "hold at least one result.",
        type=ProblemType.NO_APPROVED_RESULTS,
    )


def _finding(required: dict[str, Any], records: dict[str, ControlRecord], observed: str) -> Any:
    from trestle.oscal.common import Finding, FindingTarget, ObjectiveStatus, RelatedObservation

    control_id = str(required.get("id"))
    record = records.get(control_id)
    status = record.status if record is not None else "no implementation record"
    done = status == ImplementationStatus.IMPLEMENTED.value
    title = (required.get("title") or {}).get("en") or control_id
    rules = ", ".join(str(r) for r in required.get("required_by", [])) or "the questionnaire"
    return Finding(
        uuid=stable_uuid("finding", observed, control_id),
        title=f"{required.get('ref') or control_id}: {title}",
        description=f"Required by {rules}. Implementation: {status.replace('_', ' ')}.",
        target=FindingTarget(
            type="objective-id",
            target_id=control_token(control_id),
            status=ObjectiveStatus(
                state="satisfied" if done else "not-satisfied", reason="pass" if done else "fail"
            ),
        ),
        related_observations=[RelatedObservation(observation_uuid=observed)],
    )


def _reviewed(required: list[dict[str, Any]]) -> Any:
    from trestle.oscal.common import (
        ControlSelections,
        ControlSelectionsAll,
        IncludeAll,
        ReviewedControls,
        SelectControlById,
    )

    if not required:
        selection: Any = ControlSelectionsAll(
            include_all=IncludeAll(),
            description="The questionnaire required no control: the whole catalog was in view.",
        )
    else:
        selection = ControlSelections(
            include_controls=[
                SelectControlById(control_id=control_token(str(r.get("id")))) for r in required
            ]
        )
    return ReviewedControls(control_selections=[selection])


def _result(
    assessment: Assessment, approved: AssessmentRound, records: dict[str, ControlRecord]
) -> Any:
    from trestle.oscal.assessment_results import Attestation, Result
    from trestle.oscal.common import AssessmentPart, Observation, Property, RelevantEvidence

    pin = f"{assessment.questionnaire_key}@{assessment.questionnaire_version}"
    observed = stable_uuid("observation", str(assessment.id), str(approved.round))
    required = [*approved.result.get("obligations", []), *approved.result.get("controls", [])]
    observation = Observation(
        uuid=observed,
        title=f"Answers to {pin}",
        description=(
            f"The answers of round {approved.round}, scored by engine {approved.engine_version} "
            f"into the tier '{approved.tier}'."
        ),
        methods=["EXAMINE"],
        types=["finding"],
        collected=approved.submitted_at,
        relevant_evidence=[
            RelevantEvidence(
                href=f"/v1/assessments/{assessment.id}",
                description="The assessment, its answers and its result in this service's API.",
            )
        ],
    )
    approval = f"Approved by {approved.decided_by or 'a reviewer'}"
    if approved.decided_at is not None:
        approval += f" on {approved.decided_at.date().isoformat()}"
    return Result(
        uuid=stable_uuid("result", str(assessment.id), str(approved.round)),
        title=f"{pin}: tier {approved.tier}",
        description=f"{pin}, submitted by {approved.submitted_by}. {approval}.",
        start=approved.submitted_at,
        end=approved.decided_at,
        props=[
            Property(name="tier", ns=NAMESPACE, value=approved.tier),
            Property(name="questionnaire", ns=NAMESPACE, value=pin),
            Property(name="content-hash", ns=NAMESPACE, value=assessment.content_hash),
            Property(name="engine-version", ns=NAMESPACE, value=approved.engine_version),
        ],
        reviewed_controls=_reviewed(required),
        attestations=[Attestation(parts=[AssessmentPart(name="approval", prose=approval + ".")])],
        observations=[observation],
        findings=[_finding(r, records, observed) for r in required] or None,
    )


def build_results(found: SystemResults, *, generated_at: datetime, version: str) -> Any:
    """OSCAL assessment results (a trestle model: constructing it validates it)."""
    require_trestle()
    if not found.approved:
        raise no_approved_results(found.system.id)
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults, ImportAp
    from trestle.oscal.common import Metadata

    system = found.system
    return AssessmentResults(
        uuid=str(uuid.uuid4()),
        metadata=Metadata(
            title=f"Approved assessment results: {system.name}",
            last_modified=generated_at,
            version=version,
            oscal_version=OSCAL_VERSION,
        ),
        import_ap=ImportAp(
            href=f"/v1/ai-systems/{system.id}/plan",
            remarks="The system's assessment plan in this service's API (not an OSCAL plan).",
        ),
        results=[_result(a, r, found.records) for a, r in found.approved],
    )
