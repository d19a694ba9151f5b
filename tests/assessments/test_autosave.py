"""Autosave with group commit: saves that share a transaction are still checked one by one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.assessments.autosave import Autosave, Save, Saved
from app.assessments.models import Assessment
from app.audit.models import AuditEvent
from app.auth import Credential, Scope
from app.errors import AppError
from tests.factories import start


def autosave_of(app: FastAPI) -> Autosave:
    autosave: Autosave = app.state.autosave
    return autosave


def stored(engine: Engine, assessment_id: str) -> Assessment:
    with Session(engine) as session:
        found = session.get(Assessment, uuid.UUID(assessment_id))
        assert found is not None
        return found


def saves_audited(engine: Engine, assessment_id: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.entity_id == assessment_id,
                AuditEvent.action == "assessment.answers_saved",
            )
            .order_by(col(AuditEvent.seq))
        ).all()
        return [event.after for event in events]


def statuses(outcomes: list[Saved | Exception]) -> list[int]:
    return [o.status if isinstance(o, AppError) else 200 for o in outcomes]


async def test_a_group_of_saves_is_checked_save_by_save(
    app: FastAPI,
    engine: Engine,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_key: Callable[..., str],
) -> None:
    one = await start(client, writer)
    two = await start(client, writer)
    key = make_key(Scope.ASSESSMENTS_WRITE)
    read_only = make_key(Scope.READ)

    def save(
        assessment: dict[str, Any], answers: dict[str, Any], if_match: str, token: str = key
    ) -> Save:
        return Save(Credential("key", token), uuid.UUID(assessment["id"]), answers, if_match)

    outcomes = autosave_of(app).commit(
        [
            save(one, {"use_case_summary": "first"}, '"r1"'),
            # Sees the save before it in the same group: its revision and its answers.
            save(one, {"owner_email": "kept@example.com"}, '"r2"'),
            save(one, {"owner_email": "stale@example.com"}, '"r2"'),
            save(two, {"people_affected": "many"}, '"r1"'),
            save(two, {"use_case_summary": "no scope"}, '"r1"', token=read_only),
            save(two, {"use_case_summary": "no key"}, "*", token="aas_" + "x" * 43),
            Save(Credential("key", key), uuid.uuid4(), {"use_case_summary": "nowhere"}, "*"),
            save(two, {"use_case_summary": "second"}, '"r1"'),
        ]
    )

    assert statuses(outcomes) == [200, 200, 412, 422, 403, 401, 404, 200]
    assert [o.revision for o in outcomes if isinstance(o, Saved)] == [2, 3, 2]
    first = stored(engine, one["id"])
    assert first.revision == 3
    assert first.answers == {"use_case_summary": "first", "owner_email": "kept@example.com"}
    second = stored(engine, two["id"])
    assert (second.revision, second.answers) == (2, {"use_case_summary": "second"})
    assert saves_audited(engine, one["id"]) == [
        {"use_case_summary": "first"},
        {"owner_email": "kept@example.com"},
    ]
    assert saves_audited(engine, two["id"]) == [{"use_case_summary": "second"}]
    report = (await client.get("/v1/audit-events/verify")).json()
    assert report["valid"] is True


async def test_when_the_group_fails_each_save_is_retried_alone(
    app: FastAPI,
    engine: Engine,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_key: Callable[..., str],
) -> None:
    good, bad = await start(client, writer), await start(client, writer)
    key = make_key(Scope.ASSESSMENTS_WRITE)

    def broken(_session: Session, _assessment: Assessment) -> None:
        raise RuntimeError("rendering failed")

    outcomes = autosave_of(app).commit(
        [
            Save(
                Credential("key", key), uuid.UUID(good["id"]), {"use_case_summary": "kept"}, '"r1"'
            ),
            Save(
                Credential("key", key),
                uuid.UUID(bad["id"]),
                {"use_case_summary": "lost"},
                '"r1"',
                broken,
            ),
        ]
    )

    assert isinstance(outcomes[0], Saved)
    assert isinstance(outcomes[1], RuntimeError)
    assert stored(engine, good["id"]).answers == {"use_case_summary": "kept"}
    assert stored(engine, bad["id"]).revision == 1
    assert saves_audited(engine, bad["id"]) == []


async def test_concurrent_saves_over_http_all_land(
    engine: Engine, client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    drafts = [await start(client, writer) for _ in range(3)]
    fields = ["use_case_summary", "owner_email", "supplier_name", "use_case_name"]
    values = {
        "use_case_summary": "Sorts tickets.",
        "owner_email": "owner@example.com",
        "supplier_name": "Acme AI",
        "use_case_name": "Ticket triage",
    }

    async def patch(draft: dict[str, Any], field: str) -> httpx.Response:
        return await writer.patch(
            f"/v1/assessments/{draft['id']}/answers",
            json={"answers": {field: values[field]}},
            headers={"If-Match": "*", "Prefer": "return=minimal"},
        )

    responses = await asyncio.gather(*(patch(d, f) for d in drafts for f in fields))

    assert [r.status_code for r in responses] == [204] * 12
    for draft in drafts:
        saved = stored(engine, draft["id"])
        assert saved.revision == 1 + len(fields)
        assert saved.answers == values
        assert len(saves_audited(engine, draft["id"])) == len(fields)
    full = await writer.patch(
        f"/v1/assessments/{drafts[0]['id']}/answers",
        json={"answers": {"use_case_name": "Renamed"}},
        headers={"If-Match": '"r5"'},
    )
    assert full.status_code == 200
    assert full.headers["ETag"] == '"r6"'
    assert full.json()["answers"]["use_case_name"] == "Renamed"
    assert full.json()["revision"] == 6
    assert (await client.get("/v1/audit-events/verify")).json()["valid"] is True


async def test_a_save_without_a_valid_key_is_refused_before_anything_else(
    make_client: Callable[[str | None], httpx.AsyncClient],
    engine: Engine,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
) -> None:
    draft = await start(client, writer)
    path = f"/v1/assessments/{draft['id']}/answers"
    anonymous = make_client(None)
    missing = await anonymous.patch(path, json={"not": "a patch"}, headers={"If-Match": '"r1"'})
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    unknown = make_client("aas_" + "u" * 43)
    refused = await unknown.patch(
        path, json={"answers": {"use_case_name": "x"}}, headers={"If-Match": '"r1"'}
    )
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert stored(engine, draft["id"]).revision == 1


async def test_a_single_save_that_fails_is_answered_with_its_error_and_not_retried(
    app: FastAPI,
    engine: Engine,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_key: Callable[..., str],
) -> None:
    draft = await start(client, writer)
    key = make_key(Scope.ASSESSMENTS_WRITE)
    calls: list[str] = []

    def broken(_session: Session, _assessment: Assessment) -> None:
        calls.append("render")
        raise RuntimeError("rendering failed")

    outcomes = autosave_of(app).commit(
        [Save(Credential("key", key), uuid.UUID(draft["id"]), {"uses_ai": "no"}, '"r1"', broken)]
    )
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], RuntimeError)
    assert calls == ["render"], "a group of one is not tried again alone"
    assert stored(engine, draft["id"]).revision == 1


async def test_when_a_whole_batch_fails_every_waiting_save_gets_the_error_and_the_queue_goes_on(
    app: FastAPI,
    engine: Engine,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_key: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft = await start(client, writer)
    key = make_key(Scope.ASSESSMENTS_WRITE)
    autosave = autosave_of(app)
    real_commit = autosave.commit

    def failing(requests: list[Save]) -> list[Saved | Exception]:
        raise OSError("the database went away")

    monkeypatch.setattr(autosave, "commit", failing)
    save = Save(Credential("key", key), uuid.UUID(draft["id"]), {"uses_ai": "no"}, '"r1"')
    results = await asyncio.gather(autosave.save(save), autosave.save(save), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results), results
    assert stored(engine, draft["id"]).revision == 1

    monkeypatch.setattr(autosave, "commit", real_commit)
    saved = await autosave.save(save)
    assert saved.revision == 2, "the next batch is served as usual"
    assert stored(engine, draft["id"]).answers == {"uses_ai": "no"}
