"""The questionnaire and control routes over a minimal app (no database needed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, load_catalog
from tests.factories import questionnaire_app

BASE = "/v1/questionnaires"


@pytest_asyncio.fixture
async def client(catalog: Catalog) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=questionnaire_app(catalog))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_list(client: httpx.AsyncClient) -> None:
    response = await client.get(BASE, headers={"Accept-Language": "de"})
    assert response.status_code == 200
    items = {i["key"]: i for i in response.json()["items"]}
    assert items["ai-use-triage"]["title"] == "Erstbewertung von KI-Anwendungsfällen"
    assert items["ai-use-triage"]["latest_version"] == "2.1.0"


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
    assert response.json()["version"] == "2.1.0"


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


async def test_conditional_get_understands_weak_star_and_lists(client: httpx.AsyncClient) -> None:
    url = f"{BASE}/ai-use-triage"
    etag = (await client.get(url)).headers["etag"]
    for if_none_match in (etag, f"W/{etag}", "*", f'"other", {etag}'):
        response = await client.get(url, headers={"If-None-Match": if_none_match})
        assert response.status_code == 304, if_none_match
        assert response.headers["etag"] == etag
    assert (await client.get(url, headers={"If-None-Match": '"other"'})).status_code == 200


async def test_evaluating_an_unknown_questionnaire_is_404(client: httpx.AsyncClient) -> None:
    body = {"answers": {}, "as_of": "2026-11-27"}
    for url in (f"{BASE}/nope/evaluate", f"{BASE}/ai-use-triage/versions/9.0.0/evaluate"):
        response = await client.post(url, json=body)
        assert response.status_code == 404, url
        assert response.json()["type"] == "/problems/not-found"


async def test_a_draft_is_served_uncached_and_never_as_the_latest(tmp_path: Path) -> None:
    root = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT / "controls", root / "controls")
    draft = json.loads((DEFAULT_ROOT / "ai-use-triage" / "1.0.0.json").read_text())
    draft.update(key="triage-next", version="0.1.0", status="draft")
    (root / "triage-next").mkdir()
    (root / "triage-next" / "0.1.0.json").write_text(json.dumps(draft))
    app = questionnaire_app(load_catalog(root))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        pinned = await client.get(f"{BASE}/triage-next/versions/0.1.0")
        assert pinned.status_code == 200
        assert pinned.headers["cache-control"] == "no-cache"  # a draft may still change
        assert (await client.get(f"{BASE}/triage-next")).status_code == 404
        latest = await client.post(f"{BASE}/triage-next/evaluate", json={"answers": {}})
        assert latest.status_code == 404
