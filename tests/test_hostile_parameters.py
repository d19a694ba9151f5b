"""Every query and path parameter of every operation, read from the app's own OpenAPI document,
gets hostile strings and numbers: none may cause a server error, on SQLite or PostgreSQL.

The table below runs in every test run (about 4,500 requests, in process). The hypothesis
variant (`-m slow`) draws arbitrary text and integers; HOSTILE_EXAMPLES sets how many (default
300). The other parameters of a request are real ids of a small world made for the test, so a
hostile value reaches as deep into the service as it can.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from app.db import transaction
from app.delivery import service as outbox
from app.delivery.models import OutboxMessage
from app.main import create_app
from app.settings import Settings
from app.webhooks.models import WebhookSubscription
from tests.conftest import Org
from tests.factories import CV_SCREENING, system_body


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Each value is the raw bytes to send, percent-encoded as they are (so invalid UTF-8 goes too).
HOSTILE_TEXT: list[bytes] = [
    s.encode("utf-8", "surrogatepass")
    for s in [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x1b[31m",
        "\r\nX-Injected: 1",
        "' OR 1=1 --",
        '"; DROP TABLE ai_systems; --',
        "%",
        "_",
        "\\",
        "*",
        "../../etc/passwd",
        "..%2F..",
        "\u202etxt.exe",
        "\ufeff",
        "\U0001f600" * 10,
        "\ud800",
        "a" * 5000,
        "null",
        "true",
        "[]",
        "{}",
        "NaN",
        "Infinity",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        _cursor(["0001-01-01T00:00:00+01:00", "00000000-0000-0000-0000-000000000000"]),
        _cursor(["9999-12-31T23:59:59-01:00", "00000000-0000-0000-0000-000000000000"]),
        _cursor({"after": 2**31}),
        _cursor({"after": 2**63}),
        _cursor({"after": True}),
        _cursor({"after": None}),
    ]
] + [b"\xff\xfe", b"\xc0\x80", b"\xed\xa0\x80"]
HOSTILE_NUMBERS: list[bytes] = [
    s.encode()
    for s in [
        "-1",
        "0",
        "1",
        "-0",
        "1.5",
        "1e3",
        "1e308",
        "1e309",
        "0x10",
        "2147483647",
        "2147483648",
        "-2147483649",
        "4294967296",
        "9007199254740993",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "9" * 400,
    ]
]
HOSTILE = HOSTILE_TEXT + HOSTILE_NUMBERS
# Values that a parser of a closed type (a UUID, a boolean, an enum) refuses alike: a few stand
# for all, so the table stays quick.
HOSTILE_FEW: list[bytes] = [
    b"",
    b"\x00",
    b"a\x00b",
    b"' OR 1=1 --",
    b"a" * 5000,
    b"\xff\xfe",
    b"\xed\xa0\x80",
    b"00000000-0000-0000-0000-000000000000",
    b"true",
    b"-1",
    b"2147483648",
    b"9" * 400,
]


def _values_for(schema: dict[str, Any]) -> list[bytes]:
    """The hostile values worth sending to a parameter of this schema."""
    options = schema.get("anyOf", [schema])
    if any(o.get("type") == "integer" for o in options):
        return HOSTILE_NUMBERS + HOSTILE_FEW
    if all(
        o.get("format") == "uuid" or "enum" in o or o.get("type") in ("boolean", "null")
        for o in options
    ):
        return HOSTILE_FEW
    return HOSTILE


@dataclass(frozen=True)
class Parameter:
    """One query or path parameter of one operation, and the values to try on it."""

    method: str
    path: str
    name: str
    where: str  # "query" or "path"
    values: tuple[bytes, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name}"


def _resolve(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, or the component it refers to (enums are components)."""
    options = []
    for option in schema.get("anyOf", [schema]):
        ref = option.get("$ref")
        if ref:
            option = app.openapi()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        options.append(option)
    return {"anyOf": options}


def _parameters(app: FastAPI) -> list[Parameter]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path"):
                    values = _values_for(_resolve(app, parameter.get("schema", {})))
                    found.append(
                        Parameter(
                            method.upper(), path, parameter["name"], parameter["in"], tuple(values)
                        )
                    )
    # Reads first, then writes, the supplier's own last: each write that goes through may
    # change the world the later requests read.
    order = {"GET": 0, "PATCH": 1, "POST": 1, "DELETE": 2}
    return sorted(found, key=lambda p: (p.path.startswith("/v1/supplier-portal"), order[p.method]))


@dataclass
class World:
    """A small organisation with one of everything, and the clients to reach it."""

    admin: httpx.AsyncClient
    supplier: httpx.AsyncClient
    ids: dict[str, str]

    def client_for(self, path: str) -> httpx.AsyncClient:
        return self.supplier if path.startswith("/v1/supplier-portal") else self.admin


@pytest.fixture
async def fuzz_app(settings: Settings, engine: Engine, app: FastAPI, tmp_path: Path) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={
                "smtp_host": None,
                "evidence_dir": tmp_path / "evidence",
                "portal_rate_limit": "1000000/minute",
                "portal_ip_rate_limit": "1000000/minute",
            }
        ),
        engine=engine,
        catalog=app.state.catalog,
    )


@pytest.fixture
async def world(fuzz_app: FastAPI, org: Org) -> AsyncIterator[World]:
    # A crash is a 500 to collect with the others, not an exception that ends the run.
    transport = httpx.ASGITransport(app=fuzz_app, raise_app_exceptions=False)
    admin = httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {org.admin_key}"},
    )

    async def ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, response.text
        body: dict[str, Any] = response.json()
        return body

    system = await ok(await admin.post("/v1/ai-systems", json=system_body()))
    assessment = await ok(
        await admin.post(
            "/v1/assessments",
            json={
                "system_id": system["id"],
                "questionnaire_key": "ai-use-triage",
                "answers": CV_SCREENING,
            },
        )
    )
    await ok(
        await admin.post(
            f"/v1/assessments/{assessment['id']}/submit",
            headers={"If-Match": f'"r{assessment["revision"]}"'},
            json={"as_of": "2026-11-27"},
        )
    )
    key_id = (await ok(await admin.get("/v1/api-keys")))["items"][0]["id"]
    supplier = await ok(
        await admin.post(
            "/v1/suppliers",
            json={
                "name": "Acme AI",
                "contacts": [{"name": "Dana", "email": "dana@acme.example"}],
                "products": [{"name": "Assist", "system_ids": [system["id"]]}],
            },
        )
    )
    request = await ok(
        await admin.post(
            f"/v1/suppliers/{supplier['id']}/requests",
            json={"contact_id": supplier["contacts"][0]["id"], "due_date": "2099-01-01"},
        )
    )
    token = re.search(r"token=(inv_[A-Za-z0-9_-]+)", json.dumps(request))
    assert token is not None, request
    portal = httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Invitation {token.group(1)}"},
    )
    evidence = await ok(
        await portal.post(
            "/v1/supplier-portal/evidence",
            params={"filename": "policy.txt"},
            content=b"our AI policy",
            headers={"Content-Type": "text/plain"},
        )
    )
    # A person who accepted an invitation, and an invitation still open.
    accepted = await ok(
        await admin.post(
            "/v1/users/invitations", json={"email": "rita@acme.example", "role": "reviewer"}
        )
    )
    await ok(
        await admin.post(
            "/v1/auth/invitations/accept",
            json={
                "token": accepted["link"].split("#token=")[1],
                "display_name": "Rita",
                "password": "a long enough password",
            },
            headers={"Origin": "http://127.0.0.1:8000"},
        )
    )
    user_id = next(
        user["id"]
        for user in (await ok(await admin.get("/v1/users")))["items"]
        if user["email"] == "rita@acme.example"
    )
    pending = await ok(
        await admin.post(
            "/v1/users/invitations", json={"email": "vic@acme.example", "role": "viewer"}
        )
    )
    incident = await ok(
        await admin.post(
            "/v1/incidents",
            json={
                "system_id": system["id"],
                "title": "Wrong triage",
                "description": "A patient was sent home.",
                "occurred_at": "2026-10-14T08:00:00Z",
                "aware_at": "2026-10-14T10:00:00Z",
                "affected": "One patient.",
            },
        )
    )
    webhook = await ok(
        await admin.post(
            "/v1/webhooks",
            json={"url": "https://hooks.example.com/in", "event_types": ["incident.reported"]},
        )
    )
    delivery = await ok(await admin.post(f"/v1/webhooks/{webhook['id']}/ping"))
    # E-mail is off here, so a queued message is written as a request's transaction would.
    with transaction(fuzz_app.state.engine, write=True) as session:
        message = outbox.enqueue_email(
            session,
            settings=fuzz_app.state.settings,
            organization_id=org.id,
            purpose="fuzz",
            to="dana@acme.example",
            subject="s",
            body="b",
        )
    ids = {
        "message_id": str(message.id),
        "incident_id": incident["id"],
        "user_id": user_id,
        "token": pending["link"].split("#token=")[1],
        "session_id": str(uuid.uuid4()),
        "key_id": key_id,
        "system_id": system["id"],
        "key": "ai-use-triage",
        "version": "1.0.0",
        "control_id": "iso-42001:A.2.2",
        "assessment_id": assessment["id"],
        "round_number": "1",
        "supplier_id": supplier["id"],
        "contact_id": supplier["contacts"][0]["id"],
        "product_id": supplier["products"][0]["id"],
        "request_id": request["id"],
        "evidence_id": evidence["id"],
        "webhook_id": webhook["id"],
        "delivery_id": delivery["id"],
    }
    try:
        yield World(admin=admin, supplier=portal, ids=ids)
    finally:
        await admin.aclose()
        await portal.aclose()
        with transaction(fuzz_app.state.engine, write=True) as session:
            session.delete(session.get(OutboxMessage, message.id))  # never mailed by a later test
            # Nor its webhook called: the subscription goes with its deliveries.
            session.delete(session.get(WebhookSubscription, uuid.UUID(webhook["id"])))


async def _send(world: World, parameter: Parameter, value: bytes) -> httpx.Response:
    encoded = quote(value, safe="")
    path = parameter.path
    for name, real in world.ids.items():
        raw = value if parameter.where == "path" and name == parameter.name else real.encode()
        path = path.replace("{" + name + "}", quote(raw, safe=""))
    assert "{" not in path, path
    query = f"?{parameter.name}={encoded}" if parameter.where == "query" else ""
    if parameter.path.endswith("/evidence") and parameter.method == "POST":
        if parameter.name != "filename":
            query += "&filename=a.txt"
        body, content_type = b"evidence text", "text/plain"
    else:
        body, content_type = b"{}", "application/json"
    client = world.client_for(parameter.path)
    # A stale If-Match: a write that passes every check up to it changes nothing.
    headers = {"Content-Type": content_type, "If-Match": '"r999999"'}
    if parameter.method == "GET":
        return await client.get(path + query)
    return await client.request(parameter.method, path + query, content=body, headers=headers)


def _check(parameter: Parameter, value: bytes, response: httpx.Response) -> str | None:
    if response.status_code >= 500:
        return f"{parameter} = {value[:60]!r}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and not response.headers.get("content-type", "").startswith(
        "application/problem+json"
    ):
        return f"{parameter} = {value[:60]!r}: {response.status_code} is not a problem document"
    return None


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    """Thousands of requests: their access log lines would cost more than the requests."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    yield
    root.setLevel(level)


async def test_every_parameter_survives_hostile_values(
    world: World, fuzz_app: FastAPI, quiet_logs: None
) -> None:
    parameters = _parameters(fuzz_app)
    assert len(parameters) > 80  # the whole API, not a sample
    failures = []
    for parameter in parameters:
        for value in parameter.values:
            failure = _check(parameter, value, await _send(world, parameter, value))
            if failure:
                failures.append(failure)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
async def test_every_parameter_survives_generated_values(
    world: World, fuzz_app: FastAPI, quiet_logs: None, data: st.DataObject
) -> None:
    parameter = data.draw(st.sampled_from(_parameters(fuzz_app)), label="parameter")
    value = data.draw(
        st.one_of(
            st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
            st.integers().map(lambda n: str(n).encode()),
            st.floats().map(lambda f: repr(f).encode()),
            st.binary(max_size=50),
        ),
        label="value",
    )
    failure = _check(parameter, value, await _send(world, parameter, value))
    assert failure is None, failure
