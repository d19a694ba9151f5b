"""The annual re-request prefilled from the last accepted answers (across versions), request
validation, and reminders sent once each."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.auth import Scope
from app.db import utcnow
from app.main import create_app
from app.questionnaires.catalog import Catalog, load_catalog
from app.settings import Settings
from app.suppliers.reminders import send_reminders
from tests.conftest import Org
from tests.factories import catalog_with_a_second_version
from tests.suppliers.conftest import (
    ClientFactory,
    Inbox,
    create_supplier,
    due_in,
    scenario_answers,
    send_request,
    token_from,
)

KEY = "ai-supplier"


async def _accepted(
    procurement: httpx.AsyncClient,
    client: httpx.AsyncClient,
    request: dict[str, Any],
    answers: dict[str, Any],
) -> None:
    """Answer, submit and accept one request."""
    view = (await client.get("/v1/supplier-portal")).json()
    saved = await client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": answers},
        headers={"If-Match": f'"r{view["revision"]}"'},
    )
    assert saved.status_code == 200, saved.text
    submitted = await client.post(
        "/v1/supplier-portal/submit", headers={"If-Match": f'"r{saved.json()["revision"]}"'}
    )
    assert submitted.status_code == 200, submitted.text
    seen = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    accepted = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "accept"},
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert accepted.status_code == 200, accepted.text


async def test_re_request_is_prefilled_from_the_last_accepted_answers(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    nothing = await send_request(procurement, supplier, prefill_from_last_accepted=True)
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["pointer"] == "/prefill_from_last_accepted"

    first = (await send_request(procurement, supplier)).json()
    answers = scenario_answers("high_risk_supplier_ready")
    await _accepted(procurement, portal(token_from(inbox.messages[-1])), first, answers)

    again = await send_request(procurement, supplier, prefill_from_last_accepted=True)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["answers"] == answers
    assert body["status"] == "open"
    assert body["round"] == 1
    prefill = body["prefill"]
    assert prefill["from_assessment_id"] == first["assessment_id"]
    latest = load_catalog().get(KEY)  # the latest published version: 2.1.0 since issue 20
    assert prefill["source"] == prefill["target"] == latest.ref
    assert sorted(prefill["carried"]) == sorted(answers)
    assert prefill["dropped"] == []
    assert prefill["to_answer"] == []
    # The supplier sees the prefilled draft and only confirms.
    view = (await portal(token_from(inbox.messages[-1])).get("/v1/supplier-portal")).json()
    assert view["answers"] == answers
    assert view["progress"]["complete"] is True
    profile = (await procurement.get(f"/v1/suppliers/{supplier['id']}")).json()
    assert [h["status"] for h in profile["history"]] == ["open", "accepted"]
    assert profile["tier"] == "low"  # since 2.0.0: a fully evidenced high-risk supplier


def _v2(v1: dict[str, Any]) -> dict[str, Any]:
    """2.0.0: model_card renamed, retention_days dropped, a new required question."""
    doc: dict[str, Any] = json.loads(
        json.dumps(copy.deepcopy(v1)).replace('"model_card"', '"model_documentation"')
    )
    doc["version"] = "2.0.0"
    for section in doc["sections"]:
        section["items"] = [i for i in section["items"] if i["id"] != "retention_days"]
    doc["sections"][0]["items"].append(
        {
            "id": "ai_contact_email",
            "type": "string",
            "text": {"en": "Who answers questions about this AI product (e-mail)?"},
            "required": True,
            "refs": ["ISO/IEC 42001 A.10.3"],
        }
    )
    doc["migrations"] = [
        {
            "from": "1.0.0",
            "renamed": {"model_card": "model_documentation"},
            "dropped": ["retention_days"],
        }
    ]
    return doc


def _v2_scenarios(v1_text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(v1_text.replace('"model_card"', '"model_documentation"'))
    for scenario in doc["scenarios"]:
        scenario["answers"].pop("retention_days", None)
        scenario["answers"]["ai_contact_email"] = "ai@acme-ai.example"
    return doc


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("supplier-catalog") / "questionnaires"
    return catalog_with_a_second_version(root, KEY, _v2, _v2_scenarios)


async def test_re_request_moves_the_answers_to_the_newer_version(
    two_versions: Catalog,
    portal_settings: Settings,
    engine: Engine,
    make_app_client: ClientFactory,
    make_key: Callable[..., str],
    org: Org,
    inbox: Inbox,
) -> None:
    versioned = create_app(portal_settings, engine=engine, catalog=two_versions)
    procurement = make_app_client(versioned, f"Bearer {make_key(Scope.PROCUREMENT)}")
    admin = make_app_client(versioned, f"Bearer {org.admin_key}")
    supplier = await create_supplier(procurement, admin)
    first = await send_request(procurement, supplier, questionnaire_version="1.0.0")
    assert first.status_code == 201, first.text
    answers = scenario_answers()
    client = make_app_client(versioned, f"Invitation {token_from(inbox.messages[-1])}")
    await _accepted(procurement, client, first.json(), answers)

    again = await send_request(procurement, supplier, prefill_from_last_accepted=True)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["questionnaire"]["version"] == "2.0.0"
    prefill = body["prefill"]
    assert prefill["source"] == f"{KEY}@1.0.0"
    assert prefill["target"] == f"{KEY}@2.0.0"
    assert prefill["renamed"] == [{"from": "model_card", "to": "model_documentation"}]
    assert [d["item"] for d in prefill["dropped"]] == ["retention_days"]
    assert prefill["to_answer"] == ["ai_contact_email"]
    assert body["answers"]["model_documentation"] is True
    assert "retention_days" not in body["answers"]
    assert "model_card" not in body["answers"]
    assert body["progress"]["missing_required"] == ["ai_contact_email"]


async def test_a_request_is_checked_before_anything_is_sent(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox, engine: Engine
) -> None:
    supplier = await create_supplier(procurement, admin)
    other = await create_supplier(procurement, admin, name="Other AI")
    cases = [
        ({"due_date": "2000-01-01"}, "/due_date"),
        ({"contact_id": other["contacts"][0]["id"]}, "/contact_id"),
        ({"product_id": other["products"][0]["id"]}, "/product_id"),
        ({"questionnaire_key": "no-such-questionnaire"}, "/questionnaire_key"),
        ({"questionnaire_version": "9.9.9"}, "/questionnaire_version"),
    ]
    for overrides, pointer in cases:
        response = await send_request(procurement, supplier, **overrides)
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["errors"][0]["pointer"] == pointer
    assert inbox.messages == []
    any_published = await send_request(
        procurement,
        supplier,
        questionnaire_key="data-governance",
        product_id=supplier["products"][0]["id"],
    )
    assert any_published.status_code == 201, any_published.text
    assert any_published.json()["questionnaire"]["key"] == "data-governance"


async def test_reminders_are_sent_once_before_the_due_date_and_once_when_overdue(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    inbox: Inbox,
    portal_settings: Settings,
    engine: Engine,
    supplier_app: FastAPI,
) -> None:
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier, due_date=due_in(10))
    inbox.clear()
    catalog = supplier_app.state.catalog
    now = utcnow()

    def run(days_later: int) -> tuple[int, int]:
        report = send_reminders(
            engine, portal_settings, catalog=catalog, now=now + timedelta(days=days_later)
        )
        return report.due_soon, report.overdue

    assert run(1) == (0, 0)  # 9 days before: not yet
    assert run(5) == (1, 0)  # 5 days before: within the 7-day window
    assert run(6) == (0, 0)  # once only
    assert run(12) == (0, 1)  # overdue
    assert run(12) == (0, 0)  # once only
    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == 2
    assert "due" in subjects[0]
    assert "overdue" in subjects[1]
    assert all(m["To"] == "dana@acme-ai.example" for m in inbox.messages)
    assert all("#token=" not in m.get_body().get_content() for m in inbox.messages)  # type: ignore[union-attr]
    events = (await admin.get("/v1/audit-events", params={"limit": 200})).json()["items"]
    reminded = [e["action"] for e in events if e["action"].startswith("supplier_request.reminded")]
    assert reminded == [  # newest first
        "supplier_request.reminded_overdue",
        "supplier_request.reminded_due_soon",
    ]


async def test_no_reminders_for_submitted_requests_or_without_mail(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    portal_settings: Settings,
    settings: Settings,
    engine: Engine,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier, due_date=due_in(3))).json()
    client = portal(token_from(inbox.messages[-1]))
    view = (await client.get("/v1/supplier-portal")).json()
    saved = await client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": scenario_answers()},
        headers={"If-Match": f'"r{view["revision"]}"'},
    )
    await client.post(
        "/v1/supplier-portal/submit", headers={"If-Match": f'"r{saved.json()["revision"]}"'}
    )
    assert (await procurement.get(f"/v1/supplier-requests/{request['id']}")).json()[
        "status"
    ] == "submitted"
    inbox.clear()
    later = utcnow() + timedelta(days=10)
    report = send_reminders(engine, portal_settings, now=later)
    assert (report.due_soon, report.overdue) == (0, 0)
    off = send_reminders(engine, settings, now=later)
    assert off.mail_enabled is False
    assert inbox.messages == []
