"""Domain errors and their rendering as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app import jsonpointer

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"
# A problem document lists this many problems at most (one body can hold thousands).
MAX_PROBLEM_ERRORS = 100

logger = logging.getLogger("app.errors")


class ProblemItem(BaseModel):
    """One problem inside a request: which value (JSON pointer or parameter) and what is wrong."""

    pointer: str | None = Field(default=None, description="JSON pointer into the request body.")
    parameter: str | None = Field(
        default=None, description="Name of a query/path/header parameter."
    )
    detail: str
    code: str | None = Field(default=None, description="Stable machine-readable reason.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="Stable URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemItem] | None = Field(
        default=None, description=f"The problems found, at most the first {MAX_PROBLEM_ERRORS}."
    )
    errors_total: int | None = Field(
        default=None,
        description="How many problems were found, when there were more than `errors` lists.",
    )


class ProblemType(StrEnum):
    """Every kind of problem this service answers with: the `type` is `/problems/<value>`.

    Clients branch on these, so a value never changes meaning once published.
    """

    # 400
    BAD_REQUEST = "bad-request"
    MALFORMED_BODY = "malformed-body"
    INVALID_CURSOR = "invalid-cursor"
    # 401
    UNAUTHENTICATED = "unauthenticated"
    INVALID_CREDENTIALS = "invalid-credentials"
    # 403
    FORBIDDEN = "forbidden"
    INSUFFICIENT_SCOPE = "insufficient-scope"
    CSRF_REJECTED = "csrf-rejected"
    OWN_SUBMISSION = "own-submission"
    # 404
    NOT_FOUND = "not-found"
    INVALID_TOKEN = "invalid-token"  # noqa: S105 (a kind of problem, not a secret)
    # 405, 406
    METHOD_NOT_ALLOWED = "method-not-allowed"
    NOT_ACCEPTABLE = "not-acceptable"
    # 409
    CONFLICT = "conflict"
    CONCURRENT_CHANGE = "concurrent-change"
    ALREADY_DEACTIVATED = "already-deactivated"
    ALREADY_REVOKED = "already-revoked"
    ASSESSMENT_NOT_DRAFT = "assessment-not-draft"
    ASSESSMENT_NOT_SUBMITTED = "assessment-not-submitted"
    CONTACT_EXISTS = "contact-exists"
    CONTACT_IN_USE = "contact-in-use"
    CONTROL_RECORD_EXISTS = "control-record-exists"
    EVIDENCE_MISSING = "evidence-missing"
    EVIDENCE_SUBMITTED = "evidence-submitted"
    LAST_ADMIN = "last-admin"
    LAST_ADMIN_KEY = "last-admin-key"
    MEMBER_EXISTS = "member-exists"
    NOT_A_SESSION = "not-a-session"
    QUESTIONNAIRE_VERSION_CHANGED = "questionnaire-version-changed"
    QUESTIONNAIRE_VERSION_UNAVAILABLE = "questionnaire-version-unavailable"
    REQUEST_CLOSED = "request-closed"
    REQUEST_DECIDED = "request-decided"
    SUPPLIER_ASSESSMENT = "supplier-assessment"
    SYSTEM_RETIRED = "system-retired"
    TRIAGE_FROM_ASSESSMENT = "triage-from-assessment"
    TRIAGE_OPEN = "triage-open"
    DELIVERY_UNDER_WAY = "delivery-under-way"
    NO_APPROVED_RESULTS = "no-approved-results"
    # 412, 413, 415, 428
    PRECONDITION_FAILED = "precondition-failed"
    PAYLOAD_TOO_LARGE = "payload-too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    PRECONDITION_REQUIRED = "precondition-required"
    # 422
    VALIDATION_ERROR = "validation-error"
    COMMENT_REQUIRED = "comment-required"
    DUPLICATE_CONTACT = "duplicate-contact"
    EMPTY_FILE = "empty-file"
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused"
    INCIDENT_DATES = "incident-dates"
    INCIDENT_QUESTIONNAIRE = "incident-questionnaire"
    TRIAGE_INCOMPLETE = "triage-incomplete"
    INVALID_ANSWERS = "invalid-answers"
    INVALID_EXPORT = "invalid-export"
    JUSTIFICATION_REQUIRED = "justification-required"
    NOT_A_NEWER_VERSION = "not-a-newer-version"
    NOTHING_TO_PREFILL = "nothing-to-prefill"
    PERSONAL_KEY_NEEDS_PERSON = "personal-key-needs-person"
    QUESTIONNAIRE_NOT_PUBLISHED = "questionnaire-not-published"
    QUESTIONNAIRE_SUBJECT = "questionnaire-subject"
    UNKNOWN_AI_SYSTEM = "unknown-ai-system"
    UNKNOWN_CALENDAR = "unknown-calendar"
    UNKNOWN_CONTROL = "unknown-control"
    UNKNOWN_CONTACT = "unknown-contact"
    UNKNOWN_ITEM = "unknown-item"
    UNKNOWN_OWNER = "unknown-owner"
    UNKNOWN_PRODUCT = "unknown-product"
    UNKNOWN_QUESTIONNAIRE = "unknown-questionnaire"
    UNSTORABLE_TEXT = "unstorable-text"
    WEBHOOK_URL_REFUSED = "webhook-url-refused"
    # 429
    TOO_MANY_REQUESTS = "too-many-requests"
    TOO_MANY_SIGN_IN_ATTEMPTS = "too-many-sign-in-attempts"
    # 5xx
    HTTP_ERROR = "http-error"
    INTERNAL_ERROR = "internal-error"
    UNAVAILABLE = "unavailable"
    OSCAL_NOT_INSTALLED = "oscal-not-installed"
    DATABASE_UNAVAILABLE = "database-unavailable"
    MIGRATIONS_PENDING = "migrations-pending"


_STATUS_TYPES: dict[int, tuple[str, str]] = {
    400: (ProblemType.BAD_REQUEST, "Bad request"),
    401: (ProblemType.UNAUTHENTICATED, "Unauthenticated"),
    403: (ProblemType.FORBIDDEN, "Forbidden"),
    404: (ProblemType.NOT_FOUND, "Not found"),
    405: (ProblemType.METHOD_NOT_ALLOWED, "Method not allowed"),
    406: (ProblemType.NOT_ACCEPTABLE, "Not acceptable"),
    409: (ProblemType.CONFLICT, "Conflict"),
    412: (ProblemType.PRECONDITION_FAILED, "Precondition failed"),
    413: (ProblemType.PAYLOAD_TOO_LARGE, "Payload too large"),
    415: (ProblemType.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    422: (ProblemType.VALIDATION_ERROR, "Invalid request"),
    428: (ProblemType.PRECONDITION_REQUIRED, "Precondition required"),
    429: (ProblemType.TOO_MANY_REQUESTS, "Too many requests"),
    500: (ProblemType.INTERNAL_ERROR, "Internal server error"),
    503: (ProblemType.UNAVAILABLE, "Service unavailable"),
}


def status_title(status: int) -> str:
    """The title of a problem document of this status (a kind of problem may name its own)."""
    return _STATUS_TYPES.get(status, (ProblemType.HTTP_ERROR, "HTTP error"))[1]


class AppError(Exception):
    """A domain error carrying its own HTTP status; one handler renders it as problem details.

    Raise one of the kinds below; they fix the status and title that go with the kind."""

    def __init__(
        self,
        *,
        status: int,
        type: str,
        title: str | None = None,
        detail: str | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.title = title or status_title(status)
        super().__init__(detail or self.title)
        self.status = status
        self.type = str(type)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = headers


def field_problem(pointer: str, detail: str, **extra: str) -> dict[str, Any]:
    """One problem in the body, at a JSON pointer."""
    return {"pointer": pointer, "detail": detail, **extra}


def parameter_problem(parameter: str, detail: str) -> dict[str, Any]:
    """One problem in a query, path or header parameter."""
    return {"parameter": parameter, "detail": detail}


class BadRequestError(AppError):
    """400: a request this service cannot read at all (a cursor it did not issue)."""

    def __init__(
        self, type: str, detail: str, *, errors: Sequence[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(status=400, type=type, detail=detail, errors=errors)


class UnauthenticatedError(AppError):
    """401: no valid credential; `challenge` is the WWW-Authenticate header to send."""

    def __init__(
        self,
        detail: str,
        *,
        type: str = ProblemType.UNAUTHENTICATED,
        challenge: str | None = 'Bearer realm="api"',
    ) -> None:
        super().__init__(
            status=401,
            type=type,
            detail=detail,
            headers={"WWW-Authenticate": challenge} if challenge else None,
        )


class ForbiddenError(AppError):
    """403: the caller is known and may not do this."""

    def __init__(self, type: str, detail: str) -> None:
        super().__init__(status=403, type=type, detail=detail)


class NotFoundError(AppError):
    """404: no such resource for this caller (another organisation's is a 404 too)."""

    def __init__(
        self,
        what: str | None = None,
        identifier: object = None,
        *,
        detail: str | None = None,
        type: str = ProblemType.NOT_FOUND,
    ) -> None:
        super().__init__(
            status=404,
            type=type,
            detail=detail if detail is not None else f"No {what} {identifier}.",
        )


class ConflictError(AppError):
    """409: the resource's state does not allow this (the kind says which state)."""

    def __init__(
        self,
        detail: str,
        *,
        type: str = ProblemType.CONFLICT,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(status=409, type=type, detail=detail, errors=errors)


class PreconditionFailedError(AppError):
    def __init__(self, current_etag: str) -> None:
        super().__init__(
            status=412,
            type=ProblemType.PRECONDITION_FAILED,
            detail="If-Match does not match the current revision; reload and apply the change again.",  # noqa: E501
            headers={"ETag": current_etag},
        )


class PayloadTooLargeError(AppError):
    def __init__(self, detail: str) -> None:
        super().__init__(status=413, type=ProblemType.PAYLOAD_TOO_LARGE, detail=detail)


class UnsupportedMediaTypeError(AppError):
    """415: the body's media type (or its content) is not one this route accepts."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            status=415,
            type=ProblemType.UNSUPPORTED_MEDIA_TYPE,
            detail=detail,
            errors=[parameter_problem("Content-Type", detail)],
        )


class InvalidRequestError(AppError):
    """422: the request is readable and wrong; `errors` point at what is wrong."""

    def __init__(
        self,
        type: str,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        title: str = "Invalid request",
    ) -> None:
        super().__init__(status=422, type=type, title=title, detail=detail, errors=errors)


class InvalidFieldError(InvalidRequestError):
    """422 about one value of the body, named by its JSON pointer."""

    def __init__(
        self,
        pointer: str,
        detail: str,
        *,
        type: str = ProblemType.VALIDATION_ERROR,
        reason: str | None = None,
        title: str = "Invalid request",
    ) -> None:
        super().__init__(
            type, detail, errors=[field_problem(pointer, reason or detail)], title=title
        )


class InvalidParameterError(InvalidRequestError):
    """422 about one query, path or header parameter."""

    def __init__(self, parameter: str, detail: str, *, type: str, reason: str) -> None:
        super().__init__(type, detail, errors=[parameter_problem(parameter, reason)])


class PreconditionRequiredError(AppError):
    def __init__(self) -> None:
        super().__init__(
            status=428,
            type=ProblemType.PRECONDITION_REQUIRED,
            detail="This write needs an If-Match header with the ETag of the revision it changes.",
        )


class TooManyRequestsError(AppError):
    """429 with the seconds to wait in Retry-After."""

    def __init__(
        self, detail: str, *, retry_after: int, type: str = ProblemType.TOO_MANY_REQUESTS
    ) -> None:
        super().__init__(
            status=429,
            type=type,
            detail=detail,
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailableError(AppError):
    """503: something the request needs cannot be reached now; Retry-After says when to retry."""

    def __init__(self, type: str, detail: str, *, retry_after: int) -> None:
        headers = {"Retry-After": str(retry_after)}
        super().__init__(status=503, type=type, detail=detail, headers=headers)


def problem_response(request: Request, problem: AppError) -> JSONResponse:
    """Render one problem document: every one the service answers is an `AppError`'s."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + problem.type,
        "title": problem.title,
        "status": problem.status,
    }
    if problem.detail is not None:
        body["detail"] = problem.detail
    body["instance"] = request.url.path
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    errors = problem.errors
    if errors is not None:
        body["errors"] = [
            {k: v for k, v in e.items() if v is not None} for e in errors[:MAX_PROBLEM_ERRORS]
        ]
        if len(errors) > MAX_PROBLEM_ERRORS:
            body["errors_total"] = len(errors)
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _pointer(loc: Sequence[int | str]) -> dict[str, str]:
    """Turn a pydantic error location into a JSON pointer (body) or a parameter name."""
    if not loc:
        return {"pointer": ""}
    where, *rest = loc
    if where == "body":
        return {"pointer": jsonpointer.pointer(rest)}
    return {"parameter": ".".join(str(p) for p in rest) or str(where)}


async def _app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(request, exc)


def malformed_body(request: Request, detail: str) -> JSONResponse:
    """The one answer to a body that is not JSON at all: 400, before any validation."""
    errors = [{"pointer": "", "detail": detail, "code": "json_invalid"}]
    problem = f"{detail}; nothing was changed."
    return problem_response(
        request, BadRequestError(ProblemType.MALFORMED_BODY, problem, errors=errors)
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            # FastAPI reports a syntax error as a validation error whose "location" is a
            # character offset, not a JSON pointer: it is an unparseable body, a 400.
            position = err.get("loc", ("body", "?"))[-1]
            return malformed_body(request, f"The body is not valid JSON (at character {position})")
    errors = []
    for err in exc.errors():
        item: dict[str, Any] = _pointer(err.get("loc", ()))
        item["detail"] = err.get("msg", "Invalid value")
        item["code"] = err.get("type")
        errors.append(item)
    detail = f"{len(errors)} problem(s) in the request; nothing was changed."
    return problem_response(
        request, InvalidRequestError(ProblemType.VALIDATION_ERROR, detail, errors=errors)
    )


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _STATUS_TYPES.get(exc.status_code, (ProblemType.HTTP_ERROR, "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        return malformed_body(request, "The body could not be read as JSON")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        if allowed is not None:
            headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; allowed: {headers.get('Allow')}."
    return problem_response(
        request,
        AppError(
            status=exc.status_code,
            type=type_,
            title=title,
            detail=detail,
            headers=headers or None,
        ),
    )


def allowed_methods(request: Request) -> list[str] | None:
    """Every method the contract gives the resource at this path (RFC 9110 15.5.6); None for a
    path outside the contract. The router stops at the first route whose path matches, so its own
    405 names only that route's methods. Where a fixed path and a template both match
    (`/v1/assessments/import`), the fixed path is the resource."""
    path = request.scope["path"]
    matching = [
        (template, methods)
        for template, pattern, methods in _path_patterns(request.app)
        if pattern.fullmatch(path)
    ]
    if not matching:
        return None
    return min(matching, key=lambda found: found[0].count("{"))[1]


def _path_patterns(app: FastAPI) -> list[tuple[str, re.Pattern[str], list[str]]]:
    patterns: list[tuple[str, re.Pattern[str], list[str]]] | None = getattr(
        app.state, "path_patterns", None
    )
    if patterns is None:
        patterns = [
            (
                template,
                re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))),
                sorted(method.upper() for method in operations),
            )
            for template, operations in app.openapi().get("paths", {}).items()
        ]
        app.state.path_patterns = patterns
    return patterns


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    # A unique constraint lost to a concurrent request: the caller can retry, nothing was written.
    logger.warning("integrity error", exc_info=exc)
    detail = "A concurrent request wrote the same data first; nothing was changed. Retry."
    return problem_response(request, ConflictError(detail, type=ProblemType.CONCURRENT_CHANGE))


async def _database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    # Unreachable, restarting, locked, a deadlock victim, or not migrated: the request did not
    # go through, and the client may try again (If-Match and Idempotency-Key make that safe).
    logger.warning("database unavailable", exc_info=exc)
    detail = (
        "The database could not serve this request (unreachable, busy or not ready); it did not "
        "go through. Retry shortly: writes with If-Match or Idempotency-Key are safe to repeat."
    )
    unavailable = ServiceUnavailableError(ProblemType.DATABASE_UNAVAILABLE, detail, retry_after=1)
    return problem_response(request, unavailable)


async def _client_disconnect_handler(request: Request, exc: Exception) -> Response:
    # The client went away mid-request (an aborted upload): nobody reads this answer, and it is
    # not a server error. 499 is what proxies log for it.
    logger.info(
        "client disconnected",
        extra={"path": request.url.path, "method": request.method},
    )
    return Response(status_code=499)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    logger.error(
        "unhandled exception",
        exc_info=exc,
        extra={"request_id": request_id, "path": request.url.path, "method": request.method},
    )
    headers = {"X-Request-ID": request_id} if request_id else None
    detail = "The server failed to handle this request; quote the request id when reporting it."
    failed = AppError(status=500, type=ProblemType.INTERNAL_ERROR, detail=detail, headers=headers)
    return problem_response(request, failed)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(OperationalError, _database_unavailable_handler)
    app.add_exception_handler(ClientDisconnect, _client_disconnect_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


ETAG_HEADER: dict[str, Any] = {
    "description": "The current revision's strong validator: send it back in If-Match.",
    "schema": {"type": "string"},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring the problem documents a route can return."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        title = status_title(status)
        if status == 400:
            title = "Bad request: the body is not JSON (`malformed-body`), or a cursor is not one "
            "this service issued (`invalid-cursor`)"
        if status == 412:
            out[status] = {
                "description": "Precondition failed (stale If-Match); ETag names the current "
                "revision",
                "headers": {"ETag": {**ETAG_HEADER, "required": True}},
                "content": {
                    PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
            continue
        elif status == 428:
            title = "Precondition required (If-Match missing)"
        elif status == 304:
            out[status] = {
                "description": "Not modified",
                "headers": {"ETag": {**ETAG_HEADER, "required": True}},
            }
            continue
        out[status] = {
            "description": title,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
