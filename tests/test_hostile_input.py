"""Hostile input at the edge: text no database stores, forged cursors, out-of-range numbers,
deep or duplicated JSON, oversized bodies. Each is a 4xx problem naming the value, never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.auth import Scope
from app.main import create_app
from app.settings import Settings
from tests.conftest import count_rows
from tests.factories import create_system, system_body

KEY = "ai-use-triage"
TEXT_FILTERS = [
    ("/v1/ai-systems", "q"),
    ("/v1/ai-systems", "owner"),
    ("/v1/ai-systems", "tag"),
    ("/v1/ai-systems", "business_unit"),
    ("/v1/ai-systems", "region"),
    ("/v1/assessments", "tier"),
    ("/v1/assessments", "questionnaire_key"),
    ("/v1/suppliers", "q"),
    ("/v1/audit-events", "entity_id"),
    ("/v1/audit-events", "entity_type"),
    ("/v1/audit-events", "action"),
]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


async def _assessment(client: httpx.AsyncClient) -> dict[str, Any]:
    system = (await create_system(client)).json()
    response = await client.post(
        "/v1/assessments", json={"system_id": system["id"], "questionnaire_key": KEY}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


# -- text that no database stores, in query strings, paths and headers -------------------------


@pytest.mark.parametrize(("path", "parameter"), TEXT_FILTERS)
async def test_nul_in_a_text_filter_is_422_naming_the_parameter(
    client: httpx.AsyncClient, path: str, parameter: str
) -> None:
    response = await client.get(path, params={parameter: "a\x00b"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/unstorable-text"
    assert problem["errors"][0]["parameter"] == parameter


async def test_nul_in_a_path_parameter_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/questionnaires/ai%00use/versions/1.0.0")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["parameter"] == "key"


async def test_nul_in_a_header_that_is_stored_is_422(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    response = await client.post(
        "/v1/ai-systems", json=system_body(), headers={"Idempotency-Key": "k\x00ey"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["parameter"] == "Idempotency-Key"
    assert count_rows(engine, "ai_systems") == 0


# -- forged cursors and out-of-range numbers in paths -----------------------------------------


@pytest.mark.parametrize(
    "created",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999+00:00"],
)
@pytest.mark.parametrize("path", ["/v1/ai-systems", "/v1/assessments", "/v1/suppliers"])
async def test_a_cursor_with_a_datetime_at_the_edge_of_time_is_400(
    client: httpx.AsyncClient, path: str, created: str
) -> None:
    cursor = _cursor([created, "00000000-0000-0000-0000-000000000000"])
    response = await client.get(path, params={"cursor": cursor})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize(
    "forged",
    [
        ["0001-01-01T00:00:00+01:00", "00000000-0000-0000-0000-000000000000"],
        ["9999-12-31T23:59:59-01:00", "00000000-0000-0000-0000-000000000000"],
        ["2026-01-01T00:00:00+00:00", 5],
        [5, "00000000-0000-0000-0000-000000000000"],
        {"a": 1, "b": 2},
    ],
)
async def test_a_forged_keyset_cursor_is_400(client: httpx.AsyncClient, forged: Any) -> None:
    response = await client.get("/v1/ai-systems", params={"cursor": _cursor(forged)})
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize("after", [2**31, 2**63, 2**64, True, False, 1.5, None, "1", -1, [1]])
async def test_a_forged_audit_cursor_is_400(client: httpx.AsyncClient, after: Any) -> None:
    response = await client.get("/v1/audit-events", params={"cursor": _cursor({"after": after})})
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize("number", ["0", "-1", "2147483648", "9223372036854775808", "1e3"])
async def test_a_round_number_out_of_range_is_4xx(client: httpx.AsyncClient, number: str) -> None:
    assessment = await _assessment(client)
    response = await client.get(f"/v1/assessments/{assessment['id']}/rounds/{number}")
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


# -- the shape of JSON bodies: nesting, numbers, duplicate keys --------------------------------


async def test_answers_nested_400_deep_are_one_problem_type_everywhere(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    assessment = await _assessment(client)
    system_id = assessment["system"]["id"] if "system" in assessment else assessment["system_id"]
    deep = {"use_case_name": _nested(400)}
    calls = [
        (
            "POST",
            "/v1/assessments",
            {"system_id": system_id, "questionnaire_key": KEY, "answers": deep},
            {},
        ),
        (
            "POST",
            "/v1/assessments",
            {"system_id": system_id, "questionnaire_key": KEY, "answers": deep},
            {"Idempotency-Key": "deep-1"},
        ),
        (
            "PATCH",
            f"/v1/assessments/{assessment['id']}/answers",
            {"answers": deep},
            {"If-Match": '"r1"'},
        ),
        ("POST", f"/v1/questionnaires/{KEY}/evaluate", {"answers": deep}, {}),
        ("POST", "/v1/ai-systems", {**system_body(), "tags": _nested(400)}, {}),
    ]
    before = count_rows(engine, "assessments")
    for method, path, body, headers in calls:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["type"] == "/problems/json-too-deep", (path, problem)
        assert problem["errors"][0]["pointer"].startswith(
            "/answers/use_case_name/0/0" if "answers" in body else "/tags/0/0"
        )
    assert count_rows(engine, "assessments") == before


async def test_json_deeper_than_the_parser_can_go_is_the_same_problem(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"answers": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await client.post(
        f"/v1/questionnaires/{KEY}/evaluate",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/json-too-deep"


@pytest.mark.parametrize("number", [2**53, -(2**53), 2**64, 10**400])
async def test_integers_json_cannot_carry_exactly_are_422_on_post_and_patch(
    client: httpx.AsyncClient, engine: Engine, number: int
) -> None:
    assessment = await _assessment(client)
    text = json.dumps({"answers": {"people_affected": number}})
    for method, path, headers in [
        ("PATCH", f"/v1/assessments/{assessment['id']}/answers", {"If-Match": '"r1"'}),
        ("POST", f"/v1/questionnaires/{KEY}/evaluate", {}),
    ]:
        response = await client.request(
            method, path, content=text, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"] == "/problems/unsafe-number"
        assert problem["errors"] == [
            {
                "pointer": "/answers/people_affected",
                "detail": problem["errors"][0]["detail"],
                "code": "unsafe_number",
            }
        ]
    created = await client.post(
        "/v1/assessments",
        content=json.dumps(
            {
                "system_id": assessment["system_id"],
                "questionnaire_key": KEY,
                "answers": {"people_affected": number},
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 422, created.text
    assert created.json()["type"] == "/problems/unsafe-number"
    assert count_rows(engine, "assessments") == 1


async def test_the_largest_exact_integer_is_accepted(client: httpx.AsyncClient) -> None:
    assessment = await _assessment(client)
    response = await client.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        json={"answers": {"people_affected": 2**53 - 1}},
        headers={"If-Match": '"r1"'},
    )
    # Accepted by the edge; the questionnaire's own bounds decide.
    assert response.json().get("type") != "/problems/unsafe-number", response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "a", "name": "b"}',
        b'{"tags": [{"x": 1, "x": 1}]}',
    ],
)
@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=utf-8", "application/x+json"]
)
async def test_duplicate_keys_are_422_with_a_pointer(
    client: httpx.AsyncClient, engine: Engine, body: bytes, content_type: str
) -> None:
    response = await client.post(
        "/v1/ai-systems", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/duplicate-key"
    assert problem["errors"][0]["pointer"] in ("/name", "/tags/0/x")
    assert count_rows(engine, "ai_systems") == 0


async def test_nul_in_a_body_is_still_refused_with_its_pointer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/ai-systems",
        content=json.dumps(system_body(name="a\x00b")),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/unstorable-text"
    assert response.json()["errors"][0]["pointer"] == "/name"


# -- size limits ------------------------------------------------------------------------------


@pytest.fixture
async def small_body_client(
    settings: Settings, engine: Engine, app: FastAPI, org: Any
) -> AsyncIterator[httpx.AsyncClient]:
    small = create_app(
        settings.model_copy(update={"max_request_bytes": 4096}),
        engine=engine,
        catalog=app.state.catalog,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small),
        base_url="http://test",
        headers={"Authorization": f"Bearer {org.admin_key}"},
    ) as client:
        yield client


async def test_a_body_over_the_cap_is_413_before_it_is_parsed(
    small_body_client: httpx.AsyncClient, engine: Engine
) -> None:
    body = json.dumps(system_body(purpose="x" * 5000)).encode()
    response = await small_body_client.post(
        "/v1/ai-systems", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/payload-too-large"
    assert count_rows(engine, "ai_systems") == 0


async def test_a_chunked_body_over_the_cap_is_413(
    small_body_client: httpx.AsyncClient, engine: Engine
) -> None:
    received: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "x", "purpose": "'
        for _ in range(100):
            received.append(1)
            yield b"y" * 1000
        yield b'"}'

    response = await small_body_client.post(
        "/v1/ai-systems", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/payload-too-large"
    assert count_rows(engine, "ai_systems") == 0


async def test_a_body_under_the_cap_goes_through(small_body_client: httpx.AsyncClient) -> None:
    response = await small_body_client.post("/v1/ai-systems", json=system_body())
    assert response.status_code == 201, response.text


async def test_the_errors_of_a_problem_are_capped_with_a_count(
    client: httpx.AsyncClient,
) -> None:
    body = system_body(**{f"unknown_{i}": i for i in range(5000)})
    response = await client.post("/v1/ai-systems", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert len(problem["errors"]) == 100
    assert problem["errors_total"] == 5000


# -- names: no control characters, at every entry point ----------------------------------------


@pytest.mark.parametrize(
    "name", ["Acme\r\nBcc: x@example.com", "Tab\there", "Bidi\u202eevil", "\x85"]
)
async def test_names_with_control_characters_are_422(
    client: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
    engine: Engine,
    name: str,
) -> None:
    procurement = make_client(make_key(Scope.PROCUREMENT, Scope.READ))
    calls = [
        (client, "/v1/ai-systems", system_body(name=name), "/name"),
        (client, "/v1/ai-systems", system_body(owner=name), "/owner"),
        (client, "/v1/api-keys", {"name": name, "scopes": ["read"]}, "/name"),
        (procurement, "/v1/suppliers", {"name": name}, "/name"),
        (
            procurement,
            "/v1/suppliers",
            {"name": "ok", "contacts": [{"name": name, "email": "a@b.example"}]},
            "/contacts/0/name",
        ),
        (
            procurement,
            "/v1/suppliers",
            {"name": "ok", "products": [{"name": name}]},
            "/products/0/name",
        ),
    ]
    for who, path, body, pointer in calls:
        response = await who.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["pointer"] == pointer, response.text
    assert count_rows(engine, "ai_systems") == 0
    assert count_rows(engine, "suppliers") == 0


async def test_a_name_is_measured_as_sent_as_the_contract_says(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    # maxLength 200 of the text as sent: stripping must not let a longer one through.
    too_long = await client.post("/v1/ai-systems", json=system_body(name="\u2003" * 3 + "a" * 198))
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["errors"][0]["pointer"] == "/name"
    assert count_rows(engine, "ai_systems") == 0
    fits = await client.post("/v1/ai-systems", json=system_body(name="\u2003" * 2 + "a" * 198))
    assert fits.status_code == 201, fits.text
    assert fits.json()["name"] == "a" * 198
