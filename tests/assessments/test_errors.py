"""Error paths of assessments: each is a clear problem document and changes nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine

from app.auth import Scope
from app.main import create_app
from app.questionnaires import lock as lock_module
from app.questionnaires.catalog import Catalog, load_catalog, load_catalog_with_problems
from app.settings import Settings
from tests.conftest import count_rows, project_root
from tests.factories import CV_SCREENING, KEY, create_system, review, start, submit

# The highest version in the repository: what a new assessment of KEY pins.
LATEST = ".".join(
    str(n)
    for n in max(
        tuple(int(x) for x in p.stem.split("."))
        for p in (project_root() / "questionnaires" / KEY).glob("*.*.*.json")
        if not p.name.endswith(".scenarios.json")
    )
)


async def test_a_retired_system_gets_no_new_assessment(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, engine: Engine
) -> None:
    created = await create_system(client)
    system = created.json()
    await client.post(
        f"/v1/ai-systems/{system['id']}/retire", headers={"If-Match": created.headers["ETag"]}
    )
    response = await writer.post(
        "/v1/assessments", json={"system_id": system["id"], "questionnaire_key": KEY}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/system-retired"
    assert count_rows(engine, "assessments") == 0


async def test_comments_on_unknown_questions_are_422_and_decide_nothing(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    response = await review(
        reviewer,
        assessment,
        decision="request_changes",
        comment="See the questions",
        item_comments={"no_such_question": "?"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/item_comments/no_such_question", "detail": "no such item"}
    ]
    after = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert after["status"] == "submitted"
    assert after["revision"] == assessment["revision"]


async def test_unstorable_text_points_at_the_value(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer)
    response = await writer.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        content=b'{"answers": {"use_case_name": "a\\u0000b"}}',
        headers={"Content-Type": "application/json", "If-Match": f'"r{assessment["revision"]}"'},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/problems/unstorable-text"
    assert body["errors"][0]["pointer"] == "/answers/use_case_name"


@pytest.fixture(scope="module")
def altered_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """ai-use-triage 1.0.0 edited in place (as must never happen), and its latest published
    version (which new assessments pin) replaced by a draft of other content."""
    root = tmp_path_factory.mktemp("altered") / "questionnaires"
    source = project_root() / "questionnaires"
    shutil.copytree(source / "controls", root / "controls")
    (root / KEY).mkdir()
    v1: dict[str, Any] = json.loads((source / KEY / "1.0.0.json").read_text())
    v1["title"] = {"en": "Edited after publication"}
    (root / KEY / "1.0.0.json").write_text(json.dumps(v1))
    shutil.copy(source / KEY / "1.0.0.scenarios.json", root / KEY / "1.0.0.scenarios.json")
    draft = {**v1, "version": LATEST, "status": "draft"}
    (root / KEY / f"{LATEST}.json").write_text(json.dumps(draft))
    catalog, _ = load_catalog_with_problems(root)
    lock_module.update_lock(catalog)
    return load_catalog(root)


@pytest_asyncio.fixture
async def altered_client(
    altered_catalog: Catalog, settings: Settings, engine: Engine, make_key: Callable[..., str]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, catalog=altered_catalog)
    key = make_key(Scope.ASSESSMENTS_WRITE, Scope.READ)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as altered:
        yield altered


async def test_a_changed_published_version_is_refused_not_used(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, altered_client: httpx.AsyncClient
) -> None:
    assessment = await start(client, writer, {"uses_ai": "yes"})
    response = await altered_client.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        json={"answers": {"uses_ai": "no"}},
        headers={"If-Match": f'"r{assessment["revision"]}"'},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/questionnaire-version-changed"
    stored = (await writer.get(f"/v1/assessments/{assessment['id']}")).json()
    assert stored["answers"] == {"uses_ai": "yes"}


async def test_a_draft_version_cannot_be_assessed(
    client: httpx.AsyncClient, altered_client: httpx.AsyncClient, engine: Engine
) -> None:
    system = (await create_system(client)).json()
    response = await altered_client.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": KEY,
            "questionnaire_version": LATEST,
        },
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/questionnaire-not-published"
    assert response.json()["errors"][0]["pointer"] == "/questionnaire_version"
    assert count_rows(engine, "assessments") == 0


@pytest.mark.parametrize(("if_match", "status"), [(None, 428), ('"r99"', 412)])
async def test_submit_review_and_migrate_need_the_current_etag(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
    if_match: str | None,
    status: int,
) -> None:
    """Without If-Match a write is 428, with a stale one 412; either way nothing changes."""
    draft = await start(client, writer, CV_SCREENING)
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    headers = {"If-Match": if_match} if if_match else {}
    before = count_rows(engine, "audit_events"), count_rows(engine, "assessment_rounds")
    attempts = [
        await writer.post(
            f"/v1/assessments/{draft['id']}/submit", json={"as_of": "2026-11-27"}, headers=headers
        ),
        await reviewer.post(
            f"/v1/assessments/{submitted['id']}/review",
            json={"decision": "approve"},
            headers=headers,
        ),
        await writer.post(
            f"/v1/assessments/{draft['id']}/migrate", json={"dry_run": False}, headers=headers
        ),
    ]
    for response in attempts:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (count_rows(engine, "audit_events"), count_rows(engine, "assessment_rounds")) == before
    assert (await writer.get(f"/v1/assessments/{draft['id']}")).json()["status"] == "draft"
    assert (await writer.get(f"/v1/assessments/{submitted['id']}")).json()["status"] == (
        "submitted"
    )


async def test_only_a_draft_moves_to_another_version(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    moved = await writer.post(
        f"/v1/assessments/{submitted['id']}/migrate",
        json={"dry_run": False},
        headers={"If-Match": f'"r{submitted["revision"]}"'},
    )
    assert moved.status_code == 409
    assert moved.json()["type"] == "/problems/assessment-not-draft"
