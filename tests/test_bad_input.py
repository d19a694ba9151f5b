"""Hostile and malformed input gets a 4xx problem document, never a 500."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.factories import create_system, system_body

NASTY_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b'"a string"',
    b"{",
    b"\xff\xfe\xfd",
    b'{"answers": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"answers": {"uses_ai": NaN}}',
    b'{"answers": {"people_affected": 1e400}}',
    b'{"answers": {"people_affected": 123456789012345678901234567890}}',
    b'{"answers": {"\\u0000": 1}}',
    b'{"answers": {"use_case_name": "\\ud800"}}',
    b'{"name": "x", "purpose": "y", "owner": "z", "sourcing": "bought", "tags": [1, 2]}',
]


@pytest.mark.parametrize("body", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
async def test_nasty_bodies_never_500(client: httpx.AsyncClient, body: bytes) -> None:
    system = (await create_system(client)).json()
    created = await client.post(
        "/v1/assessments",
        json={"system_id": system["id"], "questionnaire_key": "ai-use-triage"},
    )
    assessment = created.json()
    targets = [
        ("POST", "/v1/ai-systems", {}),
        ("PATCH", f"/v1/ai-systems/{system['id']}", {"If-Match": '"r1"'}),
        ("POST", "/v1/assessments", {}),
        ("PATCH", f"/v1/assessments/{assessment['id']}/answers", {"If-Match": '"r1"'}),
        ("POST", "/v1/questionnaires/ai-use-triage/evaluate", {}),
    ]
    for method, path, headers in targets:
        response = await client.request(
            method, path, content=body, headers={"Content-Type": "application/json", **headers}
        )
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/ai-systems/not-a-uuid",
        "/v1/assessments/00000000-0000-0000-0000-000000000000",
        "/v1/questionnaires/%00",
        "/v1/questionnaires/ai-use-triage/versions/..%2F..%2Fetc",
        "/v1/controls/iso-42001:A.99",
        "/v1/ai-systems?limit=abc",
        "/v1/ai-systems?status=bogus",
        "/v1/ai-systems?lifecycle_stage=someday",
    ],
)
async def test_bad_paths_and_parameters_are_4xx(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


async def test_wrong_content_type_is_4xx(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/ai-systems", content=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert 400 <= response.status_code < 500


async def test_escaped_letters_and_emoji_are_stored_as_sent(client: httpx.AsyncClient) -> None:
    """Most clients escape every non-ASCII character; only NUL and lone surrogates are refused."""
    name = "Caf\u00e9 \u00fcber \U0001f600"
    response = await client.post(
        "/v1/ai-systems",
        content=json.dumps(system_body(name=name)),  # ASCII with \u escapes, as json.dumps sends
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == name


@pytest.mark.parametrize(
    "path",
    ["/v1/ai-systems", "/v1/assessments", "/v1/suppliers", "/v1/audit-events", "/v1/controls"],
)
@pytest.mark.parametrize("cursor", ["not-base64!", "W10", "eyJhZnRlciI6IC0xfQ", "bm9wZQ"])
async def test_a_cursor_this_service_did_not_issue_is_400(
    client: httpx.AsyncClient, path: str, cursor: str
) -> None:
    response = await client.get(path, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/invalid-cursor"
    assert response.json()["errors"] == [{"parameter": "cursor", "detail": "unreadable cursor"}]
