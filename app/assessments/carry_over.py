"""What a new draft takes over from the system's other approved assessments: the version's
prefill declarations read against the current approved rounds (reads only)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from app.assessments.models import AssessmentRound
from app.assessments.queries import current_with_round
from app.questionnaires.catalog import QuestionnaireVersion
from app.questionnaires.models import Prefill
from app.systems.models import AISystem


def _prefill_value(fill: Prefill, approved: AssessmentRound) -> Any:
    """The value a declaration takes from an approved round, or None when it gives none."""
    if fill.answer is not None:
        value = approved.answers.get(fill.answer)
        if isinstance(value, str):
            return fill.recode.get(value, value)
        if isinstance(value, list):
            # A code recoded to null is not carried over; an empty choice is no answer.
            kept = [fill.recode.get(v, v) if isinstance(v, str) else v for v in value]
            return [v for v in kept if v is not None] or None
        return value
    flags = {str(f.get("id")) for f in approved.result.get("flags", [])}
    for case in fill.cases or []:
        if (case.tier_in is not None and approved.tier in case.tier_in) or (
            case.flag is not None and case.flag in flags
        ):
            return case.value
    return None


def carried_over(
    session: Session, version: QuestionnaireVersion, *, organization_id: uuid.UUID, system: AISystem
) -> dict[str, dict[str, Any]]:
    """What the version's prefill declarations take from the system's current approved
    assessments: item id -> {value, source assessment, round, questionnaire, item or result}.
    A value that does not fit this version (a source version with other codes) is left out."""
    fills = version.model.prefill or []
    sources = current_with_round(
        session,
        organization_id=organization_id,
        system_id=system.id,
        keys={f.questionnaire for f in fills},
    )
    out: dict[str, dict[str, Any]] = {}
    for fill in fills:
        found = sources.get(fill.questionnaire)
        if found is None or fill.item in out:
            continue
        source, approved = found
        value = _prefill_value(fill, approved)
        if value is None or version.validate({fill.item: value}):
            continue
        out[fill.item] = {
            "value": value,
            "assessment_id": str(source.id),
            "round": approved.round,
            "questionnaire": f"{source.questionnaire_key}@{source.questionnaire_version}",
            "source": f"answer:{fill.answer}" if fill.answer is not None else "result",
            "changed": False,
        }
    return out
