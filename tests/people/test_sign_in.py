"""Password sign-in, the session cookie, sessions' ends, the Origin check and /v1/me."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from app.auth import SESSION_COOKIE, Role
from app.db import utcnow
from app.people.models import UserSession
from app.people.schemas import EMAIL_PATTERN, SignIn
from app.settings import Settings
from tests.conftest import Org, count_rows
from tests.people.conftest import ORIGIN, Person, sign_in

SYSTEM = {"name": "Chatbot", "purpose": "Answers customers", "owner": "CX", "sourcing": "bought"}


def _cookie_header(response: httpx.Response) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(headers) == 1
    return headers[0]


async def test_sign_in_sets_the_session_cookie_with_its_flags(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person], org: Org
) -> None:
    alice = make_person("alice@acme.example", Role.ASSESSOR)
    client = browser()
    response = await sign_in(client, alice)
    cookie = _cookie_header(response)
    name, _, rest = cookie.partition("=")
    assert name == SESSION_COOKIE
    secret = rest.split(";")[0]
    assert len(secret) >= 43  # 256 bits, url-safe base64
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags
    assert not any(flag.startswith("domain") for flag in flags)  # __Host- forbids Domain

    me = response.json()
    assert me["kind"] == "person"
    assert me["user"]["email"] == "alice@acme.example"
    assert me["key"] is None
    assert me["role"] == "assessor"
    assert me["scopes"] == ["assessments:write", "read", "systems:write"]
    assert me["organization"]["id"] == str(org.id)
    assert me["organizations"] == [
        {"id": str(org.id), "slug": "acme", "name": "Acme", "role": "assessor"}
    ]
    assert (await client.get("/v1/me")).json() == me


async def test_only_the_hash_of_the_session_id_is_stored(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person], engine: Engine
) -> None:
    client = browser()
    await sign_in(client, make_person("alice@acme.example"))
    secret = client.cookies[SESSION_COOKIE]
    with engine.connect() as connection:
        stored = connection.execute(sa.select(UserSession.secret_hash)).scalars().all()  # type: ignore[call-overload]
    assert len(stored) == 1
    assert secret not in stored[0]
    assert len(stored[0]) == 64


async def test_a_new_session_id_at_every_sign_in_and_the_old_one_ends(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    alice = make_person("alice@acme.example")
    client = browser()
    await sign_in(client, alice)
    first = client.cookies[SESSION_COOKIE]
    await sign_in(client, alice)  # sends the first cookie along
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    stale = browser()
    stale.cookies.set(SESSION_COOKIE, first, domain="assess.example")
    assert (await stale.get("/v1/me")).status_code == 401
    assert (await client.get("/v1/me")).status_code == 200


async def test_sign_out_ends_the_session_and_clears_the_cookie(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    client = browser()
    await sign_in(client, make_person("alice@acme.example"))
    secret = client.cookies[SESSION_COOKIE]
    response = await client.post("/v1/auth/sign-out")
    assert response.status_code == 204
    assert SESSION_COOKIE in _cookie_header(response)
    assert SESSION_COOKIE not in client.cookies
    replay = browser()
    replay.cookies.set(SESSION_COOKIE, secret, domain="assess.example")
    response = await replay.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthenticated"


async def test_wrong_password_and_unknown_address_get_the_same_answer(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    people_app: FastAPI,
    engine: Engine,
) -> None:
    make_person("alice@acme.example")
    client = browser()
    passwords = people_app.state.passwords
    answers = []
    for email in ("alice@acme.example", "nobody@acme.example"):
        before = passwords.verifications
        response = await client.post(
            "/v1/auth/sign-in", json={"email": email, "password": "wrong password!"}
        )
        # The same work for both: exactly one Argon2id verification each.
        assert passwords.verifications == before + 1
        assert response.status_code == 401
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
        answers.append({k: v for k, v in response.json().items() if k != "request_id"})
    assert answers[0] == answers[1]
    assert answers[0]["type"] == "/problems/invalid-credentials"
    assert count_rows(engine, "user_sessions") == 0


async def test_failed_sign_ins_are_slowed_per_address_and_per_client(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    people_settings: Settings,
) -> None:
    alice = make_person("alice@acme.example")
    client = browser()
    for email in ("alice@acme.example", "nobody@acme.example"):
        for _ in range(people_settings.sign_in_free_failures):
            response = await client.post(
                "/v1/auth/sign-in", json={"email": email, "password": "wrong password!"}
            )
            assert response.status_code == 401
        limited = await client.post(
            "/v1/auth/sign-in", json={"email": email, "password": "wrong password!"}
        )
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["type"] == "/problems/too-many-sign-in-attempts"
    # Even the right password waits: the address is locked for now, whoever asks.
    other = browser(client_ip="10.0.0.2")
    response = await other.post(
        "/v1/auth/sign-in", json={"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 429


async def test_a_client_that_tries_many_addresses_is_slowed(
    browser: Callable[..., httpx.AsyncClient], people_settings: Settings
) -> None:
    client = browser()
    for n in range(people_settings.sign_in_free_failures * 4):
        response = await client.post(
            "/v1/auth/sign-in", json={"email": f"u{n}@acme.example", "password": "wrong!"}
        )
        assert response.status_code == 401
    response = await client.post(
        "/v1/auth/sign-in", json={"email": "fresh@acme.example", "password": "wrong!"}
    )
    assert response.status_code == 429


async def test_a_cookie_write_needs_our_origin(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
) -> None:
    client = browser()
    await sign_in(client, make_person("alice@acme.example", Role.ASSESSOR))
    secret = client.cookies[SESSION_COOKIE]
    for origin in (None, "https://evil.example", "null"):
        forged = browser(origin=origin)
        forged.cookies.set(SESSION_COOKIE, secret, domain="assess.example")
        response = await forged.post("/v1/ai-systems", json=SYSTEM)
        assert response.status_code == 403, origin
        assert response.json()["type"] == "/problems/csrf-rejected"
    assert count_rows(engine, "ai_systems") == 0
    # Reads need no Origin; the trusted dev-server origin may write.
    reader = browser(origin=None)
    reader.cookies.set(SESSION_COOKIE, secret, domain="assess.example")
    assert (await reader.get("/v1/ai-systems")).status_code == 200
    dev = browser(origin="http://localhost:5173")
    dev.cookies.set(SESSION_COOKIE, secret, domain="assess.example")
    assert (await dev.post("/v1/ai-systems", json=SYSTEM)).status_code == 201
    assert (await client.post("/v1/ai-systems", json=SYSTEM)).status_code == 201


async def test_an_api_key_needs_no_origin_and_wins_over_a_cookie(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    org: Org,
) -> None:
    client = browser(origin="https://evil.example")
    viewer = make_person("vera@acme.example", Role.VIEWER)
    await browser().post(  # signed in from our origin, then used with a key from elsewhere
        "/v1/auth/sign-in", json={"email": viewer.email, "password": viewer.password}
    )
    response = await client.post(
        "/v1/ai-systems", json=SYSTEM, headers={"Authorization": f"Bearer {org.admin_key}"}
    )
    assert response.status_code == 201
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {org.admin_key}"})
    assert me.json()["kind"] == "key"
    assert me.json()["user"] is None
    assert me.json()["key"]["name"] == "admin"
    assert me.json()["role"] is None
    assert me.json()["organizations"][0]["role"] is None


async def test_roles_grant_their_scopes(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    viewer, assessor = browser(), browser()
    await sign_in(viewer, make_person("vera@acme.example", Role.VIEWER))
    await sign_in(assessor, make_person("sam@acme.example", Role.ASSESSOR))
    refused = await viewer.post("/v1/ai-systems", json=SYSTEM)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/insufficient-scope"
    assert (await assessor.post("/v1/ai-systems", json=SYSTEM)).status_code == 201
    assert (await viewer.get("/v1/ai-systems")).status_code == 200
    assert (await assessor.get("/v1/api-keys")).status_code == 403


@pytest.mark.parametrize("field", ["last_seen_at", "expires_at"])
async def test_idle_and_old_sessions_end(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
    people_settings: Settings,
    field: str,
) -> None:
    client = browser()
    await sign_in(client, make_person("alice@acme.example"))
    past = utcnow() - timedelta(minutes=people_settings.session_idle_minutes, seconds=1)
    with engine.begin() as connection:
        connection.execute(sa.update(UserSession).values({field: past}))
    response = await client.get("/v1/me")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "email", ["alice\n@acme.example", "alice\u0007@acme.example", "alice@acme\u2028.example"]
)
async def test_control_characters_in_an_address_are_refused(
    browser: Callable[..., httpx.AsyncClient], email: str
) -> None:
    response = await browser().post(
        "/v1/auth/sign-in", json={"email": email, "password": "whatever it is"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/email"


ADDRESSES = {
    # address as sent: what the server keeps, or None when it refuses it
    "Alice@Acme.Example": "alice@acme.example",
    " \t alice@acme.example\u3000\n": "alice@acme.example",
    "a@b": "a@b",
    "j\u00f6rg@m\u00fcller.example": "j\u00f6rg@m\u00fcller.example",
    "000": None,
    "a@@b": None,
    "a b@acme.example": None,
    "alice@acme\u00a0example": None,
    "alice\u200b@acme.example": None,
    "alice\u200e@acme.example": None,
    "alice@acme.example\ufeff": None,
    "alice@acme.\u0085example": None,
}


@pytest.mark.parametrize(("sent", "kept"), ADDRESSES.items())
def test_the_contract_pattern_and_the_server_agree_on_addresses(
    sent: str,
    kept: str | None,
    openapi_document: dict[str, Any],
) -> None:
    pattern = openapi_document["components"]["schemas"]["SignIn"]["properties"]
    pattern = pattern["email"]["pattern"]
    assert (re.search(pattern, sent) is not None) == (kept is not None)
    try:
        assert SignIn(email=sent, password="x").email == kept
    except ValidationError:
        assert kept is None


@pytest.mark.skipif(
    shutil.which("node") is None, reason="needs node for ECMA-262 regular expressions"
)
def test_the_contract_pattern_means_the_same_in_ecma_262() -> None:
    # What clients and schemathesis check with: JavaScript's RegExp, in Unicode mode.
    script = (
        "const [p, xs] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(xs.map((x) => new RegExp(p, 'u').test(x))));"
    )
    found = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([EMAIL_PATTERN, list(ADDRESSES)]),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(found.stdout) == [kept is not None for kept in ADDRESSES.values()]


async def test_a_browser_sign_in_from_a_foreign_origin_is_refused(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    alice = make_person("alice@acme.example")
    response = await browser(origin="https://evil.example").post(
        "/v1/auth/sign-in", json={"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 403


def test_plain_http_public_url_is_refused_but_localhost_is_fine() -> None:
    with pytest.raises(ValidationError, match="https"):
        Settings(public_base_url="http://assess.example")
    assert Settings(public_base_url="http://localhost:5173/").public_origin == (
        "http://localhost:5173"
    )
    assert Settings(public_base_url=ORIGIN).allowed_origins == {ORIGIN}


async def test_sign_in_methods_are_public(browser: Callable[..., httpx.AsyncClient]) -> None:
    response = await browser(origin=None).get("/v1/auth/methods")
    assert response.status_code == 200
    assert response.json() == {"password": True, "oidc": None}


async def test_without_a_credential_a_route_answers_401(
    browser: Callable[..., httpx.AsyncClient],
) -> None:
    response = await browser().get("/v1/me")
    assert response.status_code == 401


async def test_autosave_by_cookie_needs_our_origin_too(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    client = browser()
    await sign_in(client, make_person("sam@acme.example", Role.ASSESSOR))
    system = (await client.post("/v1/ai-systems", json=SYSTEM)).json()
    assessment = (
        await client.post(
            "/v1/assessments",
            json={"system_id": system["id"], "questionnaire_key": "ai-use-triage"},
        )
    ).json()
    url = f"/v1/assessments/{assessment['id']}/answers"
    body = {"answers": {"use_case_summary": "draft"}}
    forged = browser(origin=None)
    forged.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE], domain="assess.example")
    refused = await forged.patch(url, json=body, headers={"If-Match": '"r1"'})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/csrf-rejected"
    saved = await client.patch(url, json=body, headers={"If-Match": '"r1"'})
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 2
