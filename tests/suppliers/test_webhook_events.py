"""Vendor requests announce themselves to webhooks: submitted, decided, and overdue once."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.delivery.worker import deliver_due
from app.portfolio import overdue
from app.settings import Settings
from app.suppliers.models import VendorRequest
from tests.suppliers.conftest import (
    Inbox,
    create_supplier,
    scenario_answers,
    send_request,
    to_submitted,
)
from tests.webhooks.conftest import subscribe
from tests.webhooks.receiver import Receiver, running

EVENTS = ("vendor_request.submitted", "vendor_request.decided", "vendor_request.overdue")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver()) as started:
        yield started


async def test_submission_and_decision_arrive_signed(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    hook = await subscribe(admin, receiver.url, *EVENTS)
    receiver.secrets = [hook["secret"]]
    _, request, _ = await to_submitted(
        procurement, admin, portal, inbox, scenario_answers("undisclosed_model_critical")
    )
    deliver_due(engine, settings)
    (submitted,) = receiver.wait_for(1)
    assert submitted.verified_by == [hook["secret"]]
    assert submitted.payload["type"] == "vendor_request.submitted"
    assert submitted.payload["data"]["request_id"] == request["id"]
    assert submitted.payload["data"]["decision"] is None
    seen = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    rejected = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "reject", "comment": "Undisclosed model origin."},
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert rejected.status_code == 200, rejected.text
    deliver_due(engine, settings)
    decided = receiver.wait_for(2)[1]
    assert decided.payload["type"] == "vendor_request.decided"
    assert decided.payload["data"]["decision"] == "reject"
    assert decided.payload["data"]["tier"] == "critical"


async def test_an_overdue_request_is_announced_once_per_due_date(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    inbox: Inbox,
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    hook = await subscribe(admin, receiver.url, *EVENTS)
    receiver.secrets = [hook["secret"]]
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    assert overdue.scan(engine, settings) == 0  # not due yet
    request_id = uuid.UUID(request["id"])

    def due(day: date) -> None:
        with engine.begin() as connection:
            connection.execute(
                sa.update(VendorRequest)
                .where(VendorRequest.id == request_id)  # type: ignore[arg-type]
                .values(due_date=day)
            )

    due(date.today() - timedelta(days=1))
    assert overdue.scan(engine, settings) == 1
    assert overdue.scan(engine, settings) == 0  # the same episode: never again
    deliver_due(engine, settings)
    (event,) = receiver.wait_for(1)
    assert event.payload["type"] == "vendor_request.overdue"
    assert event.payload["data"]["request_id"] == request["id"]
    assert event.verified_by == [hook["secret"]]
    due(date.today() - timedelta(days=2))  # another due date, passed too: a new episode
    assert overdue.scan(engine, settings) == 1
