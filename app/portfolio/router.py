"""HTTP layer of the portfolio: plans, the work queue, merged standing, dossier, control
implementation records and the Statement of Applicability v2."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any, Literal, TypedDict

from fastapi import Depends, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BeforeValidator
from sqlmodel import Session

from app.assessments.export_router import VARY_LANGUAGE, AcceptLanguage
from app.auth import (
    CredentialDep,
    Principal,
    ReadDep,
    Scope,
    authenticate,
    check_scope,
)
from app.concurrency import etag_response, with_etag
from app.db import SessionDep, transaction, utcnow
from app.deps import EngineDep, SettingsDep
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.pagination import Page, PageDep, page_after, read_after_cursor
from app.portfolio import plan as plans
from app.portfolio import reports, service, soa, views
from app.portfolio.models import (
    Applicability,
    ControlEvidence,
    ControlRecord,
    ImplementationStatus,
)
from app.portfolio.schemas import (
    ControlEvidencePublic,
    ControlRecordCreate,
    ControlRecordPublic,
    ControlRecordWrite,
    SystemPlan,
    SystemStanding,
    WorkItem,
)
from app.questionnaires.catalog import Catalog
from app.questionnaires.dependencies import CatalogDep
from app.route_helpers import ReadAccess, SystemsWriteAccess, SystemsWriteChange, creation
from app.routing import AUTHENTICATED, problem_router, raw_body
from app.suppliers.evidence import (
    ALLOWED_TYPES,
    DOWNLOAD_RESPONSES,
    EvidenceStore,
    UploadDep,
    receive,
)
from app.systems.models import AISystem

router = problem_router(AUTHENTICATED, tags=["portfolio"])

ControlId = Annotated[
    str, Path(max_length=100, description="A control catalog id, e.g. `iso-42001:A.5.4`.")
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # pydantic reads "0" as a Unix time (1970-01-01); the contract promises an ISO date.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("not a date (YYYY-MM-DD)")
    return value


AsOfQuery = Annotated[
    date | None,
    BeforeValidator(_iso_date),
    Query(description="The date obligations are judged at; today (UTC) by default."),
]
CalendarQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Report obligation dates under this application calendar only "
        "(see GET /v1/controls calendars); all calendars when left out.",
    ),
]


async def _plan_settings(settings: SettingsDep) -> service.PlanSettings:
    return service.PlanSettings(
        grace_days=settings.plan_grace_days, due_soon_days=settings.plan_due_soon_days
    )


PlanSettingsDep = Annotated[service.PlanSettings, Depends(_plan_settings)]


class StandingQuery(TypedDict):
    """What one AI system's standing is read with, as the path and query name it."""

    caller: Principal
    system_id: uuid.UUID
    as_of: date
    calendar: str | None
    settings: service.PlanSettings


def _standing_query(
    system_id: uuid.UUID,
    principal: ReadDep,
    settings: PlanSettingsDep,
    as_of: AsOfQuery = None,
    calendar: CalendarQuery = None,
) -> StandingQuery:
    return StandingQuery(
        caller=principal,
        system_id=system_id,
        as_of=as_of or utcnow().date(),
        calendar=calendar,
        settings=settings,
    )


# The system, the day obligations are judged at and the calendar: the standing and the dossier.
StandingDep = Annotated[StandingQuery, Depends(_standing_query)]


def _record(
    session: Session, catalog: Catalog, record: ControlRecord, response: Response
) -> ControlRecordPublic:
    """A control record's view, with its ETag."""
    return with_etag(
        response, record.revision, views.control_records(session, catalog, [record])[0]
    )


@router.get(
    "/v1/ai-systems/{system_id}/plan",
    responses=problem_responses(404),
    summary="The questionnaires the AI system needs (as their files declare) and their state",
)
def get_ai_system_plan(
    system_id: uuid.UUID, catalog: CatalogDep, access: ReadAccess, settings: PlanSettingsDep
) -> SystemPlan:
    return service.system_plan(**access, catalog=catalog, system_id=system_id, settings=settings)


# The work queue and the control records are built whole and cut into pages here (see
# `pagination.page_after`).


def _is_queue_key(after: Any) -> bool:
    return isinstance(after, list) and len(after) == 4 and all(isinstance(v, str) for v in after)


def _queue_key(row: tuple[AISystem, plans.Entry]) -> list[Any]:
    return plans.queue_sort_key(*row)


@router.get(
    "/v1/work-queue",
    responses=problem_responses(400),
    summary="Assessments the organisation's active AI systems need: missing, in progress, due "
    "soon or overdue",
    description="Ordered by due date, earliest first (entries without a due date last), then by "
    "system id, questionnaire key and supplier id.",
)
def list_work_queue(
    catalog: CatalogDep,
    access: ReadAccess,
    settings: PlanSettingsDep,
    window: PageDep,
    urgency: plans.Urgency | None = None,
    state: plans.PlanState | None = None,
    questionnaire_key: Annotated[str | None, Query(max_length=64)] = None,
    system_id: uuid.UUID | None = None,
    owner: Annotated[str | None, Query(max_length=200, description="The system owner.")] = None,
) -> Page[WorkItem]:
    after = read_after_cursor(window["cursor"], _is_queue_key)
    rows = plans.work_queue(
        **access,
        catalog=catalog,
        filters=plans.QueueFilters(
            urgency=urgency,
            state=state,
            questionnaire_key=questionnaire_key,
            system_id=system_id,
            owner=owner,
        ),
        grace_days=settings.grace_days,
        due_soon_days=settings.due_soon_days,
    )
    page, next_cursor = page_after(rows, after, window["limit"], _queue_key)
    return Page(
        items=[
            WorkItem(
                **service.entry_public(entry).model_dump(),
                system_id=system.id,
                system_name=system.name,
                system_owner=system.owner,
            )
            for system, entry in page
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/v1/ai-systems/{system_id}/standing",
    responses=problem_responses(404),
    summary="One standing per AI system: overall tier, merged obligations and controls, "
    "suppliers' tiers, the plan and the next due date",
)
def get_system_standing(
    session: SessionDep, catalog: CatalogDep, standing: StandingDep
) -> SystemStanding:
    return service.system_standing(session, catalog, **standing)


HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A printable HTML page.", "content": {"text/html": {}}}
}


@router.get(
    "/v1/ai-systems/{system_id}/dossier",
    response_class=HTMLResponse,
    responses={**HTML_RESPONSE, **problem_responses(404)},
    summary="Printable dossier of an AI system (HTML with print CSS)",
)
def get_ai_system_dossier(
    session: SessionDep, catalog: CatalogDep, standing: StandingDep
) -> HTMLResponse:
    return HTMLResponse(service.dossier(session, catalog, **standing))


@router.get(
    "/v1/control-records",
    responses=problem_responses(400),
    summary="The organisation's control implementation records",
    description="Ordered by control id, first to last (string order).",
)
def list_control_records(
    catalog: CatalogDep,
    access: ReadAccess,
    window: PageDep,
    status_: Annotated[ImplementationStatus | None, Query(alias="status")] = None,
    owner_user_id: uuid.UUID | None = None,
    overdue: Annotated[
        bool | None, Query(description="Not implemented and past the target date.")
    ] = None,
    applicability: Applicability | None = None,
) -> Page[ControlRecordPublic]:
    after = read_after_cursor(window["cursor"], lambda after: isinstance(after, str))
    records = service.list_records(
        **access,
        filters=service.RecordFilters(
            status=status_,
            owner_user_id=owner_user_id,
            overdue=overdue,
            applicability=applicability,
        ),
    )
    page, next_cursor = page_after(records, after, window["limit"], lambda r: r.control_id)
    items = views.control_records(access["session"], catalog, page)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/v1/control-records/{control_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="One control's implementation record (with its ETag)",
)
def get_control_record(
    control_id: ControlId, response: Response, catalog: CatalogDep, access: ReadAccess
) -> ControlRecordPublic:
    record = service.get_record(**access, controls=catalog.controls, control_id=control_id)
    return _record(access["session"], catalog, record, response)


@router.post(
    "/v1/control-records",
    summary="Record how the organisation applies and implements a catalog control",
    **creation(ControlRecordPublic, 409),
)
def create_control_record(
    body: ControlRecordCreate,
    catalog: CatalogDep,
    access: SystemsWriteAccess,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    def create() -> Created:
        record = service.create_record(**access, controls=catalog.controls, data=body)
        view = views.control_records(access["session"], catalog, [record])[0]
        location = f"/v1/control-records/{record.control_id}"
        return created(view, location=location, revision=record.revision)

    return idempotency.run(**access, body=body, create=create)


@router.patch(
    "/v1/control-records/{control_id}",
    responses={**problem_responses(404, 412, 428), **etag_response(200)},
    summary="Change a control's implementation record (needs If-Match)",
)
def update_control_record(
    control_id: ControlId,
    body: ControlRecordWrite,
    response: Response,
    catalog: CatalogDep,
    change: SystemsWriteChange,
) -> ControlRecordPublic:
    record = service.update_record(
        **change, controls=catalog.controls, control_id=control_id, data=body
    )
    return _record(change["session"], catalog, record, response)


@router.post(
    "/v1/control-records/{control_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 413, 415),
    summary="Attach an evidence file to a control's record: the raw bytes as the body, its type "
    "as Content-Type (kept with its SHA-256)",
    openapi_extra=raw_body(ALLOWED_TYPES),
)
async def upload_control_evidence(
    control_id: ControlId,
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    catalog: CatalogDep,
    credential: CredentialDep,
    filename: Annotated[
        str, Query(min_length=1, max_length=255, description="The file's name, for display.")
    ],
) -> ControlEvidencePublic:
    def check() -> Principal:
        with transaction(engine, write=False) as session:
            caller = check_scope(authenticate(session, settings, credential), Scope.SYSTEMS_WRITE)
            service.check_record_exists(
                session, catalog.controls, caller=caller, control_id=control_id
            )
            return caller

    # Who and what first, then the bytes: no transaction is open while the body streams in.
    principal = await run_in_threadpool(check)
    store = EvidenceStore(settings.evidence_dir)
    # Bodies larger than APP_MAX_REQUEST_BYTES are refused before any route runs.
    limit = min(settings.evidence_max_bytes, settings.max_request_bytes)
    staged, media_type = await receive(store, upload, limit=limit)
    try:

        def record() -> ControlEvidence:
            with transaction(engine, write=True) as session:
                return service.add_evidence(
                    session,
                    catalog.controls,
                    caller=principal,
                    control_id=control_id,
                    store=store,
                    staged=staged,
                    filename=filename,
                    content_type=media_type,
                )

        evidence = await run_in_threadpool(record)
    finally:
        staged.discard()
    return ControlEvidencePublic.model_validate(evidence, from_attributes=True)


@router.get(
    "/v1/control-records/{control_id}/evidence/{evidence_id}/content",
    response_class=FileResponse,
    responses=DOWNLOAD_RESPONSES,
    summary="Download a control's evidence file (its SHA-256 is in the Repr-Digest header)",
)
def download_control_evidence(
    control_id: ControlId,
    evidence_id: uuid.UUID,
    settings: SettingsDep,
    catalog: CatalogDep,
    access: ReadAccess,
) -> FileResponse:
    evidence = service.get_evidence(
        **access, controls=catalog.controls, control_id=control_id, evidence_id=evidence_id
    )
    return EvidenceStore(settings.evidence_dir).download(evidence)


@router.get(
    "/v1/statement-of-applicability/v2",
    response_model=soa.StatementOfApplicabilityV2,
    responses={
        200: {
            "description": "JSON; CSV with `format=csv`; a printable HTML page with `format=html`.",
            "content": {"text/csv": {"schema": {"type": "string"}}, "text/html": {}},
        },
    },
    summary="Statement of Applicability (ISO/IEC 42001 6.1.3 d): applicability, justification, "
    "implementation status, owner and evidence of every Annex A control",
)
def get_statement_of_applicability_v2(
    catalog: CatalogDep,
    access: ReadAccess,
    format_: Annotated[Literal["json", "csv", "html"], Query(alias="format")] = "json",
    as_of: AsOfQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    statement = soa.build(
        **access, controls=catalog.controls, as_of=as_of, accept_language=accept_language
    )
    vary = {"Vary": VARY_LANGUAGE}
    if format_ == "csv":
        return Response(
            soa.to_csv(statement),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="statement-of-applicability.csv"',
                **vary,
            },
        )
    if format_ == "html":
        return HTMLResponse(reports.render("soa.html", s=statement), headers=vary)
    return JSONResponse(statement.model_dump(mode="json"), headers=vary)
