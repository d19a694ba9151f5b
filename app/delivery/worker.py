"""The outbox worker: claims due messages, sends them with no transaction open, records the result.

A claim marks a row `sending` with a lease in one short write transaction (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so two workers never take the same row); a worker killed mid-send leaves
the lease to run out and the row is claimed again: delivery is at least once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.db import transaction, utcnow
from app.delivery.crypto import SecretUnreadable, unseal
from app.delivery.mail import Mailer, MailError
from app.delivery.models import OutboxMessage
from app.delivery.service import SECRET
from app.settings import Settings
from app.webhooks import outbound, sender
from app.webhooks.safety import Resolver, system_resolver

logger = logging.getLogger("app.delivery.worker")

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Claimed:
    """What a send needs, read inside the claim so that no transaction stays open while sending."""

    id: uuid.UUID
    attempts: int
    recipient: str
    subject: str
    body: str
    webhook: sender.WebhookCall | None = None  # set for a webhook, None for an e-mail


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    sent_ids: list[uuid.UUID] = field(default_factory=list)


def backoff(
    settings: Settings, attempts: int, rand: Callable[[], float] = random.random
) -> timedelta:
    """Exponential with full jitter between half and all of the step, capped."""
    step = settings.outbox_backoff_seconds * (2 ** max(attempts - 1, 0))
    seconds = min(step, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * (0.5 + 0.5 * rand()))


def claim(engine: Engine, settings: Settings, *, now: datetime, limit: int) -> list[Claimed]:
    """Take up to `limit` due messages for this worker (pending and due, or with a lapsed lease)."""
    claimed: list[Claimed] = []
    with transaction(engine, write=True) as session:
        due = sa.or_(
            sa.and_(
                col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= now
            ),
            sa.and_(col(OutboxMessage.status) == "sending", col(OutboxMessage.lease_until) <= now),
        )
        statement = (
            select(OutboxMessage)
            .where(due)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        for message in session.exec(statement).all():
            if message.kind == "webhook":
                call = outbound.call_for(session, settings, message, now)
                if isinstance(call, str):
                    _bury(message, call, now)
                    session.add(message)
                    continue
                claimed.append(_take(settings, message, now, webhook=call))
                continue
            secret: str | None = None
            try:
                if message.secret_ciphertext is not None:
                    secret = unseal(settings, message.secret_ciphertext)
            except SecretUnreadable as exc:
                _bury(message, str(exc), now)
                session.add(message)
                continue
            claimed.append(_take(settings, message, now, secret=secret))
    return claimed


def _take(
    settings: Settings,
    message: OutboxMessage,
    now: datetime,
    *,
    secret: str | None = None,
    webhook: sender.WebhookCall | None = None,
) -> Claimed:
    """Mark a row as being sent by this worker, under a lease, and say what to send."""
    message.status = "sending"
    message.attempts += 1
    message.lease_until = now + timedelta(seconds=settings.outbox_lease_seconds)
    body = message.body
    if secret is not None:
        # The last placeholder: text a person typed earlier in the body stays as typed.
        head, _, tail = body.rpartition(SECRET)
        body = head + secret + tail
    return Claimed(message.id, message.attempts, message.recipient, message.subject, body, webhook)


def _bury(message: OutboxMessage, error: str, now: datetime) -> None:
    message.status = "dead"
    message.secret_ciphertext = None
    message.lease_until = None
    message.last_error = error[:500]
    logger.warning("outbox message %s dead-lettered: %s", message.id, error)


def _finish(
    engine: Engine,
    settings: Settings,
    item: Claimed,
    error: str | None,
    now: datetime,
    outcome: sender.Outcome | None = None,
) -> str:
    with transaction(engine, write=True) as session:
        message = session.get(OutboxMessage, item.id)
        if message is not None and outcome is not None:
            outbound.record_attempt(session, message, item.attempts, outcome)
        if message is None or message.status != "sending" or message.attempts != item.attempts:
            return "lost"  # its lease ran out and another worker has it now
        message.lease_until = None
        if error is None:
            message.status = "sent"
            message.sent_at = now
            message.secret_ciphertext = None
            message.last_error = None
        elif message.attempts >= settings.outbox_max_attempts:
            _bury(message, error, now)
        else:
            message.status = "pending"
            message.last_error = error[:500]
            message.next_attempt_at = now + backoff(settings, message.attempts)
        session.add(message)
        return message.status


def deliver_due(
    engine: Engine,
    settings: Settings,
    *,
    mailer: Mailer | None = None,
    now: Callable[[], datetime] = utcnow,
    limit: int = 20,
    resolver: Resolver = system_resolver,
) -> DeliveryReport:
    """One pass: claim due messages, send each outside any transaction, record each result."""
    mailer = mailer or Mailer.from_settings(settings)
    report = DeliveryReport()
    claimed_at = now()
    claimed = claim(engine, settings, now=claimed_at, limit=limit)
    budget = _sending_budget(settings)
    for index, item in enumerate(claimed):
        if now() - claimed_at > budget:
            _release(engine, claimed[index:])
            break
        error: str | None = None
        call: sender.Outcome | None = None
        if item.webhook is not None:
            call = sender.post(item.webhook, settings, resolver)
            error = call.error
        else:
            try:
                mailer.send(to=item.recipient, subject=item.subject, body=item.body)
            except MailError as exc:
                error = str(exc) or type(exc).__name__
        outcome = _finish(engine, settings, item, error, now(), call)
        if outcome == "sent":
            report.sent += 1
            report.sent_ids.append(item.id)
        elif outcome == "dead":
            report.dead += 1
        elif outcome == "pending":
            report.retried += 1
    return report


def _sending_budget(settings: Settings) -> timedelta:
    """How long after its claim a pass may still start a send: one that starts later could
    outlast the lease, and another worker could then take the same message at the same time."""
    lease = settings.outbox_lease_seconds
    longest_send = settings.webhook_timeout_seconds + 10  # the call, and a name to resolve
    return timedelta(seconds=max(lease - longest_send, lease / 2))


def _release(engine: Engine, items: list[Claimed]) -> None:
    """Give back claimed messages this pass has no time left for; the next pass takes them."""
    with transaction(engine, write=True) as session:
        for item in items:
            message = session.get(OutboxMessage, item.id)
            if message is None or message.status != "sending" or message.attempts != item.attempts:
                continue
            message.status = "pending"
            message.attempts -= 1
            message.lease_until = None
            session.add(message)


def waiting(engine: Engine) -> tuple[int, datetime | None]:
    """How many messages wait (pending or being sent), and when the oldest was queued."""
    with transaction(engine, write=False) as session:
        count, oldest = session.exec(
            select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
                col(OutboxMessage.status).in_(("pending", "sending"))
            )
        ).one()
        return int(count), oldest


Job = Callable[[Engine, Settings], object]


class OutboxWorker:
    """A worker thread: a pass every poll interval, or at once when a request queued a message.

    `jobs` run every APP_WEBHOOK_OVERDUE_SCAN_SECONDS beside the passes (the overdue scan that
    emits `*.overdue` events); they are given by the caller, since delivery imports no domain.
    """

    def __init__(self, engine: Engine, settings: Settings, jobs: Sequence[Job] = ()) -> None:
        self._engine = engine
        self._settings = settings
        self._jobs = tuple(jobs)
        self._jobs_due = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="outbox-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run_jobs(self) -> None:
        if not self._jobs or time.monotonic() < self._jobs_due:
            return
        self._jobs_due = time.monotonic() + self._settings.webhook_overdue_scan_seconds
        for job in self._jobs:
            try:
                job(self._engine, self._settings)
            except Exception:  # a failed job is logged and tried again at its next turn
                logger.exception("periodic job %s failed", getattr(job, "__name__", job))

    def run(self) -> None:
        while not self._stop.is_set():
            self._run_jobs()
            try:
                report = deliver_due(self._engine, self._settings)
                busy = report.sent + report.retried + report.dead > 0
            except Exception:  # a database outage must not end the worker; it tries again
                logger.exception("outbox pass failed")
                busy = False
            if not busy:
                self._wake.wait(self._settings.outbox_poll_seconds)
                self._wake.clear()
