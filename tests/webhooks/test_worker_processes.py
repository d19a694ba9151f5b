"""`python -m app worker` processes against a real receiver: a worker killed with SIGKILL
mid-delivery is replaced and the webhook arrives; two workers on PostgreSQL never send one
delivery twice at the same time."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.auth import Principal, Scope
from app.db import transaction
from app.delivery.models import OutboxMessage
from app.settings import Settings
from app.webhooks import service as webhooks
from app.webhooks.models import WebhookSubscription
from app.webhooks.schemas import WebhookSubscriptionCreate
from tests.conftest import Org
from tests.servers import outbox_worker
from tests.webhooks.receiver import Receiver, running


def admin(org: Org) -> Principal:
    return Principal(organization_id=org.id, scopes=frozenset({Scope.ADMIN}), key_name="test")


def start_worker(database_url: str, lease: int = 5) -> subprocess.Popen[bytes]:
    return outbox_worker(
        database_url,
        APP_OUTBOX_LEASE_SECONDS=str(lease),
        APP_WEBHOOK_ALLOW_HTTP="true",
        APP_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def subscribed(engine: Engine, settings: Settings, org: Org, url: str) -> tuple[str, uuid.UUID]:
    data = WebhookSubscriptionCreate.model_validate(
        {"url": url, "event_types": ["assessment.approved"]}
    )
    with transaction(engine, write=True) as session:
        subscription, secret = webhooks.create_subscription(
            session, settings, caller=admin(org), data=data
        )
    return secret, subscription.id


def pings(engine: Engine, org: Org, subscription_id: uuid.UUID, count: int) -> list[str]:
    with transaction(engine, write=True) as session:
        return [
            webhooks.ping(session, caller=admin(org), subscription_id=subscription_id).subject
            for _ in range(count)
        ]


@pytest.fixture
def stalling() -> Iterator[Receiver]:
    with running(Receiver(stall_first=True)) as started:
        yield started


def test_a_worker_killed_mid_delivery_is_replaced_and_the_webhook_arrives(
    engine: Engine, settings: Settings, org: Org, database_url: str, stalling: Receiver
) -> None:
    secret, subscription_id = subscribed(engine, settings, org, stalling.url)
    stalling.secrets = [secret]
    (webhook_id,) = pings(engine, org, subscription_id, 1)
    first = start_worker(database_url)
    try:
        assert stalling.first_arrived.wait(60), "the first worker never reached the receiver"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    stalling.release.set()
    with Session(engine) as session:
        claimed = session.exec(select(OutboxMessage)).one()
        assert claimed.status == "sending"  # the dead worker's claim, waiting for its lease
    second = start_worker(database_url)
    try:
        (event,) = stalling.wait_for(1, timeout=60)
    finally:
        stop(second)
    assert event.headers["webhook-id"] == webhook_id
    assert event.verified_by == [secret]
    with Session(engine) as session:
        done = session.exec(select(OutboxMessage)).one()
        assert done.status == "sent"
        assert done.attempts == 2


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="several workers need PostgreSQL"
)
def test_two_workers_never_deliver_the_same_row_twice_at_once(
    engine: Engine, settings: Settings, org: Org, database_url: str
) -> None:
    with running(Receiver(hold_seconds=0.05)) as receiver:
        secret, subscription_id = subscribed(engine, settings, org, receiver.url)
        receiver.secrets = [secret]
        webhook_ids = pings(engine, org, subscription_id, 40)
        workers = [start_worker(database_url, lease=60) for _ in range(2)]
        try:
            received = receiver.wait_for(40, timeout=120)
        finally:
            for worker in workers:
                stop(worker)
        assert receiver.overlaps == []
        assert receiver.most_at_once == 2  # both workers were delivering, side by side
        assert sorted(r.headers["webhook-id"] for r in received) == sorted(webhook_ids)
        assert all(r.verified_by == [secret] for r in received)
    with Session(engine) as session:
        statuses = session.exec(
            select(OutboxMessage.status).where(
                col(OutboxMessage.subscription_id) == subscription_id
            )
        ).all()
        assert set(statuses) == {"sent"}
        assert session.get(WebhookSubscription, subscription_id) is not None
