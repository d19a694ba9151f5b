"""HTTP layer of organisation-level assessments and of the organisation's readiness. Their
answers, submission, review, rounds and exports go through /v1/assessments/{id} like any other."""

from fastapi.responses import JSONResponse

from app.assessments import organization, queries
from app.assessments.models import SubjectKind
from app.assessments.router import (
    CurrentQuery,
    ListingDep,
    QuestionnaireKeyQuery,
    StartDep,
    StatusQuery,
    start_route,
)
from app.assessments.schemas import AssessmentSummary
from app.auth import ReadDep
from app.db import SessionDep
from app.errors import problem_responses
from app.json_bytes import JSONBytes
from app.pagination import Page
from app.questionnaires.dependencies import CatalogDep
from app.routing import AUTHENTICATED_READ, problem_router

router = problem_router(AUTHENTICATED_READ, prefix="/v1/organization", tags=["organization"])


@start_route(
    router,
    "/assessments",
    (409, 422),
    summary="Start an assessment of the organisation itself (an organisation-level questionnaire)",
    description="The questionnaire must declare the subject `organization` (e.g. "
    "`aims-readiness`); a questionnaire about an AI system is a 422 naming its subject. The "
    "assessment then goes through /v1/assessments/{id} (answers, submit, review, exports).",
)
def create_organization_assessment(
    body: organization.OrganizationAssessmentCreate, start: StartDep
) -> JSONResponse:
    return start.once(body, organization.create)


@router.get(
    "/assessments",
    response_model=Page[AssessmentSummary],
    responses=problem_responses(400, 422),
    summary="List the organisation's own assessments, newest first",
    description="Only assessments whose subject is the organisation; newest first (by creation "
    "time, then id); the filters combine with AND.",
)
def list_organization_assessments(
    listing: ListingDep,
    questionnaire_key: QuestionnaireKeyQuery = None,
    status_: StatusQuery = None,
    current: CurrentQuery = None,
) -> JSONBytes:
    filters = queries.AssessmentFilters(
        subject=SubjectKind.ORGANIZATION,
        questionnaire_key=questionnaire_key,
        status=status_,
        current=current,
    )
    return listing.of(filters)


@router.get(
    "/readiness",
    summary="The organisation's ISO/IEC 42001 readiness: latest approved level per clause, gaps",
    description="Read from the latest approved `aims-readiness` assessment (null `approved` "
    "when there is none yet), with the assessment still in progress, if any.",
)
def get_organization_readiness(
    session: SessionDep, catalog: CatalogDep, principal: ReadDep
) -> organization.OrganizationReadiness:
    return organization.readiness(session, catalog, caller=principal)
