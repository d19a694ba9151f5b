"""The questionnaire and control routes over a minimal app (no database needed)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI

from app.auth import Principal, get_principal
from app.controls.router import router as controls_router
from app.errors import install_error_handlers
from app.questionnaires.catalog import DEFAULT_ROOT, load_catalog
from app.questionnaires.router import router

BASE = "/v1/questionnaires"


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(controls_router)
    app.state.catalog = load_catalog(DEFAULT_ROOT)
    app.dependency_overrides[get_principal] = lambda: Principal(
        organization_id=uuid.uuid4(), key_id=uuid.uuid4(), key_name="t", scopes=frozenset({"read"})
    )
    return app


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_list(client: httpx.AsyncClient) -> None:
    response = await client.get(BASE, headers={"Accept-Language": "de"})
    assert response.status_code == 200
    items = {i["key"]: i for i in response.json()["items"]}
    assert items["ai-use-triage"]["title"] == "Erstbewertung von KI-Anwendungsfällen"
    assert items["ai-use-triage"]["latest_version"] == "1.0.0"


async def test_get_version_localised_cacheable(client: httpx.AsyncClient) -> None:
    url = f"{BASE}/ai-use-triage/versions/1.0.0"
    response = await client.get(url, headers={"Accept-Language": "de-AT, en;q=0.5"})
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "de"
    assert body["title"] == "Erstbewertung von KI-Anwendungsfällen"
    assert response.headers["content-language"] == "de"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = response.headers["etag"]
    assert etag == f'"{body["content_hash"]}.de"'
    again = await client.get(url, headers={"Accept-Language": "de", "If-None-Match": etag})
    assert again.status_code == 304
    english = await client.get(url, headers={"If-None-Match": etag})
    assert english.status_code == 200
    assert english.json()["title"] == "AI use-case intake triage"


async def test_latest_is_not_immutable(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/ai-use-triage")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.json()["version"] == "1.0.0"


async def test_not_found_is_a_problem(client: httpx.AsyncClient) -> None:
    for url in (
        f"{BASE}/nope",
        f"{BASE}/ai-use-triage/versions/9.0.0",
        f"{BASE}/nope/versions/1.0.0/answer-schema",
    ):
        response = await client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_answer_schema(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/ai-use-triage/versions/1.0.0/answer-schema")
    assert response.status_code == 200
    assert response.json()["additionalProperties"] is False


async def test_evaluate(client: httpx.AsyncClient) -> None:
    body = {"answers": {"uses_ai": "no", "our_role": "buy"}, "as_of": "2026-11-27"}
    response = await client.post(f"{BASE}/ai-use-triage/versions/1.0.0/evaluate", json=body)
    assert response.status_code == 200
    result = response.json()
    assert result["tier"] == "register_only"
    assert result["ignored_answers"] == ["our_role"]
    assert result["trace"]
    latest = await client.post(f"{BASE}/ai-use-triage/evaluate?trace=false", json=body)
    assert latest.status_code == 200
    assert latest.json()["trace"] is None


async def test_evaluate_invalid_answers_point_at_each(client: httpx.AsyncClient) -> None:
    body = {"answers": {"uses_ai": "perhaps", "people_affected": -3, "ghost": 1}}
    response = await client.post(f"{BASE}/ai-use-triage/versions/1.0.0/evaluate", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-answers"
    assert {e["pointer"] for e in problem["errors"]} == {
        "/answers/uses_ai",
        "/answers/people_affected",
        "/answers/ghost",
    }


async def test_controls_list_filter_and_pages(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/controls", params={"framework": "iso-42001", "limit": 30})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 30
    assert all(c["framework"] == "iso-42001" for c in page["items"])
    second = await client.get(
        "/v1/controls",
        params={"framework": "iso-42001", "limit": 30, "cursor": page["next_cursor"]},
    )
    rest = second.json()
    assert rest["next_cursor"] is None
    assert not {c["id"] for c in rest["items"]} & {c["id"] for c in page["items"]}
    bad = await client.get("/v1/controls", params={"cursor": "bm90LWFuLWlk"})
    assert bad.status_code == 400


async def test_control_by_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/controls/iso-42001:A.5.2")
    assert response.status_code == 200
    assert response.json()["title"] == "AI system impact assessment process"
    assert isinstance(response.json()["crosswalk"], list)
    eu = (await client.get("/v1/controls/eu-ai-act:all.ai-literacy")).json()
    assert eu["applies_from"] == {"original": "2025-02-02", "omnibus": "2025-02-02"}
    assert (await client.get("/v1/controls/iso-42001:A.99")).status_code == 404
