"""HTTP routes of the questionnaire catalog: list, serve (localised, cacheable), score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Query
from fastapi.responses import JSONResponse, Response
from fastapi.types import DecoratedCallable

from app.auth import Scope, require_scope
from app.concurrency import etag_response, none_match
from app.controls.i18n import pick_language, text_in
from app.controls.router import AcceptLanguage
from app.db import reads_only
from app.errors import InvalidRequestError, NotFoundError, ProblemType, problem_responses
from app.json_bytes import JSONBytes
from app.questionnaires.catalog import (
    Catalog,
    QuestionnaireNotFoundError,
    QuestionnaireVersion,
)
from app.questionnaires.dependencies import CatalogDep
from app.questionnaires.schemas import (
    EvaluateRequest,
    EvaluationResult,
    QuestionnaireDocument,
    QuestionnaireListOut,
    QuestionnaireSummaryOut,
    VersionOut,
    evaluation_document,
)
from app.routing import AUTHENTICATED_READ, problem_router

# Every route reads: the caller needs the `read` scope.
router = problem_router(
    AUTHENTICATED_READ,
    prefix="/v1/questionnaires",
    tags=["questionnaires"],
    dependencies=[Depends(require_scope(Scope.READ))],
)
# The routes are `async def`: they read the in-memory catalog and compute, and block on nothing,
# so a thread-pool hop would cost more than it saves.

IfNoneMatch = Annotated[str | None, Header(description="ETag(s) of a cached copy.")]
IMMUTABLE = "public, max-age=31536000, immutable"


def _find(catalog: Catalog, key: str, version: str | None) -> QuestionnaireVersion:
    try:
        return catalog.get(key, version)
    except QuestionnaireNotFoundError as exc:
        raise NotFoundError(detail=str(exc)) from exc


def _etag(questionnaire: QuestionnaireVersion, language: str) -> str:
    # Each language is its own representation, so it carries its own strong validator.
    return f'"{questionnaire.content_hash}.{language}"'


# The served document per version and language, as JSON bytes: localising and encoding a large
# questionnaire costs milliseconds, and the catalog never changes while the process runs.
_RENDERED: dict[tuple[str, str, str], bytes] = {}


def _rendered(questionnaire: QuestionnaireVersion, language: str) -> bytes:
    key = (questionnaire.ref, questionnaire.content_hash, language)
    if key not in _RENDERED:
        _RENDERED[key] = bytes(JSONResponse(questionnaire.document(language)).body)
    return _RENDERED[key]


@dataclass(frozen=True)
class Served:
    """A questionnaire document served in the caller's language, 304 to a conditional GET that
    holds it already."""

    accept_language: str | None
    if_none_match: str | None

    def serve(self, questionnaire: QuestionnaireVersion, *, pinned: bool) -> Response:
        language = pick_language(self.accept_language, questionnaire.languages)
        etag = _etag(questionnaire, language)
        cache = IMMUTABLE if pinned and questionnaire.released else "no-cache"
        headers = {
            "ETag": etag,
            "Cache-Control": cache,
            "Content-Language": language,
            "Vary": "Accept-Language",
        }
        if none_match(self.if_none_match, etag):
            return Response(status_code=304, headers=headers)
        return Response(
            _rendered(questionnaire, language), media_type="application/json", headers=headers
        )


async def _served(
    accept_language: AcceptLanguage = None, if_none_match: IfNoneMatch = None
) -> Served:
    return Served(accept_language, if_none_match)


ServedDep = Annotated[Served, Depends(_served)]


async def _latest(key: str, catalog: CatalogDep) -> QuestionnaireVersion:
    return _find(catalog, key, None)


async def _pinned(key: str, version: str, catalog: CatalogDep) -> QuestionnaireVersion:
    return _find(catalog, key, version)


# The questionnaire a GET path names: its latest published version, or the version given.
LatestDep = Annotated[QuestionnaireVersion, Depends(_latest)]
PinnedDep = Annotated[QuestionnaireVersion, Depends(_pinned)]


def _document_route(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a route that serves a questionnaire document (with `Served`): localised, with its
    ETag, 304 to a conditional GET that holds it already."""
    return router.get(
        path,
        response_model=QuestionnaireDocument,
        responses={**problem_responses(304, 404), **etag_response(200)},
    )


@router.get("")
async def list_questionnaires(
    catalog: CatalogDep, accept_language: AcceptLanguage = None
) -> QuestionnaireListOut:
    """Every questionnaire with its versions and the latest published version, in order of key
    (versions in SemVer order); the catalog is small and served whole: `next_cursor` is null."""
    items = []
    for summary in catalog.summaries():
        language = pick_language(accept_language, summary.title)
        items.append(
            QuestionnaireSummaryOut(
                key=summary.key,
                title=text_in(dict(summary.title), language),
                latest_version=summary.latest,
                subject=summary.subject,
                versions=[
                    VersionOut(version=v.version, status=v.status, content_hash=v.content_hash)
                    for v in summary.versions
                ],
            )
        )
    return QuestionnaireListOut(items=items, next_cursor=None)


@_document_route("/{key}")
async def get_questionnaire(questionnaire: LatestDep, served: ServedDep) -> Response:
    """The latest published version of a questionnaire, localised per Accept-Language."""
    return served.serve(questionnaire, pinned=False)


@_document_route("/{key}/versions/{version}")
async def get_questionnaire_version(questionnaire: PinnedDep, served: ServedDep) -> Response:
    """One version of a questionnaire; published versions are immutable and cacheable."""
    return served.serve(questionnaire, pinned=True)


@router.get("/{key}/versions/{version}/answer-schema", responses=problem_responses(404))
async def get_answer_schema(questionnaire: PinnedDep) -> dict[str, Any]:
    """The JSON Schema (2020-12) of an answers object for this version."""
    return questionnaire.answer_schema


def _evaluate(questionnaire: QuestionnaireVersion, body: EvaluateRequest, trace: bool) -> Response:
    problems = questionnaire.validate(body.answers)
    if problems:
        raise InvalidRequestError(
            ProblemType.INVALID_ANSWERS,
            f"{len(problems)} answer(s) are not valid for {questionnaire.ref}.",
            errors=[dict(p) for p in problems],
            title="Invalid answers",
        )
    as_of = body.as_of or datetime.now(UTC).date()
    result = questionnaire.evaluate(body.answers, as_of=as_of, trace=trace)
    # Built by the engine in the model's shape (tests/questionnaires/test_result_json.py holds
    # it there): encoded straight to bytes, not validated against the model first.
    return JSONBytes(evaluation_document(result.to_dict(encoded_trace=True)))


TraceQuery = Annotated[bool, Query(description="Include the per-rule trace.")]


def _evaluation_route(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a route that scores answers against a questionnaire version and stores nothing:
    a POST whose transaction only reads."""
    declare = router.post(
        path, response_model=EvaluationResult, responses=problem_responses(404, 422)
    )

    def evaluation(endpoint: DecoratedCallable) -> DecoratedCallable:
        return declare(reads_only(endpoint))

    return evaluation


@_evaluation_route("/{key}/versions/{version}/evaluate")
async def evaluate_answers(
    key: str, version: str, body: EvaluateRequest, catalog: CatalogDep, trace: TraceQuery = True
) -> Response:
    """Score answers against one version; stores nothing."""
    return _evaluate(_find(catalog, key, version), body, trace)


@_evaluation_route("/{key}/evaluate")
async def evaluate_answers_latest(
    key: str, body: EvaluateRequest, catalog: CatalogDep, trace: TraceQuery = True
) -> Response:
    """Score answers against the latest published version; stores nothing."""
    return _evaluate(_find(catalog, key, None), body, trace)
