"""Assessments over HTTP: draft, autosave, preview, submit, review, rounds, standing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessments.models import Assessment
from tests.conftest import Org, count_rows
from tests.factories import CV_SCREENING, KEY, create_system, review, save, start, submit


async def test_draft_is_pinned_and_reports_progress(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, {"use_case_name": "CV pre-screening"})
    pin = assessment["questionnaire"]
    questionnaire = (await client.get(f"/v1/questionnaires/{KEY}")).json()
    assert pin == {
        "key": KEY,
        "version": questionnaire["version"],
        "content_hash": questionnaire["content_hash"],
    }
    assert assessment["status"] == "draft"
    assert assessment["round"] == 1
    progress = assessment["progress"]
    assert progress["answered"] == 1
    assert progress["complete"] is False
    assert "uses_ai" in progress["missing_required"]


async def test_autosave_merges_removes_and_guards_revisions(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, {"use_case_name": "x", "uses_ai": "yes"})
    saved = await save(writer, assessment, {"use_case_name": "CV", "uses_ai": None})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["answers"] == {"use_case_name": "CV"}
    assert body["revision"] == assessment["revision"] + 1
    assert saved.headers["ETag"] == f'"r{body["revision"]}"'

    stale = await save(writer, assessment, {"use_case_name": "lost?"})
    assert stale.status_code == 412
    current = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert current["answers"] == {"use_case_name": "CV"}

    missing = await writer.patch(
        f"/v1/assessments/{assessment['id']}/answers", json={"answers": {"uses_ai": "no"}}
    )
    assert missing.status_code == 428


async def test_invalid_answers_are_422_with_a_pointer_each_and_change_nothing(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, engine: Engine
) -> None:
    assessment = await start(client, writer)
    response = await save(
        writer,
        assessment,
        {
            "uses_ai": "maybe",
            "people_affected": "many",
            "practices": ["none", "social_scoring"],
            "no_such_item": 1,
        },
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {
        "/answers/uses_ai",
        "/answers/people_affected",
        "/answers/practices",
        "/answers/no_such_item",
    } <= pointers
    current = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert current["answers"] == {}
    assert current["revision"] == assessment["revision"]


async def test_preview_shows_the_live_result_and_what_is_undetermined(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, {"uses_ai": "yes", "purpose_areas": ["employment"]})
    preview = await writer.get(f"/v1/assessments/{assessment['id']}/preview")
    assert preview.status_code == 200, preview.text
    result = preview.json()["result"]
    assert result["questionnaire"]["content_hash"] == assessment["questionnaire"]["content_hash"]
    assert "annex_iii_area" in [r["id"] for r in result["fired"]]
    assert result["undetermined"], "unanswered questions leave rules undetermined"


async def test_submit_with_missing_answers_is_422_and_stays_draft(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, engine: Engine
) -> None:
    assessment = await start(client, writer, {"uses_ai": "yes"})
    response = await submit(writer, assessment)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {
        "pointer": "/answers/use_case_name",
        "detail": "this question is required",
        "code": "required",
    } in errors
    after = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert after["status"] == "draft"
    assert count_rows(engine, "assessment_rounds") == 0


async def test_full_flow_submit_review_changes_resubmit_approve(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, CV_SCREENING)
    submitted = await submit(writer, assessment)
    assert submitted.status_code == 200, submitted.text
    assessment = submitted.json()
    assert assessment["status"] == "submitted"
    assert assessment["tier"] == "full"

    # Frozen: answers cannot change once submitted.
    frozen = await save(writer, assessment, {"use_case_name": "changed"})
    assert frozen.status_code == 409
    assert frozen.json()["type"] == "/problems/assessment-not-draft"

    # The submitter cannot approve its own submission, even with the review scope.
    own = await review(writer, assessment, decision="approve")
    assert own.status_code == 403

    changes = await review(
        reviewer,
        assessment,
        decision="request_changes",
        comment="Check the numbers",
        item_comments={"people_affected": "This looks low for all applicants"},
    )
    assert changes.status_code == 200, changes.text
    assessment = changes.json()
    assert assessment["status"] == "draft"
    assert assessment["round"] == 2
    assert assessment["review_comments"] == {"people_affected": "This looks low for all applicants"}

    saved = await save(writer, assessment, {"people_affected": 50000})
    assessment = (await submit(writer, saved.json())).json()
    assert assessment["status"] == "submitted"
    approved = await review(reviewer, assessment, decision="approve")
    assert approved.status_code == 200
    assessment = approved.json()
    assert assessment["status"] == "approved"
    assert assessment["is_current"] is True
    assert assessment["due_at"] is not None  # 'full' is reassessed every 6 months

    listed = (await writer.get(f"/v1/assessments/{assessment['id']}/rounds")).json()
    assert listed["next_cursor"] is None
    rounds = listed["items"]
    assert [r["round"] for r in rounds] == [1, 2]
    # One round a page: the cursor carries on in round order.
    page = (
        await writer.get(f"/v1/assessments/{assessment['id']}/rounds", params={"limit": 1})
    ).json()
    assert [r["round"] for r in page["items"]] == [1]
    rest = (
        await writer.get(
            f"/v1/assessments/{assessment['id']}/rounds",
            params={"limit": 1, "cursor": page["next_cursor"]},
        )
    ).json()
    assert [r["round"] for r in rest["items"]] == [2]
    assert rest["next_cursor"] is None
    assert rounds[0]["answers"]["people_affected"] == 5000
    assert rounds[0]["decision"] == "request_changes"
    assert rounds[1]["answers"]["people_affected"] == 50000
    assert rounds[1]["decision"] == "approve"
    result = rounds[1]["result"]
    assert result["tier"] == "full"
    assert result["trace"], "the stored result carries the trace"
    assert result["engine_version"]
    base = f"/v1/assessments/{assessment['id']}/rounds"
    first = await writer.get(f"{base}/1")
    assert first.status_code == 200
    assert first.json() == rounds[0]
    missing = await writer.get(f"{base}/3")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"

    # A decided assessment cannot be reviewed again.
    again = await review(reviewer, assessment, decision="reject", comment="no")
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/assessment-not-submitted"


async def test_reject_needs_a_comment(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    response = await review(reviewer, assessment, decision="reject")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/comment"
    rejected = await review(reviewer, assessment, decision="reject", comment="Out of policy")
    assert rejected.json()["status"] == "rejected"


async def test_writer_without_review_scope_cannot_review(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    response = await review(writer, assessment, decision="approve")
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/insufficient-scope"


async def test_list_filters_and_other_organisations(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    draft = await start(client, writer)
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()

    async def ids(**params: Any) -> list[str]:
        response = await writer.get("/v1/assessments", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert await ids(status="draft") == [draft["id"]]
    assert await ids(tier="full") == [submitted["id"]]
    assert await ids(system_id=draft["system_id"]) == [draft["id"]]
    assert await ids(questionnaire_key=KEY) == [submitted["id"], draft["id"]]
    assert await ids(overdue=True) == []

    intruder = make_client(make_org("globex").admin_key)
    assert (await intruder.get(f"/v1/assessments/{draft['id']}")).status_code == 404
    assert (await intruder.get("/v1/assessments")).json()["items"] == []
    stolen = await intruder.post(
        "/v1/assessments", json={"system_id": draft["system_id"], "questionnaire_key": KEY}
    )
    assert stolen.status_code == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"questionnaire_key": "nope"}, "/questionnaire_key"),
        ({"questionnaire_key": KEY, "questionnaire_version": "9.9.9"}, "/questionnaire_version"),
    ],
)
async def test_unknown_questionnaire_is_422(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, body: dict[str, Any], pointer: str
) -> None:
    system = (await create_system(client)).json()
    response = await writer.post("/v1/assessments", json={"system_id": system["id"], **body})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_every_step_is_in_the_audit_log(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, {**CV_SCREENING, "people_affected": 1})
    assessment = (await save(writer, assessment, {"people_affected": 5000})).json()
    assessment = (await submit(writer, assessment)).json()
    await review(reviewer, assessment, decision="approve")
    events = (
        await client.get(
            "/v1/audit-events", params={"entity_type": "assessment", "entity_id": assessment["id"]}
        )
    ).json()["items"]
    assert [e["action"] for e in events] == [  # newest first
        "assessment.approved",
        "assessment.submitted",
        "assessment.answers_saved",
        "assessment.created",
    ]
    assert events[2]["before"] == {"people_affected": 1}
    assert events[2]["after"] == {"people_affected": 5000}
    assert (await client.get("/v1/audit-events/verify")).json()["valid"] is True


async def test_standing_rolls_up_the_latest_approved_and_lists_overdue(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
) -> None:
    first = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    first = (await review(reviewer, first, decision="approve")).json()
    system_id = first["system_id"]

    standing = (await client.get(f"/v1/ai-systems/{system_id}/standing")).json()
    [entry] = standing["assessments"]
    assert entry["assessment_id"] == first["id"]
    assert entry["tier"] == "full"
    assert entry["controls"], "the standing lists the controls required"
    assert standing["overdue"] is False
    # The next due date is the earliest of the plan's (the classification every system needs,
    # not yet done) and the assessments'.
    [classification] = standing["plan"]
    assert standing["next_due_at"] == min(first["due_at"], classification["due_at"])

    # A newer approved assessment of the same questionnaire replaces the first.
    second = await writer.post(
        "/v1/assessments",
        json={"system_id": system_id, "questionnaire_key": KEY, "answers": CV_SCREENING},
    )
    second_body = (await submit(writer, second.json())).json()
    second_body = (await review(reviewer, second_body, decision="approve")).json()
    standing = (await client.get(f"/v1/ai-systems/{system_id}/standing")).json()
    assert [e["assessment_id"] for e in standing["assessments"]] == [second_body["id"]]
    old = (await client.get(f"/v1/assessments/{first['id']}")).json()
    assert old["is_current"] is False

    # Past its due date the system is overdue.
    with Session(engine) as session:
        stored = session.get(Assessment, uuid.UUID(second_body["id"]))
        assert stored is not None
        stored.due_at = datetime(2020, 1, 1, tzinfo=UTC)
        session.add(stored)
        session.commit()
    overdue = (await client.get("/v1/overdue-systems")).json()
    assert [o["system_id"] for o in overdue["items"]] == [system_id]
    assert overdue["next_cursor"] is None
    assert (await client.get(f"/v1/ai-systems/{system_id}/standing")).json()["overdue"] is True
    listed = (await client.get("/v1/assessments", params={"overdue": True})).json()["items"]
    assert [a["id"] for a in listed] == [second_body["id"]]


async def test_autosave_can_return_minimal(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer)
    response = await writer.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        json={"answers": {"uses_ai": "yes"}},
        headers={"If-Match": f'"r{assessment["revision"]}"', "Prefer": "return=minimal"},
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["ETag"] == f'"r{assessment["revision"] + 1}"'
    assert response.headers["Preference-Applied"] == "return=minimal"
    stored = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert stored["answers"] == {"uses_ai": "yes"}


async def test_overdue_systems_come_most_overdue_first_up_to_the_limit(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
) -> None:
    systems = []
    for year in (2022, 2020, 2021):
        approved = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
        approved = (await review(reviewer, approved, decision="approve")).json()
        with Session(engine) as session:
            stored = session.get(Assessment, uuid.UUID(approved["id"]))
            assert stored is not None
            stored.due_at = datetime(year, 1, 1, tzinfo=UTC)
            session.add(stored)
            session.commit()
        systems.append(approved["system_id"])
    overdue = (await client.get("/v1/overdue-systems", params={"limit": 2})).json()
    assert [o["system_id"] for o in overdue["items"]] == [systems[1], systems[2]]
    rest = (
        await client.get(
            "/v1/overdue-systems", params={"limit": 2, "cursor": overdue["next_cursor"]}
        )
    ).json()
    assert [o["system_id"] for o in rest["items"]] == [systems[0]]
    assert rest["next_cursor"] is None
