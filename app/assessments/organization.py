"""Organisation-level assessments (the organisation is the subject, e.g. AIMS readiness) and the
organisation's readiness: its latest approved readiness assessment read per clause, with gaps.

They share the lifecycle of system assessments (answers, submit, review, rounds, exports); only
creating, listing and the readiness view are their own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session, col, select

from app.assessments import queries, service
from app.assessments.models import Assessment, AssessmentStatus, SubjectKind
from app.assessments.schemas import Answers, QuestionnairePin
from app.auth import Caller
from app.errors import ConflictError
from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.questionnaires.schemas import ObligationOut

READINESS_KEY = "aims-readiness"


class OrganizationAssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questionnaire_key: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="An organisation-level questionnaire (subject 'organization'), e.g. "
        f"`{READINESS_KEY}`."
    )
    questionnaire_version: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="A published version; the latest published one when left out."
    )
    answers: Answers = Field(default_factory=dict, description="Initial answers, item id → value.")


class ClauseReadiness(BaseModel):
    """The readiness of one clause (or group of Annex A controls): a score of the questionnaire."""

    id: str = Field(description="The score's id, e.g. `clause_6_planning`.")
    label: dict[str, str] = Field(description="The clause's name by language.")
    value: float | None = Field(description="Points reached; null while not final.")
    max: float | None = Field(description="The most points the clause can reach.")
    level: str | None = Field(description="The readiness level (the score's band id).")
    level_label: dict[str, str] | None = Field(description="The level's name by language.")


class ReadinessGap(BaseModel):
    """A gap found: a rule that fired, why, and what closes it."""

    id: str = Field(description="The rule's id.")
    level: str | None = Field(description="The overall level this gap holds the result at.")
    rationale: dict[str, str]
    caveat: dict[str, str] | None
    refs: list[str] = Field(description="The clauses and provisions the gap rests on.")
    controls: list[str] = Field(description="Controls (catalog ids) that close the gap.")


class ApprovedReadiness(BaseModel):
    """The organisation's latest approved readiness assessment, read per clause."""

    assessment_id: uuid.UUID
    questionnaire: QuestionnairePin
    approved_at: datetime | None
    due_at: datetime | None
    overdue: bool
    level: str = Field(description="The overall readiness level (the result's tier).")
    level_label: dict[str, str] | None
    clauses: list[ClauseReadiness] = Field(description="In the questionnaire's order.")
    gaps: list[ReadinessGap] = Field(description="In the questionnaire's rule order.")
    obligations: list[ObligationOut] = Field(
        description="EU AI Act obligations the answers point to, with who holds them."
    )


class OrganizationReadiness(BaseModel):
    """Where the organisation stands on ISO/IEC 42001 certification readiness."""

    questionnaire_key: str
    latest_version: str | None = Field(description="The version a new assessment would use.")
    approved: ApprovedReadiness | None = Field(
        description="The latest approved readiness assessment; null when none is approved yet."
    )
    open_assessment_id: uuid.UUID | None = Field(
        description="The newest readiness assessment still in draft or awaiting review."
    )
    open_assessment_status: AssessmentStatus | None


def create(
    session: Session, catalog: Catalog, *, caller: Caller, data: OrganizationAssessmentCreate
) -> Assessment:
    """A draft of an organisation-level questionnaire; 422 for a system questionnaire."""
    version = service.resolve_version(catalog, data.questionnaire_key, data.questionnaire_version)
    return service.create_organization_assessment(
        session, caller=caller, version=version, answers=data.answers
    )


def _labels(version: QuestionnaireVersion | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score labels and band labels (by score id, then band id) of a version."""
    if version is None:
        return {}, {}
    scores = version.model.scoring.scores
    return (
        {s.id: dict(s.label) for s in scores},
        {s.id: {b.id: dict(b.label) for b in s.bands} for s in scores},
    )


def _clauses(result: dict[str, Any], version: QuestionnaireVersion | None) -> list[ClauseReadiness]:
    score_labels, band_labels = _labels(version)
    out = []
    for score in result.get("scores", []):
        scale = (score.get("breakdown") or {}).get("scale") or {}
        band = score.get("band")
        out.append(
            ClauseReadiness(
                id=score["id"],
                label=score_labels.get(score["id"], {"en": score["id"]}),
                value=score.get("value"),
                max=scale.get("max", score.get("max")),
                level=band,
                level_label=band_labels.get(score["id"], {}).get(band) if band else None,
            )
        )
    return out


def _gaps(result: dict[str, Any]) -> list[ReadinessGap]:
    controls_by_rule: dict[str, list[str]] = {}
    for control in result.get("controls", []):
        for rule in control.get("required_by", []):
            controls_by_rule.setdefault(rule, []).append(control["id"])
    return [
        ReadinessGap(
            id=fired["id"],
            level=fired.get("tier"),
            rationale=fired.get("rationale", {}),
            caveat=fired.get("caveat"),
            refs=fired.get("refs", []),
            controls=controls_by_rule.get(fired["id"], []),
        )
        for fired in result.get("fired", [])
    ]


def _tier_label(version: QuestionnaireVersion | None, tier: str) -> dict[str, str] | None:
    if version is None:
        return None
    for found in version.model.scoring.tiers:
        if found.id == tier:
            return dict(found.label)
    return None


def _approved(
    session: Session, catalog: Catalog, organization_id: uuid.UUID, key: str
) -> ApprovedReadiness | None:
    row = queries.current_with_round(
        session, organization_id=organization_id, system_id=None, keys={key}
    ).get(key)
    if row is None:
        return None
    assessment, approved = row
    try:
        version: QuestionnaireVersion | None = service.pinned_version(catalog, assessment)
    except ConflictError:
        version = None  # a version this instance does not load: ids stand in for labels
    result = approved.result
    return ApprovedReadiness(
        assessment_id=assessment.id,
        questionnaire=QuestionnairePin.of(assessment),
        approved_at=assessment.decided_at,
        due_at=assessment.due_at,
        overdue=service.is_overdue(assessment),
        level=approved.tier,
        level_label=_tier_label(version, approved.tier),
        clauses=_clauses(result, version),
        gaps=_gaps(result),
        obligations=[ObligationOut.model_validate(o) for o in result.get("obligations", [])],
    )


def readiness(session: Session, catalog: Catalog, *, caller: Caller) -> OrganizationReadiness:
    """The latest approved readiness assessment and the one in progress, if any."""
    organization_id = caller.organization_id
    latest = catalog.latest(READINESS_KEY)
    open_one = session.exec(
        select(Assessment)
        .where(
            Assessment.organization_id == organization_id,
            Assessment.subject == SubjectKind.ORGANIZATION.value,
            Assessment.questionnaire_key == READINESS_KEY,
            col(Assessment.status).in_(
                [AssessmentStatus.DRAFT.value, AssessmentStatus.SUBMITTED.value]
            ),
        )
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
    ).first()
    return OrganizationReadiness(
        questionnaire_key=READINESS_KEY,
        latest_version=latest.version if latest else None,
        approved=_approved(session, catalog, organization_id, READINESS_KEY),
        open_assessment_id=open_one.id if open_one else None,
        open_assessment_status=AssessmentStatus(open_one.status) if open_one else None,
    )
