"""The frame: probes, problem details for every error, request ids."""

import logging
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.errors import PROBLEM_MEDIA_TYPE


async def test_healthz_answers_without_auth(make_client) -> None:  # type: ignore[no-untyped-def]
    response = await make_client(None).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_migrations(make_client) -> None:  # type: ignore[no-untyped-def]
    response = await make_client(None).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "at head"}


async def test_readyz_is_503_when_migrations_are_missing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/empty.db"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as anon:
        response = await anon.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "/problems/migrations-pending"
    app.state.engine.dispose()


async def test_unknown_path_is_a_problem_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/v1/nothing-here"
    assert body["request_id"] == response.headers["X-Request-ID"]


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "/problems/method-not-allowed"


async def test_a_405_allows_every_documented_method_of_the_path(
    client: httpx.AsyncClient,
    openapi_document: dict[str, Any],
) -> None:
    # Also where a template matches too: PATCH /v1/users/invitations is no bad `{user_id}`.
    document = openapi_document
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        documented = sorted(method.upper() for method in operations)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - set(documented)):
            response = await client.request(method, path)
            assert response.status_code == 405, (method, template, response.text)
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert response.headers["Allow"].split(", ") == documented, template


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32


async def test_unexpected_exception_is_500_without_internals(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/_test/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as anon:
            with caplog.at_level(logging.ERROR, logger="app.errors"):
                response = await anon.get("/_test/boom")
    finally:
        app.router.routes = [
            r for r in app.router.routes if getattr(r, "path", "") != "/_test/boom"
        ]
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "secret internal detail" not in response.text
    request_id = response.headers["X-Request-ID"]
    assert response.json()["request_id"] == request_id
    record = next(r for r in caplog.records if r.name == "app.errors")
    assert getattr(record, "request_id", None) == request_id
    assert record.exc_info is not None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///{tmp}/never-migrated.db", id="sqlite-not-migrated"),
        pytest.param("postgresql://postgres@127.0.0.1:1/nothing", id="postgresql-unreachable"),
    ],
)
async def test_an_unavailable_database_is_a_503_to_retry(tmp_path, url: str) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url=url.format(tmp=tmp_path)))
    headers = {"Authorization": "Bearer aas_" + "k" * 43, "If-Match": '"r1"'}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    ) as client:
        listed = await client.get("/v1/ai-systems")
        saved = await client.patch(
            "/v1/assessments/00000000-0000-4000-8000-000000000000/answers",
            json={"answers": {"use_case_name": "x"}},
        )
    for response in (listed, saved):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.headers["Retry-After"] == "1"
        assert response.json()["type"] == "/problems/database-unavailable"
    app.state.engine.dispose()


@pytest.mark.parametrize("body", [b"{", b'{"name": ', b"\xff\xfe", b"{} trailing"])
async def test_an_unparseable_body_is_the_documented_400(
    client: httpx.AsyncClient,
    body: bytes,
    openapi_document: dict[str, Any],
) -> None:
    response = await client.post(
        "/v1/ai-systems", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "/problems/malformed-body"
    assert response.json()["errors"] == [
        {"pointer": "", "detail": response.json()["errors"][0]["detail"], "code": "json_invalid"}
    ]
    operation = openapi_document["paths"]["/v1/ai-systems"]["post"]
    assert "400" in operation["responses"]
