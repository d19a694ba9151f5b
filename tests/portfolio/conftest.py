"""Clients and helpers of the portfolio tests: classify a system, approve assessments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.auth import Scope
from tests.factories import scenario_answers as scenario

ClientFactory = Callable[[str | None], httpx.AsyncClient]
CLASSIFICATION = "eu-ai-act-classification"


@pytest.fixture
def writer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.SYSTEMS_WRITE, Scope.READ))


@pytest.fixture
def reviewer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_REVIEW, Scope.READ))


async def approve(
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    system_id: str,
    key: str,
    answers: dict[str, Any],
) -> dict[str, Any]:
    """A new assessment of the system with these answers, submitted and approved."""
    created = await writer.post(
        "/v1/assessments",
        json={"system_id": system_id, "questionnaire_key": key, "answers": answers},
    )
    assert created.status_code == 201, created.text
    return await submit_and_approve(writer, reviewer, created.json())


async def submit_and_approve(
    writer: httpx.AsyncClient, reviewer: httpx.AsyncClient, draft: dict[str, Any]
) -> dict[str, Any]:
    submitted = await writer.post(
        f"/v1/assessments/{draft['id']}/submit",
        json={"as_of": "2026-11-27"},
        headers={"If-Match": f'"r{draft["revision"]}"'},
    )
    assert submitted.status_code == 200, submitted.text
    approved = await reviewer.post(
        f"/v1/assessments/{draft['id']}/review",
        json={"decision": "approve"},
        headers={"If-Match": f'"r{submitted.json()["revision"]}"'},
    )
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


async def classify(
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    system_id: str,
    scenario_id: str = "cv_screening_deployer",
) -> dict[str, Any]:
    return await approve(
        writer, reviewer, system_id, CLASSIFICATION, scenario(CLASSIFICATION, "2.0.0", scenario_id)
    )
