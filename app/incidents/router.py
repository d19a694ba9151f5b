"""HTTP layer of incidents: record, read, change with If-Match, list, list the overdue."""

import uuid
from typing import Annotated

from fastapi import Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.concurrency import etag_response, with_etag
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.incidents import service, views
from app.incidents.models import Incident, IncidentStatus
from app.incidents.schemas import (
    IncidentCreate,
    IncidentPublic,
    IncidentUpdate,
    TriageAssessmentLink,
    TriageStart,
)
from app.pagination import Page
from app.questionnaires.dependencies import CatalogDep
from app.route_helpers import (
    AssessmentsWriteAccess,
    ReadAccess,
    ReadListing,
    SystemsWriteAccess,
    SystemsWriteChange,
    creation,
)
from app.routing import AUTHENTICATED, problem_router

router = problem_router(AUTHENTICATED, tags=["incidents"])

OVERDUE_ORDER = (
    "Longest overdue first (by the earliest deadline no report has met, then id). An incident "
    "is overdue when that deadline has passed and it is not closed."
)


def _public(session: Session, incident: Incident, response: Response) -> IncidentPublic:
    return with_etag(response, incident.revision, views.one(session, incident))


def _page(session: Session, found: tuple[list[Incident], str | None]) -> Page[IncidentPublic]:
    incidents, next_cursor = found
    return Page(items=views.page(session, incidents), next_cursor=next_cursor)


@router.post(
    "/v1/incidents",
    summary="Record an incident on an AI system; its reporting deadlines come back computed",
    **creation(IncidentPublic, 404),
)
def create_incident(
    body: IncidentCreate, access: SystemsWriteAccess, idempotency: IdempotencyDep
) -> JSONResponse:
    def create() -> Created:
        incident = service.create_incident(**access, data=body)
        view = views.one(access["session"], incident)
        return created(view, location=f"/v1/incidents/{incident.id}", revision=incident.revision)

    return idempotency.run(**access, body=body, create=create)


@router.get(
    "/v1/incidents",
    responses=problem_responses(400),
    summary="List incidents, newest first",
    description="Newest first (by recording time, then id); the filters combine with AND.",
)
def list_incidents(
    listing: ReadListing,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
    system_id: uuid.UUID | None = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="Only incidents with (true) or without (false) an unmet "
            "deadline that has passed."
        ),
    ] = None,
) -> Page[IncidentPublic]:
    filters = service.IncidentFilters(status=status_, system_id=system_id, overdue=overdue)
    return _page(listing["session"], service.list_incidents(**listing, filters=filters))


@router.get(
    "/v1/overdue-incidents",
    responses=problem_responses(400),
    summary="Incidents with a reporting deadline passed and unmet, organisation-wide",
    description=OVERDUE_ORDER,
)
def list_overdue_incidents(listing: ReadListing) -> Page[IncidentPublic]:
    return _page(listing["session"], service.list_overdue(**listing, system_id=None))


@router.get(
    "/v1/ai-systems/{system_id}/overdue-incidents",
    responses=problem_responses(400, 404),
    summary="Incidents of one AI system with a reporting deadline passed and unmet",
    description=OVERDUE_ORDER,
)
def list_system_overdue_incidents(
    system_id: uuid.UUID, listing: ReadListing
) -> Page[IncidentPublic]:
    found = service.list_overdue_of_system(**listing, system_id=system_id)
    return _page(listing["session"], found)


@router.get(
    "/v1/incidents/{incident_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="Get one incident with its deadlines (and its ETag)",
)
def get_incident(incident_id: uuid.UUID, response: Response, access: ReadAccess) -> IncidentPublic:
    incident = service.get_incident(**access, incident_id=incident_id)
    return _public(access["session"], incident, response)


@router.patch(
    "/v1/incidents/{incident_id}",
    responses={**problem_responses(404, 412, 428), **etag_response(200)},
    summary="Change an incident: triage, status, actions, reports sent (needs If-Match)",
)
def update_incident(
    incident_id: uuid.UUID, body: IncidentUpdate, response: Response, change: SystemsWriteChange
) -> IncidentPublic:
    incident = service.update_incident(**change, incident_id=incident_id, data=body)
    return _public(change["session"], incident, response)


@router.post(
    "/v1/incidents/{incident_id}/triage",
    summary="Start the incident's triage assessment (ai-incident-triage), answered through "
    "/v1/assessments/{id}",
    description="The new draft starts from the incident's current triage facts. 409 while "
    "another triage of the incident is a draft or waits for review. Once started, the triage "
    "facts change only through the triage's submissions. The Location and ETag are the "
    "assessment's.",
    **creation(TriageAssessmentLink, 404, 409),
)
def start_incident_triage(
    incident_id: uuid.UUID,
    body: TriageStart,
    catalog: CatalogDep,
    access: AssessmentsWriteAccess,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    def create() -> Created:
        assessment = service.start_triage(
            **access,
            catalog=catalog,
            incident_id=incident_id,
            questionnaire_version=body.questionnaire_version,
        )
        location = f"/v1/assessments/{assessment.id}"
        return created(views.link(assessment), location=location, revision=assessment.revision)

    return idempotency.run(**access, body=body, create=create)
