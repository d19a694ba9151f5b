"""The supplier portal: the endpoints a supplier reaches with its invitation token alone.

The token travels in the header ``Authorization: Invitation inv_...`` (never in a path or query,
so it stays out of access logs and Referer headers; the e-mailed link carries it in the URL
fragment, which browsers do not send). It opens exactly one vendor request; every other endpoint
treats it as no credential at all (401). Unknown, expired and revoked tokens get the same 404.
Every request here is rate-limited per token and per client address, across every process.
"""

import threading
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.http import HTTPBase

from app.assessments import service as assessments
from app.assessments.models import Assessment
from app.assessments.schemas import AnswersPatch
from app.auth import hash_key
from app.concurrency import IfMatchHeader, etag_response, with_etag
from app.controls.i18n import pick_language
from app.db import READ_METHODS, SessionDep
from app.deps import EngineDep, SettingsDep
from app.errors import (
    TooManyRequestsError,
    UnauthenticatedError,
    problem_responses,
)
from app.questionnaires.dependencies import CatalogDep
from app.routing import INVITATION, problem_router, raw_body
from app.settings import Settings
from app.suppliers import portal_service, views
from app.suppliers.evidence import ALLOWED_TYPES, EvidenceStore, UploadDep
from app.suppliers.ratelimit import PortalLimiter
from app.suppliers.schemas import EvidencePublic, PortalQuestionnaire, PortalRequest

_invitation = HTTPBase(
    scheme="invitation",
    scheme_name="InvitationToken",
    description="A supplier invitation token: `Authorization: Invitation inv_...`.",
    auto_error=False,
)
InvitationCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_invitation)]
_limiter_lock = threading.Lock()
_HIDDEN_FROM_SUPPLIERS = ("scoring", "reassessment_months", "migrations", "logic_hash")


def _limiter(app: FastAPI) -> PortalLimiter:
    limiter: PortalLimiter | None = getattr(app.state, "portal_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(app.state, "portal_limiter", None)
            if limiter is None:
                settings: Settings = app.state.settings
                limiter = PortalLimiter.from_rates(
                    app.state.counters, settings.portal_rate_limit, settings.portal_ip_rate_limit
                )
                app.state.portal_limiter = limiter
    return limiter


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "invitation":
        raise UnauthenticatedError(
            "Send the invitation token as `Authorization: Invitation <token>`.",
            challenge='Invitation realm="supplier-portal"',
        )
    return credentials.credentials


def rate_limit(request: Request, credentials: InvitationCredentials) -> None:
    """429 with Retry-After past the per-address or per-token limit (before any lookup); a
    plain function, so the shared counter's round trip runs on the thread pool."""
    token = credentials.credentials if credentials is not None else None
    wait = _limiter(request.app).check(
        ip=request.client.host if request.client else "unknown",
        token_hash=hash_key(token) if token else None,
    )
    if wait is not None:
        raise TooManyRequestsError(
            f"Too many requests to the supplier portal; retry in {wait} s.", retry_after=wait
        )


def portal_access(
    request: Request, session: SessionDep, credentials: InvitationCredentials
) -> portal_service.PortalAccess:
    return portal_service.open_invitation(
        session, _token(credentials), read_only=request.method in READ_METHODS
    )


AccessDep = Annotated[portal_service.PortalAccess, Depends(portal_access)]


@dataclass(frozen=True)
class AnswersEdit:
    """A change to the answers under the request's If-Match, answered with the request and its
    new ETag."""

    response: Response
    session: SessionDep
    catalog: CatalogDep
    access: AccessDep
    if_match: IfMatchHeader = None

    def answer(self, assessment: Assessment) -> PortalRequest:
        view = views.portal_request(self.session, self.catalog, self.access, assessment)
        return with_etag(self.response, assessment.revision, view)


AnswersEditDep = Annotated[AnswersEdit, Depends()]

router = problem_router(
    INVITATION,
    prefix="/v1/supplier-portal",
    tags=["supplier portal"],
    dependencies=[Depends(rate_limit)],
)
WRITE_ERRORS = problem_responses(409, 412, 428)


@router.get(
    "",
    responses=etag_response(200),
    summary="The request this invitation opens: message, due date, answers, comments, evidence",
)
def get_portal_request(
    response: Response, session: SessionDep, catalog: CatalogDep, access: AccessDep
) -> PortalRequest:
    response.headers["Cache-Control"] = "no-store"
    view = views.portal_request(session, catalog, access, access.assessment)
    return with_etag(response, access.assessment.revision, view)


@router.get(
    "/questionnaire",
    response_model=PortalQuestionnaire,
    summary="The questionnaire to answer, localised per Accept-Language",
)
def get_portal_questionnaire(
    catalog: CatalogDep,
    access: AccessDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    version = assessments.pinned_version(catalog, access.assessment)
    document = version.document(pick_language(accept_language, version.languages))
    return {k: v for k, v in document.items() if k not in _HIDDEN_FROM_SUPPLIERS}


@router.patch(
    "/answers",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Autosave answers (needs If-Match; null removes an answer)",
)
def save_portal_answers(body: AnswersPatch, edit: AnswersEditDep) -> PortalRequest:
    assessment = portal_service.portal_save(
        edit.session, edit.catalog, access=edit.access, changes=body.answers, if_match=edit.if_match
    )
    return edit.answer(assessment)


@router.post(
    "/submit",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Submit the answers for review (needs If-Match); they are frozen until then",
)
def submit_portal_answers(edit: AnswersEditDep) -> PortalRequest:
    assessment = portal_service.portal_submit(
        edit.session, edit.catalog, access=edit.access, if_match=edit.if_match
    )
    return edit.answer(assessment)


@router.post(
    "/evidence",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 413, 415),
    summary="Attach an evidence file: the raw bytes as the body, its type as Content-Type",
    openapi_extra=raw_body(ALLOWED_TYPES),
)
async def upload_portal_evidence(
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    catalog: CatalogDep,
    credentials: InvitationCredentials,
    filename: Annotated[
        str, Query(min_length=1, max_length=255, description="The file's name, for display.")
    ],
    item_id: Annotated[
        str | None, Query(max_length=64, description="The question the file supports.")
    ] = None,
) -> EvidencePublic:
    evidence = await portal_service.upload_evidence(
        engine,
        catalog,
        EvidenceStore(settings.evidence_dir),
        token=_token(credentials),
        upload=upload,
        limit=settings.evidence_max_bytes,
        filename=filename,
        item_id=item_id,
    )
    return views.evidence_public(evidence)


@router.delete(
    "/evidence/{evidence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
    summary="Remove a file attached in this round, while the answers are a draft",
)
def delete_portal_evidence(
    evidence_id: uuid.UUID, session: SessionDep, settings: SettingsDep, access: AccessDep
) -> Response:
    portal_service.delete_evidence(
        session, access=access, store=EvidenceStore(settings.evidence_dir), evidence_id=evidence_id
    )
    return Response(status_code=204)
