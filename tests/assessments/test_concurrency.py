"""Two saves of one assessment at the same time: the second waits for the first and sees it.

Without a row lock, PostgreSQL lets both read revision 1 and the second overwrite the first's
answers (a lost update that no If-Match check could catch). These tests hold the first write's
transaction open while the second starts, on each database the suite runs on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessments import service
from app.assessments.models import Assessment
from app.audit.service import Actor
from app.errors import PreconditionFailedError
from app.questionnaires.catalog import Catalog
from tests.concurrency import Write, overlapping_writes
from tests.conftest import Org
from tests.factories import start

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Writer:
    organization_id: uuid.UUID
    key_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor(key_id=None, name="concurrency test")


def saving(
    catalog: Catalog,
    caller: Writer,
    assessment_id: uuid.UUID,
    changes: dict[str, Any],
    if_match: str,
) -> Write:
    def write(session: Session) -> None:
        service.save_answers(
            session,
            catalog,
            caller=caller,
            assessment_id=assessment_id,
            subject=service.Subject.SYSTEM,
            changes=changes,
            if_match=if_match,
        )

    return write


async def draft(client: httpx.AsyncClient, writer: httpx.AsyncClient) -> uuid.UUID:
    created = await start(client, writer, {"use_case_name": "Triage bot"})
    assert created["revision"] == 1
    return uuid.UUID(created["id"])


def stored(engine: Engine, assessment_id: uuid.UUID) -> Assessment:
    with Session(engine) as session:
        found = session.get(Assessment, assessment_id)
        assert found is not None
        return found


async def test_a_second_save_with_the_same_etag_waits_and_gets_412(
    engine: Engine,
    app: FastAPI,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    org: Org,
) -> None:
    assessment_id = await draft(client, writer)
    caller, catalog = Writer(org.id), app.state.catalog
    waited, error = overlapping_writes(
        engine,
        saving(catalog, caller, assessment_id, {"use_case_summary": "first tab"}, '"r1"'),
        saving(catalog, caller, assessment_id, {"owner_email": "second@example.com"}, '"r1"'),
    )
    assert waited, "the second save did not wait for the first"
    assert isinstance(error, PreconditionFailedError)
    saved = stored(engine, assessment_id)
    assert saved.revision == 2
    assert saved.answers["use_case_summary"] == "first tab"
    assert "owner_email" not in saved.answers


async def test_a_second_save_of_any_revision_merges_into_the_first(
    engine: Engine,
    app: FastAPI,
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    org: Org,
) -> None:
    assessment_id = await draft(client, writer)
    caller, catalog = Writer(org.id), app.state.catalog
    waited, error = overlapping_writes(
        engine,
        saving(catalog, caller, assessment_id, {"use_case_summary": "first tab"}, '"r1"'),
        saving(catalog, caller, assessment_id, {"owner_email": "second@example.com"}, "*"),
    )
    assert waited
    assert error is None
    saved = stored(engine, assessment_id)
    assert saved.revision == 3
    assert saved.answers == {
        "use_case_name": "Triage bot",
        "use_case_summary": "first tab",
        "owner_email": "second@example.com",
    }
