"""The outbox: nothing for a rolled-back change, sent after commit with no connection held,
retried with backoff, dead-lettered, recovered after a worker dies, never claimed twice."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from app.db import transaction, utcnow
from app.delivery import service as outbox
from app.delivery.mail import Mailer, MailError
from app.delivery.models import OutboxMessage
from app.delivery.worker import backoff, claim, deliver_due
from app.settings import Settings
from tests.factories import queue_email


class RecordingMailer(Mailer):
    """Keeps what it is asked to send; fails the first `failures` sends; checks no connection."""

    def __init__(self, engine: Engine, failures: int = 0) -> None:
        super().__init__(None, 25, None, None, "t@example", False, 1.0)
        object.__setattr__(self, "sent", [])
        object.__setattr__(self, "held", [])
        object.__setattr__(self, "failures", [failures])
        object.__setattr__(self, "engine", engine)

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.held.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        if self.failures[0] > 0:  # type: ignore[attr-defined]
            self.failures[0] -= 1  # type: ignore[attr-defined]
            raise MailError("421 try again later")
        self.sent.append((to, subject, body))  # type: ignore[attr-defined]


@pytest.fixture
def clean(engine: Engine) -> Iterator[None]:
    with transaction(engine, write=True) as session:
        session.exec(delete(OutboxMessage))
    yield
    with transaction(engine, write=True) as session:
        session.exec(delete(OutboxMessage))


def queue(
    engine: Engine, settings: Settings, secret: str | None = "https://x/#token=inv_s3cret"
) -> uuid.UUID:
    body = f"Typed {outbox.SECRET} stays.\nOpen {outbox.SECRET}\n" if secret else "Hi"
    return queue_email(engine, settings, body=body, secret=secret)


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def load(engine: Engine, message_id: uuid.UUID) -> OutboxMessage:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


@pytest.mark.usefixtures("clean")
def test_a_rolled_back_change_sends_nothing(engine: Engine, settings: Settings) -> None:
    class Boom(Exception):
        pass

    def change_then_fail() -> None:
        with transaction(engine, write=True) as session:
            outbox.enqueue_email(
                session,
                settings=settings,
                organization_id=None,
                purpose="t",
                to="a@b.example",
                subject="s",
                body="b",
            )
        raise Boom

    mailer = RecordingMailer(engine)
    assert deliver_due(engine, settings, mailer=mailer).sent == 0
    assert mailer.sent == []  # type: ignore[attr-defined]


@pytest.mark.usefixtures("clean")
def test_sent_after_commit_with_no_connection_held_and_secret_deleted(
    engine: Engine, settings: Settings
) -> None:
    message_id = queue(engine, settings)
    stored = load(engine, message_id)
    assert "inv_s3cret" not in (stored.secret_ciphertext or "")
    assert "inv_s3cret" not in stored.body
    mailer = RecordingMailer(engine)
    report = deliver_due(engine, settings, mailer=mailer)
    assert report.sent_ids == [message_id]
    ((to, _, body),) = mailer.sent  # type: ignore[attr-defined]
    assert to == "dana@example.com"
    # Only the last placeholder is the link: text typed earlier in the body stays as typed.
    assert body == "Typed {secret} stays.\nOpen https://x/#token=inv_s3cret\n"
    assert mailer.held == [0]  # type: ignore[attr-defined]
    done = load(engine, message_id)
    assert done.status == "sent"
    assert done.secret_ciphertext is None
    assert deliver_due(engine, settings, mailer=mailer, now=lambda: later(60)).sent == 0


@pytest.mark.usefixtures("clean")
def test_retried_with_backoff_then_sent_on_the_third_attempt(
    engine: Engine, settings: Settings
) -> None:
    message_id = queue(engine, settings)
    mailer = RecordingMailer(engine, failures=2)
    assert deliver_due(engine, settings, mailer=mailer).retried == 1
    first = load(engine, message_id)
    assert first.status == "pending"
    assert first.last_error == "421 try again later"
    assert first.next_attempt_at > utcnow() - timedelta(seconds=1)
    assert deliver_due(engine, settings, mailer=mailer, now=lambda: later(1)).retried == 1
    assert deliver_due(engine, settings, mailer=mailer, now=lambda: later(2)).sent == 1
    assert load(engine, message_id).attempts == 3
    assert len(mailer.sent) == 1  # type: ignore[attr-defined]


@pytest.mark.usefixtures("clean")
def test_dead_lettered_after_the_last_attempt(engine: Engine, settings: Settings) -> None:
    limited = settings.model_copy(update={"outbox_max_attempts": 2})
    message_id = queue(engine, limited)
    mailer = RecordingMailer(engine, failures=5)
    deliver_due(engine, limited, mailer=mailer)
    assert deliver_due(engine, limited, mailer=mailer, now=lambda: later(5)).dead == 1
    dead = load(engine, message_id)
    assert dead.status == "dead"
    assert dead.secret_ciphertext is None
    assert deliver_due(engine, limited, mailer=mailer, now=lambda: later(600)).dead == 0


def test_backoff_doubles_with_jitter(settings: Settings) -> None:
    step = settings.model_copy(update={"outbox_backoff_seconds": 10.0})
    assert backoff(step, 1, lambda: 1.0) == timedelta(seconds=10)
    assert backoff(step, 3, lambda: 1.0) == timedelta(seconds=40)
    assert backoff(step, 3, lambda: 0.0) == timedelta(seconds=20)
    assert backoff(step, 40, lambda: 1.0) == timedelta(hours=6)


@pytest.mark.usefixtures("clean")
def test_a_worker_that_died_mid_send_is_replaced_after_its_lease(
    engine: Engine, settings: Settings
) -> None:
    message_id = queue(engine, settings)
    (taken,) = claim(engine, settings, now=utcnow(), limit=10)  # then the worker dies
    assert taken.id == message_id
    mailer = RecordingMailer(engine)
    assert deliver_due(engine, settings, mailer=mailer).sent == 0  # the lease still holds
    lapsed = lambda: later(settings.outbox_lease_seconds / 60 + 1)  # noqa: E731
    assert deliver_due(engine, settings, mailer=mailer, now=lapsed).sent_ids == [message_id]
    assert load(engine, message_id).attempts == 2


@pytest.mark.usefixtures("clean")
def test_concurrent_claims_never_take_the_same_row(engine: Engine, settings: Settings) -> None:
    ids = {queue(engine, settings, secret=None) for _ in range(40)}
    taken: list[list[uuid.UUID]] = [[], [], [], []]
    start = threading.Barrier(4)

    def work(slot: int) -> None:
        start.wait()
        while batch := claim(engine, settings, now=utcnow(), limit=3):
            taken[slot].extend(item.id for item in batch)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for slot in taken for i in slot]
    assert len(everything) == len(set(everything))  # no row claimed twice
    assert set(everything) == ids
    with Session(engine) as session:
        statuses = session.exec(
            OutboxMessage.__table__.select().with_only_columns(col(OutboxMessage.status))  # type: ignore[attr-defined]
        ).all()
    assert {s[0] for s in statuses} == {"sending"}
