"""Organisation-level assessments over HTTP: the organisation is the subject (AIMS readiness);
same lifecycle, review, exports and audit as a system's; listed apart; the readiness view."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessments.models import Assessment
from tests.conftest import Org, count_rows
from tests.factories import create_system, review, save, scenario_answers, submit

KEY = "aims-readiness"


def scenario(scenario_id: str) -> dict[str, Any]:
    """The answers of one golden scenario of aims-readiness 1.0.0."""
    return scenario_answers(KEY, "1.0.0", scenario_id)


async def start_org(writer: httpx.AsyncClient, answers: dict[str, Any]) -> dict[str, Any]:
    response = await writer.post(
        "/v1/organization/assessments", json={"questionnaire_key": KEY, "answers": answers}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"/v1/assessments/{body['id']}"
    return body


async def approve(
    writer: httpx.AsyncClient, reviewer: httpx.AsyncClient, assessment: dict[str, Any]
) -> dict[str, Any]:
    submitted = await submit(writer, assessment)
    assert submitted.status_code == 200, submitted.text
    approved = await review(reviewer, submitted.json(), decision="approve")
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


async def test_lifecycle_of_an_organisation_assessment(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    answers = scenario("minor_gaps_before_audit")
    draft = await start_org(writer, {"org_roles": answers["org_roles"]})
    assert draft["subject"] == "organization"
    assert draft["system_id"] is None
    assert draft["supplier_id"] is None
    assert draft["progress"]["complete"] is False

    saved = await save(writer, draft, {k: v for k, v in answers.items() if k != "org_roles"})
    assert saved.status_code == 200, saved.text
    submitted = await submit(writer, saved.json())
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["tier"] == "minor_gaps"

    changes = await review(
        reviewer,
        submitted.json(),
        decision="request_changes",
        comment="Attach the internal audit report.",
        item_comments={"internal_audit": "Which audit?"},
    )
    assert changes.status_code == 200, changes.text
    reopened = changes.json()
    assert reopened["status"] == "draft"
    assert reopened["round"] == 2
    assert reopened["review_comments"] == {"internal_audit": "Which audit?"}

    fixed = await save(writer, reopened, {"internal_audit": "in_place"})
    approved = await approve(writer, reviewer, fixed.json())
    assert approved["status"] == "approved"
    assert approved["is_current"] is True
    assert approved["tier"] == "minor_gaps"  # document control is still partial
    assert approved["due_at"] is not None, "reassessment_months sets the due date"

    rounds = (await client.get(f"/v1/assessments/{draft['id']}/rounds")).json()["items"]
    assert [r["decision"] for r in rounds] == ["request_changes", "approve"]
    events = (
        await client.get(
            "/v1/audit-events", params={"entity_type": "assessment", "entity_id": draft["id"]}
        )
    ).json()["items"]
    actions = {e["action"] for e in events}
    assert {"assessment.created", "assessment.submitted", "assessment.approved"} <= actions


async def test_readiness_shows_the_latest_approved_level_per_clause_and_the_gaps(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    empty = (await client.get("/v1/organization/readiness")).json()
    assert empty["approved"] is None
    assert empty["open_assessment_id"] is None
    assert empty["questionnaire_key"] == KEY
    assert empty["latest_version"] == "1.0.0"

    first = await approve(writer, reviewer, await start_org(writer, scenario("nothing_started")))
    second = await start_org(writer, scenario("minor_gaps_before_audit"))

    readiness = (await client.get("/v1/organization/readiness")).json()
    assert readiness["open_assessment_id"] == second["id"]
    assert readiness["open_assessment_status"] == "draft"
    approved = readiness["approved"]
    assert approved["assessment_id"] == first["id"]
    assert approved["level"] == "not_ready"
    assert approved["level_label"] == {"en": "Not ready"}
    clauses = {c["id"]: c for c in approved["clauses"]}
    assert list(clauses)[:2] == ["clause_4", "clause_5"]
    assert clauses["clause_6"] == {
        "id": "clause_6",
        "label": {"en": "Clause 6: Planning"},
        "value": 0,
        "max": 10,
        "level": "not_ready",
        "level_label": {"en": "Not ready"},
    }
    gaps = {g["id"]: g for g in approved["gaps"]}
    assert gaps["foundation_missing"]["level"] == "not_ready"
    assert "iso-42001:A.2.2" in gaps["clause_5_not_started"]["controls"]
    assert gaps["audit_cycle_missing"]["caveat"], "an unsure point says so"
    obligations = {o["id"] for o in approved["obligations"]}
    assert obligations == {"eu-ai-act:all.ai-literacy", "eu-ai-act:provider.quality-management"}

    # A newer approval replaces the older one in the readiness view.
    await approve(writer, reviewer, second)
    again = (await client.get("/v1/organization/readiness")).json()
    assert again["approved"]["assessment_id"] == second["id"]
    assert again["approved"]["level"] == "minor_gaps"
    assert again["open_assessment_id"] is None
    levels = {c["id"]: c["level"] for c in again["approved"]["clauses"]}
    assert levels["clause_7"] == "partly_ready"
    assert levels["clause_4"] == "ready"
    old = (await client.get(f"/v1/assessments/{first['id']}")).json()
    assert old["is_current"] is False


async def test_listed_apart_from_system_assessments(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    for_system = await writer.post(
        "/v1/assessments",
        json={"system_id": system["id"], "questionnaire_key": "post-market-monitoring"},
    )
    assert for_system.status_code == 201, for_system.text
    assert for_system.json()["subject"] == "system"
    org_draft = await start_org(writer, {})

    listed = (await client.get("/v1/organization/assessments")).json()
    assert [a["id"] for a in listed["items"]] == [org_draft["id"]]
    assert listed["items"][0]["subject"] == "organization"
    systems_only = (await client.get("/v1/assessments", params={"subject": "system"})).json()
    assert [a["id"] for a in systems_only["items"]] == [for_system.json()["id"]]
    by_subject = (await client.get("/v1/assessments", params={"subject": "organization"})).json()
    assert [a["id"] for a in by_subject["items"]] == [org_draft["id"]]
    bad = await client.get("/v1/assessments", params={"subject": "planet"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "key", "subject"),
    [
        ("/v1/assessments", KEY, "organization"),
        ("/v1/organization/assessments", "post-market-monitoring", "ai_system"),
    ],
)
async def test_a_questionnaire_for_another_subject_is_422_naming_it(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    engine: Engine,
    path: str,
    key: str,
    subject: str,
) -> None:
    body: dict[str, Any] = {"questionnaire_key": key}
    if path == "/v1/assessments":
        body["system_id"] = (await create_system(client)).json()["id"]
    response = await writer.post(path, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/questionnaire-subject"
    assert f"'{subject}'" in problem["detail"]
    assert problem["errors"] == [
        {"pointer": "/questionnaire_key", "detail": f"questionnaire subject is '{subject}'"}
    ]
    assert count_rows(engine, "assessments") == 0


async def test_bad_input_to_the_organisation_routes_is_4xx_and_stores_nothing(
    writer: httpx.AsyncClient, engine: Engine
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"questionnaire_key": "no-such-questionnaire"}, "/questionnaire_key"),
        ({"questionnaire_key": KEY, "questionnaire_version": "9.9.9"}, "/questionnaire_version"),
        ({"questionnaire_key": KEY, "system_id": str(uuid.uuid4())}, "/system_id"),
        ({"questionnaire_key": KEY, "answers": {"ai_policy": "maybe"}}, "/answers/ai_policy"),
        ({}, "/questionnaire_key"),
    ]
    for body, pointer in cases:
        response = await writer.post("/v1/organization/assessments", json=body)
        assert response.status_code == 422, (body, response.text)
        pointers = {e.get("pointer") for e in response.json()["errors"]}
        assert pointer in pointers, (body, pointers)
    assert count_rows(engine, "assessments") == 0


async def test_export_report_and_import_of_an_organisation_assessment(
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_org: Callable[[str], Org],
) -> None:
    approved = await approve(
        writer, reviewer, await start_org(writer, scenario("certification_ready"))
    )
    exported = await writer.get(f"/v1/assessments/{approved['id']}/export.json")
    assert exported.status_code == 200, exported.text
    assert exported.json()["system"] is None
    report = await writer.get(f"/v1/assessments/{approved['id']}/report.html")
    assert report.status_code == 200
    assert "<h2>Organisation</h2>" in report.text
    csv_export = await writer.get(f"/v1/assessments/{approved['id']}/export.csv")
    assert csv_export.status_code == 200

    other = make_client(make_org("globex").admin_key)
    target = (await create_system(other)).json()
    wrong = await other.post(
        "/v1/assessments/import", json=exported.json(), params={"system_id": target["id"]}
    )
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["parameter"] == "system_id"

    imported = await other.post("/v1/assessments/import", json=exported.json())
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["system_id"] is None
    assert body["system_created"] is False
    assert body["is_current"] is True
    assert body["reproduced"] is True
    readiness = (await other.get("/v1/organization/readiness")).json()
    assert readiness["approved"]["assessment_id"] == body["assessment_id"]
    assert readiness["approved"]["level"] == "ready"


async def test_system_roll_ups_ignore_organisation_assessments(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    await approve(writer, reviewer, await start_org(writer, scenario("nothing_started")))
    for path in (
        "/v1/overdue-systems",
        "/v1/work-queue",
        "/v1/statement-of-applicability",
        "/v1/statement-of-applicability/v2",
        f"/v1/ai-systems/{system['id']}/standing",
        f"/v1/ai-systems/{system['id']}/plan",
        "/v1/assessments?current=true",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)


def test_the_database_keeps_the_subject_and_its_reference_consistent(
    engine: Engine, org: Org
) -> None:
    common: dict[str, Any] = {
        "organization_id": org.id,
        "questionnaire_key": KEY,
        "questionnaire_version": "1.0.0",
        "content_hash": "0" * 64,
    }
    # A system assessment without its system, a supplier's answers without the supplier, nonsense.
    for subject in ("system", "supplier", "planet"):
        with Session(engine) as session:
            session.add(Assessment(**common, subject=subject))
            with pytest.raises(sa.exc.IntegrityError):
                session.commit()
    with Session(engine) as session:
        session.add(Assessment(**common, subject="organization"))
        session.commit()
    assert count_rows(engine, "assessments") == 1
