"""The web app served by the API process: assets, the SPA fallback, caching and the CSP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.errors import PROBLEM_MEDIA_TYPE
from app.main import create_app
from app.settings import Settings

INDEX = (
    '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A tiny stand-in for `vite build` output, so these tests never need Node."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-3f2a1b.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    return dist


@pytest_asyncio.fixture
async def web(
    settings: Settings, engine: Engine
) -> AsyncIterator[Callable[[Path], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def factory(web_dir: Path) -> httpx.AsyncClient:
        app: FastAPI = create_app(settings.model_copy(update={"web_dir": web_dir}), engine=engine)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.mark.parametrize(
    "path",
    ["/", "/systems", "/assessments/5b1c/fill?section=scope", "/supplier-portal", "/sign-in"],
)
async def test_client_routes_get_the_app_uncached_with_a_strict_csp(web, built, path) -> None:  # type: ignore[no-untyped-def]
    response = await web(built).get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    csp = response.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_hashed_assets_are_immutable(web, built) -> None:  # type: ignore[no-untyped-def]
    response = await web(built).get("/assets/app-3f2a1b.js")
    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_a_root_file_of_the_build_is_served_not_the_app(web, built) -> None:  # type: ignore[no-untyped-def]
    response = await web(built).get("/favicon.svg")
    assert response.status_code == 200
    assert response.text.startswith("<svg")


@pytest.mark.parametrize("path", ["/assets/missing.js", "/assets/%2e%2e/%2e%2e/secret.txt"])
async def test_missing_assets_and_escapes_are_404_never_the_app(web, built, path) -> None:  # type: ignore[no-untyped-def]
    response = await web(built).get(path)
    assert response.status_code == 404
    assert "outside the build" not in response.text
    assert response.text != INDEX


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nothing-here"), ("GET", "/v1"), ("POST", "/v1/nothing-here"), ("HEAD", "/v1/x")],
)
async def test_api_paths_keep_their_problem_404(web, built, method, path) -> None:  # type: ignore[no-untyped-def]
    response = await web(built).request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    if method != "HEAD":
        assert response.json()["type"] == "/problems/not-found"


async def test_api_routes_keep_their_own_answers(web, built) -> None:  # type: ignore[no-untyped-def]
    client = web(built)
    assert (await client.delete("/v1/ai-systems")).status_code == 405
    assert (await client.get("/v1/ai-systems")).status_code == 401
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "AI Assessment Service"
    assert (await client.post("/systems")).status_code == 404


async def test_without_a_build_the_page_says_how_to_build(web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    response = await web(tmp_path / "nothing").get("/systems")
    assert response.status_code == 503
    assert "make run" in response.text
    assert (await web(tmp_path / "nothing").get("/v1/x")).status_code == 404


async def test_a_file_beside_the_build_is_never_served(web, built) -> None:  # type: ignore[no-untyped-def]
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"):
        response = await web(built).get(path)
        assert "outside the build" not in response.text
