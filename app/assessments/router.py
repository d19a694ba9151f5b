"""HTTP layer of assessments: thin routes over the service."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response, status
from fastapi.responses import JSONResponse
from fastapi.types import DecoratedCallable
from pydantic import BaseModel
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.assessments import queries, service, views
from app.assessments.autosave import AutosaveDep, Save
from app.assessments.models import Assessment, AssessmentStatus, SubjectKind
from app.assessments.schemas import (
    AnswersPatch,
    AssessmentCreate,
    AssessmentPublic,
    AssessmentReviewBody,
    AssessmentSummary,
    MigrateBody,
    MigrationReport,
    OverdueSystem,
    Preview,
    RoundPublic,
    SubmitBody,
)
from app.auth import CredentialDep, Principal, ReadDep, Scope, require_scope
from app.concurrency import IfMatchHeader, etag, etag_response, with_etag
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.json_bytes import JSONBytes
from app.pagination import DbIntPath, Page, PageDep
from app.questionnaires.catalog import Catalog
from app.questionnaires.dependencies import CatalogDep
from app.routing import AUTHENTICATED, problem_router

router = problem_router(AUTHENTICATED, prefix="/v1/assessments", tags=["assessments"])
standing_router = problem_router(AUTHENTICATED, tags=["standing"])

WriteDep = Annotated[Principal, Depends(require_scope(Scope.ASSESSMENTS_WRITE))]
ReviewDep = Annotated[Principal, Depends(require_scope(Scope.ASSESSMENTS_REVIEW))]
WRITE_ERRORS = problem_responses(404, 409, 412, 428)
PreferHeader = Annotated[
    str | None,
    Header(
        alias="Prefer",
        max_length=200,
        description="`return=minimal`: answer 204 with the new ETag and no body (RFC 7240).",
    ),
]


async def _return_minimal(prefer: PreferHeader = None) -> bool:
    """Whether the client asks for no body in the answer (`Prefer: return=minimal`)."""
    return bool(prefer and "return=minimal" in prefer)


ReturnMinimal = Annotated[bool, Depends(_return_minimal)]


def _with_etag(
    response: Response, session: SessionDep, catalog: Catalog, assessment: Assessment
) -> AssessmentPublic:
    return with_etag(
        response, assessment.revision, views.assessment_public(session, catalog, assessment)
    )


Body = TypeVar("Body", bound=BaseModel)
BodyIn = TypeVar("BodyIn", bound=BaseModel, contravariant=True)
Changed = TypeVar("Changed")


class Starter(Protocol[BodyIn]):
    """A service that starts an assessment from a request body (of any subject)."""

    def __call__(
        self, session: Session, catalog: Catalog, *, caller: Principal, data: BodyIn
    ) -> Assessment: ...


@dataclass(frozen=True)
class Start:
    """What starting an assessment needs, of whatever subject: 201 with the new assessment, its
    Location and ETag; a retry with the same Idempotency-Key and body replays it."""

    session: SessionDep
    catalog: CatalogDep
    principal: WriteDep
    idempotency: IdempotencyDep

    def once(self, body: Body, start: Starter[Body]) -> JSONResponse:
        def create() -> Created:
            assessment = start(self.session, self.catalog, caller=self.principal, data=body)
            view = views.assessment_public(self.session, self.catalog, assessment)
            location = f"/v1/assessments/{assessment.id}"
            return created(view, location=location, revision=assessment.revision)

        return self.idempotency.run(self.session, caller=self.principal, body=body, create=create)


StartDep = Annotated[Start, Depends()]


def start_route(
    router: APIRouter,
    path: str,
    problems: tuple[int, ...],
    *,
    summary: str,
    description: str | None = None,
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a route that starts an assessment (with `Start`): 201 with the assessment, its
    Location and ETag, or one of the problem documents `problems`."""
    return router.post(
        path,
        status_code=status.HTTP_201_CREATED,
        response_model=AssessmentPublic,
        responses={**problem_responses(*problems), **etag_response(201, location=True)},
        summary=summary,
        description=description,
    )


@dataclass(frozen=True)
class Listing:
    """What a list route reads with: the session, a caller with the `read` scope and the page
    window; `of` is a page of the assessments the caller may see."""

    session: SessionDep
    principal: ReadDep
    page: PageDep

    def of(self, filters: queries.AssessmentFilters) -> JSONBytes:
        """The assessments matching `filters`, newest first, as `Page[AssessmentSummary]`."""
        found, next_cursor = queries.list_assessments(
            self.session, caller=self.principal, filters=filters, **self.page
        )
        return views.summary_page(found, next_cursor)


ListingDep = Annotated[Listing, Depends()]
QuestionnaireKeyQuery = Annotated[str | None, Query(max_length=64)]
StatusQuery = Annotated[AssessmentStatus | None, Query(alias="status")]
CurrentQuery = Annotated[
    bool | None, Query(description="Only (or no) current approved assessments.")
]


async def _filters(
    subject: Annotated[
        SubjectKind | None,
        Query(description="Only assessments of AI systems, of suppliers or of the organisation."),
    ] = None,
    system_id: uuid.UUID | None = None,
    questionnaire_key: QuestionnaireKeyQuery = None,
    status_: StatusQuery = None,
    tier: Annotated[str | None, Query(max_length=64)] = None,
    current: CurrentQuery = None,
    overdue: Annotated[
        bool | None, Query(description="Current approved assessments past their due date.")
    ] = None,
) -> queries.AssessmentFilters:
    return queries.AssessmentFilters(
        subject=subject,
        system_id=system_id,
        questionnaire_key=questionnaire_key,
        status=status_,
        tier=tier,
        current=current,
        overdue=overdue,
    )


# The filters of the list of assessments, from its query parameters.
FiltersDep = Annotated[queries.AssessmentFilters, Depends(_filters)]


@dataclass(frozen=True)
class Change:
    """A write to the assessment (of an AI system) the path names, under its If-Match, by a
    caller with the `assessments:write` scope, answered with the assessment and its new ETag."""

    response: Response
    session: SessionDep
    catalog: CatalogDep
    caller: WriteDep
    assessment_id: uuid.UUID
    if_match: IfMatchHeader = None

    def apply(self, change: Callable[..., Changed], **data: Any) -> Changed:
        """Run the service function `change` on the assessment with the request's `data`."""
        return change(
            self.session,
            self.catalog,
            caller=self.caller,
            assessment_id=self.assessment_id,
            subject=service.Subject.SYSTEM,
            if_match=self.if_match,
            **data,
        )

    def answer(self, assessment: Assessment) -> AssessmentPublic:
        return _with_etag(self.response, self.session, self.catalog, assessment)


@dataclass(frozen=True)
class Review(Change):
    """A review: the caller needs the `assessments:review` scope."""

    caller: ReviewDep


ChangeDep = Annotated[Change, Depends()]
ReviewChangeDep = Annotated[Review, Depends()]


@start_route(
    router,
    "",
    (404, 409),
    summary="Start an assessment of an AI system (pinned to a questionnaire version)",
)
def create_assessment(body: AssessmentCreate, start: StartDep) -> JSONResponse:
    return start.once(body, service.create_assessment)


@router.get(
    "",
    response_model=Page[AssessmentSummary],
    responses=problem_responses(400),
    summary="List assessments, newest first",
    description="Newest first (by creation time, then id); the filters combine with AND.",
)
def list_assessments(filters: FiltersDep, listing: ListingDep) -> JSONBytes:
    return listing.of(filters)


@router.api_route("/import", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def import_takes_only_post() -> None:
    """`import` is no assessment id: another method on it is a 405 naming POST (see the 405
    handler), not a 422 about an id, which `/{assessment_id}` below would answer."""
    raise StarletteHTTPException(status_code=405)


@router.get(
    "/{assessment_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="Get an assessment with its answers, progress and ETag",
)
def get_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ReadDep,
) -> AssessmentPublic:
    assessment = service.get_assessment(session, caller=principal, assessment_id=assessment_id)
    return _with_etag(response, session, catalog, assessment)


@router.patch(
    "/{assessment_id}/answers",
    response_model=AssessmentPublic,
    responses={
        **WRITE_ERRORS,
        **etag_response(200),
        **etag_response(204, description="Saved (with `Prefer: return=minimal`)"),
    },
    summary="Autosave answers of a draft (needs If-Match; null removes an answer)",
)
async def save_answers(
    assessment_id: uuid.UUID,
    body: AnswersPatch,
    response: Response,
    catalog: CatalogDep,
    autosave: AutosaveDep,
    token: CredentialDep,
    minimal: ReturnMinimal,
    if_match: IfMatchHeader = None,
) -> AssessmentPublic | Response:
    # Concurrent saves share a transaction (group commit, see app/assessments/autosave.py); each
    # is checked on its own and answered only once it is committed.
    def render(session: Session, assessment: Assessment) -> AssessmentPublic:
        return views.assessment_public(session, catalog, assessment)

    saved = await autosave.save(
        Save(
            token=token,
            assessment_id=assessment_id,
            changes=body.answers,
            if_match=if_match,
            render=None if minimal else render,
        )
    )
    if minimal:
        return Response(
            status_code=status.HTTP_204_NO_CONTENT,
            headers={"ETag": etag(saved.revision), "Preference-Applied": "return=minimal"},
        )
    response.headers["ETag"] = etag(saved.revision)
    body_out: AssessmentPublic = saved.body
    return body_out


@router.get(
    "/{assessment_id}/preview",
    response_model=Preview,
    responses=problem_responses(404, 409),
    summary="The live result of the answers as they stand, with undetermined rules",
)
def preview_assessment(
    assessment_id: uuid.UUID,
    session: SessionDep,
    catalog: CatalogDep,
    principal: ReadDep,
    as_of: date | None = None,
    trace: bool = False,
) -> dict[str, Any]:
    assessment = service.get_assessment(session, caller=principal, assessment_id=assessment_id)
    progress, result = service.preview(catalog, assessment, as_of=as_of, trace=trace)
    return {"progress": progress.model_dump(), "result": result}


@router.post(
    "/{assessment_id}/submit",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Validate, score with the pinned version, store the result and freeze the answers",
)
def submit_assessment(change: ChangeDep, body: SubmitBody | None = None) -> AssessmentPublic:
    assessment = change.apply(service.submit, as_of=body.as_of if body else None)
    return change.answer(assessment)


@router.post(
    "/{assessment_id}/review",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Approve, reject or request changes (a reviewer other than the submitter)",
)
def review_assessment(body: AssessmentReviewBody, review: ReviewChangeDep) -> AssessmentPublic:
    # The body's fields (decision, comment, item comments) are the service's arguments.
    return review.answer(review.apply(service.review, **body.model_dump()))


@router.post(
    "/{assessment_id}/migrate",
    responses={**WRITE_ERRORS, **etag_response(200, always=False)},
    summary="Move a draft to a newer questionnaire version (dry run by default)",
)
def migrate_assessment(body: MigrateBody, change: ChangeDep) -> MigrationReport:
    plan, assessment = change.apply(
        service.migrate_draft, to_version=body.to_version, dry_run=body.dry_run
    )
    return MigrationReport(
        **views.plan_fields(plan),
        dry_run=body.dry_run,
        assessment=None if body.dry_run else change.answer(assessment),
    )


@router.get(
    "/{assessment_id}/rounds",
    responses=problem_responses(400, 404),
    summary="Every submitted round with its frozen answers, result and decision",
    description="Rounds in round order, the first round first (the history reads as it "
    "happened); `limit` and `cursor` page through them.",
)
def list_assessment_rounds(
    assessment_id: uuid.UUID,
    session: SessionDep,
    principal: ReadDep,
    page: PageDep,
) -> Page[RoundPublic]:
    assessment = service.get_assessment(session, caller=principal, assessment_id=assessment_id)
    found, next_cursor = queries.rounds_page(session, assessment, **page)
    return Page(items=[views.round_public(r) for r in found], next_cursor=next_cursor)


@router.get(
    "/{assessment_id}/rounds/{round_number}",
    responses=problem_responses(404),
    summary="One submitted round",
)
def get_assessment_round(
    assessment_id: uuid.UUID, round_number: DbIntPath, session: SessionDep, principal: ReadDep
) -> RoundPublic:
    assessment = service.get_assessment(session, caller=principal, assessment_id=assessment_id)
    return views.round_public(service.get_round(session, assessment, round_number))


@standing_router.get(
    "/v1/overdue-systems",
    responses=problem_responses(400),
    summary="Active AI systems with a current assessment past its reassessment date",
    description="Most overdue first: by the earliest due date among the system's current "
    "assessments, then by system id; each system lists its overdue assessments, earliest due "
    "first.",
)
def list_overdue_systems(listing: ListingDep) -> Page[OverdueSystem]:
    systems, next_cursor = queries.overdue_systems(
        listing.session, caller=listing.principal, **listing.page
    )
    return Page(
        items=[
            OverdueSystem(
                system_id=system.id,
                system_name=system.name,
                overdue=[views.assessment_summary(a, system.name) for a in assessments],
            )
            for system, assessments in systems
        ],
        next_cursor=next_cursor,
    )
