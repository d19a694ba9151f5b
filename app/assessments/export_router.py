"""HTTP layer of assessment exports and imports and of the Statement of Applicability."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session

from app.assessments import exports, service, soa
from app.assessments.exports import AssessmentExport, AssessmentImport, ImportedAssessment
from app.assessments.models import Assessment
from app.assessments.soa import StatementOfApplicability
from app.auth import Principal, ReadDep, Scope, require_scope
from app.db import SessionDep
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep, created
from app.questionnaires.catalog import Catalog
from app.questionnaires.dependencies import CatalogDep
from app.routing import problem_router

router = problem_router(tags=["exports"])

WriteDep = Annotated[Principal, Depends(require_scope(Scope.ASSESSMENTS_WRITE))]
AcceptLanguage = Annotated[
    str | None, Header(max_length=500, description="Preferred languages (RFC 9110).")
]
READ_ERRORS = problem_responses(401, 403, 404, 409, 422)
# Content negotiation: the same resource in another language or media type is cached apart.
VARY_LANGUAGE = "Accept-Language"
# An export of an assessment in the caller's language (session, catalog, assessment, the
# Accept-Language header): the rendered text and the language it is in.
Localised = Callable[[Session, Catalog, Assessment, str | None], tuple[str, str]]


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


@dataclass(frozen=True)
class Reading:
    """What an export reads with: the session, the catalog and a caller with the `read` scope."""

    session: SessionDep
    catalog: CatalogDep
    principal: ReadDep

    def localised(
        self, render: Localised, assessment_id: uuid.UUID, accept_language: str | None
    ) -> tuple[str, dict[str, str]]:
        """An assessment rendered by `render` in the caller's language, with the headers that
        name that language."""
        assessment = service.get_assessment(
            self.session, caller=self.principal, assessment_id=assessment_id
        )
        text, language = render(self.session, self.catalog, assessment, accept_language)
        return text, {"Content-Language": language, "Vary": VARY_LANGUAGE}


ReadingDep = Annotated[Reading, Depends()]


@router.get(
    "/v1/assessments/{assessment_id}/export.json",
    response_model=AssessmentExport,
    responses=READ_ERRORS,
    summary="Export an assessment with every round, re-importable into another instance",
)
def export_assessment_json(assessment_id: uuid.UUID, read: ReadingDep) -> JSONResponse:
    document = exports.export_assessment(
        read.session, read.catalog, caller=read.principal, assessment_id=assessment_id
    )
    return JSONResponse(
        document.model_dump(mode="json"),
        headers={"Content-Disposition": _attachment(f"assessment-{assessment_id}.json")},
    )


@router.get(
    "/v1/assessments/{assessment_id}/export.csv",
    response_class=Response,
    responses={
        200: {
            "description": "One row per answer of every round (and of the draft in progress).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **READ_ERRORS,
    },
    summary="Export the answers of every round as CSV, with question texts and tiers",
)
def export_assessment_csv(
    assessment_id: uuid.UUID, read: ReadingDep, accept_language: AcceptLanguage = None
) -> Response:
    text, language = read.localised(exports.export_csv, assessment_id, accept_language)
    attachment = _attachment(f"assessment-{assessment_id}.csv")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment, **language},
    )


@router.get(
    "/v1/assessments/{assessment_id}/report.html",
    response_class=HTMLResponse,
    responses={
        200: {"description": "A self-contained printable report (no scripts, no external assets)."},
        **READ_ERRORS,
    },
    summary="A printable report for auditors: result, rationale, citations, answers and trace",
)
def get_assessment_report(
    assessment_id: uuid.UUID, read: ReadingDep, accept_language: AcceptLanguage = None
) -> HTMLResponse:
    document, language = read.localised(exports.report_html, assessment_id, accept_language)
    return HTMLResponse(
        document,
        headers={
            # The report embeds user text: forbid scripts and remote loads even if one slipped in.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
            **language,
        },
    )


@router.post(
    "/v1/assessments/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportedAssessment,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Import an exported assessment with its rounds into this organisation",
    description="The body is the document exactly as `exportAssessmentJson` returns it.",
)
def import_assessment(
    body: AssessmentExport,
    session: SessionDep,
    catalog: CatalogDep,
    principal: WriteDep,
    idempotency: IdempotencyDep,
    system_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Import into this AI system; by default a new system is created from "
            "the export's system snapshot (required for a supplier's answers, which have none)."
        ),
    ] = None,
) -> JSONResponse:
    def create() -> Created:
        imported = exports.import_assessment(
            session, catalog, caller=principal, doc=body, system_id=system_id
        )
        return created(imported, location=f"/v1/assessments/{imported.assessment_id}")

    # The target system is part of what the key stands for: the same export into another system
    # with the same key is a different request.
    request = AssessmentImport(export=body, system_id=system_id)
    return idempotency.run(session, caller=principal, body=request, create=create)


@router.get(
    "/v1/statement-of-applicability",
    response_model=StatementOfApplicability,
    responses={
        200: {
            "description": "JSON, or CSV (one row per control) with `format=csv` or "
            "`Accept: text/csv`.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
    summary="ISO/IEC 42001 Statement of Applicability: every Annex A control and who needs it",
)
def get_statement_of_applicability(
    request: Request,
    read: ReadingDep,
    format_: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="`csv` for CSV; otherwise the Accept header decides."),
    ] = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    statement = soa.statement_of_applicability(
        read.session, read.catalog.controls, caller=read.principal, accept_language=accept_language
    )
    wants_csv = format_ == "csv" or (
        format_ is None and "text/csv" in request.headers.get("accept", "").lower()
    )
    vary = {"Vary": f"Accept, {VARY_LANGUAGE}"}
    if wants_csv:
        return Response(
            soa.soa_csv(statement),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": _attachment("statement-of-applicability.csv"), **vary},
        )
    return JSONResponse(statement.model_dump(mode="json"), headers=vary)
