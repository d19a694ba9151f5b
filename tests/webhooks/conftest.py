"""Fixtures of the webhook tests: a receiver on 127.0.0.1, clients, and one outbox pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.auth import Scope
from app.db import utcnow
from app.delivery.worker import DeliveryReport, deliver_due
from app.settings import Settings
from tests.webhooks.receiver import Receiver, running

ClientFactory = Callable[[str | None], httpx.AsyncClient]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver()) as started:
        yield started


@pytest.fixture
def writer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.READ, Scope.SYSTEMS_WRITE))


@pytest.fixture
def reviewer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_REVIEW, Scope.READ))


@pytest.fixture
def deliver(engine: Engine, settings: Settings) -> Callable[..., DeliveryReport]:
    """One pass of the outbox worker, `minutes` from now (retries become due)."""

    def run(minutes: float = 0, **kwargs: Any) -> DeliveryReport:
        moment: datetime = utcnow() + timedelta(minutes=minutes)
        return deliver_due(engine, settings, now=lambda: moment, **kwargs)

    return run


async def subscribe(
    client: httpx.AsyncClient, url: str, *events: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhooks",
        json={"url": url, "event_types": list(events or ["assessment.approved"]), **fields},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
