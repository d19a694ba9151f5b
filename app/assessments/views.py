"""Assessments as the API shows them: the response schemas built from the stored rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlmodel import Session

from app.assessments import queries, service
from app.assessments.migration import MigrationPlan
from app.assessments.models import Assessment, AssessmentRound
from app.assessments.schemas import (
    AssessmentPublic,
    AssessmentSummary,
    QuestionnairePin,
    RoundPublic,
)
from app.db import utcnow
from app.json_bytes import JSONBytes
from app.questionnaires.catalog import Catalog
from app.views import attributes, view


class ResultLists(TypedDict):
    """The obligations, required controls and flags of a stored result (empty without one)."""

    obligations: list[dict[str, Any]]
    controls: list[dict[str, Any]]
    flags: list[dict[str, Any]]


def result_lists(result: Mapping[str, Any] | None) -> ResultLists:
    """The one reading of a result's lists, for every view that shows them."""
    found = result or {}
    return ResultLists(
        obligations=found.get("obligations", []),
        controls=found.get("controls", []),
        flags=found.get("flags", []),
    )


class PlanFields(TypedDict):
    """What a migration plan says, as both a migration report and a prefill report show it."""

    source: str
    target: str
    carried: list[str]
    renamed: list[dict[str, str]]
    recoded: list[dict[str, Any]]
    dropped: list[dict[str, str]]
    to_answer: list[str]


def plan_fields(plan: MigrationPlan) -> PlanFields:
    return cast(PlanFields, attributes(plan, *PlanFields.__annotations__))


def assessment_public(
    session: Session, catalog: Catalog, assessment: Assessment
) -> AssessmentPublic:
    version = service.pinned_version(catalog, assessment)
    return view(
        AssessmentPublic,
        assessment,
        questionnaire=QuestionnairePin.of(assessment),
        prefilled=assessment.prefilled or {},
        progress=service.progress(version, assessment.answers),
        overdue=service.is_overdue(assessment),
        review_comments=queries.review_comments(session, assessment),
    )


def assessment_summary(
    assessment: Assessment, system_name: str | None = None, supplier_name: str | None = None
) -> AssessmentSummary:
    return view(
        AssessmentSummary,
        assessment,
        system_name=system_name,
        supplier_name=supplier_name,
        questionnaire=QuestionnairePin.of(assessment),
        overdue=service.is_overdue(assessment),
    )


def summary_document(row: queries.Listed, now: datetime) -> dict[str, Any]:
    """A row of a list as its `AssessmentSummary` (field for field, in its order) would encode:
    for `JSONBytes`, without building and validating the model for every row of a page (a test
    holds the bytes to the model's)."""
    with_system = row.system_id is not None
    with_supplier = row.supplier_id is not None
    return {
        "id": row.id,
        "subject": row.subject,
        "system_id": row.system_id,
        "system_name": row.subject_name if with_system else None,
        "supplier_id": row.supplier_id,
        "supplier_name": row.subject_name if with_supplier else None,
        "incident_id": row.incident_id,
        "questionnaire": {
            "key": row.questionnaire_key,
            "version": row.questionnaire_version,
            "content_hash": row.content_hash,
        },
        "status": row.status,
        "round": row.round,
        "tier": row.tier,
        "is_current": row.is_current,
        "due_at": row.due_at,
        "overdue": service.is_overdue(row, now),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def summary_page(rows: list[queries.Listed], next_cursor: str | None) -> JSONBytes:
    """A page of a list of assessments, as `Page[AssessmentSummary]` would encode it."""
    now = utcnow()
    items = [summary_document(row, now) for row in rows]
    return JSONBytes({"items": items, "next_cursor": next_cursor})


def round_public(found: AssessmentRound) -> RoundPublic:
    return RoundPublic.model_validate(found, from_attributes=True)
