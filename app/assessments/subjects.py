"""What an assessment is about, and the check that a questionnaire is used for its own subject.

A questionnaire declares its subject (`ai_system` by default, or `organization`); an AI
system's or a supplier's assessment takes an `ai_system` questionnaire, an organisation
assessment an `organization` one. Anything else is a 422 naming the questionnaire's subject.
"""

from __future__ import annotations

import uuid

from app.assessments.models import SubjectKind
from app.errors import (
    InvalidFieldError,
    InvalidParameterError,
    InvalidRequestError,
    ProblemType,
)
from app.questionnaires.catalog import QuestionnaireVersion

SYSTEM = SubjectKind.SYSTEM.value
SUPPLIER = SubjectKind.SUPPLIER.value
ORGANIZATION = SubjectKind.ORGANIZATION.value

_ROUTES = {
    "ai_system": "an AI system's (POST /v1/assessments) or a supplier's (a vendor request)",
    ORGANIZATION: "the organisation's (POST /v1/organization/assessments)",
}


def questionnaire_subject(version: QuestionnaireVersion) -> str:
    return version.model.subject


def subject_mismatch(
    version: QuestionnaireVersion, field: str, *, parameter: bool = False
) -> InvalidRequestError:
    """422: the questionnaire assesses another kind of subject; nothing is stored."""
    subject = questionnaire_subject(version)
    detail = (
        f"{version.ref} assesses subject '{subject}': start it as {_ROUTES[subject]} assessment."
    )
    reason = f"questionnaire subject is '{subject}'"
    if parameter:
        return InvalidParameterError(
            field, detail, type=ProblemType.QUESTIONNAIRE_SUBJECT, reason=reason
        )
    return InvalidFieldError(
        f"/{field}",
        detail,
        type=ProblemType.QUESTIONNAIRE_SUBJECT,
        reason=reason,
        title="Questionnaire for another subject",
    )


def require_subject(version: QuestionnaireVersion, kind: str) -> None:
    """422 unless `version` may be used for an assessment of `kind` (a `SubjectKind` value)."""
    if (questionnaire_subject(version) == ORGANIZATION) != (kind == ORGANIZATION):
        raise subject_mismatch(version, "questionnaire_key")


def kind_of(system_id: uuid.UUID | None, supplier_id: uuid.UUID | None) -> str:
    """The subject kind of a new assessment from the reference it is given."""
    if system_id is not None:
        return SYSTEM
    return SUPPLIER if supplier_id is not None else ORGANIZATION
