"""Autosave with group commit: concurrent saves share one transaction and one commit.

The web app saves a draft every few seconds per open form, so autosave is the busiest write. A
commit per request pays for a connection check-out, BEGIN, authentication, the audit chain's lock
and the commit every time. Here each process queues the saves that arrive while a transaction is
running and applies the whole queue in the next one:

- every save is checked on its own (key, scope, organisation, If-Match, draft, each answer) and a
  save that fails its checks gets its own 4xx and changes nothing;
- the saves that pass are written, audited (one event each, chained in order) and committed
  together; a response is sent only after that commit, so a 2xx is never a lost save;
- if the shared transaction fails, each of its saves is retried in a transaction of its own, so
  one bad save cannot fail the others.

With one client at a time a "batch" is one save; under load it grows with the queue (at most
`MAX_BATCH`), without any deliberate wait. Two saves of the same assessment in one batch apply in
order, the second seeing the first's revision, exactly as if they had committed one after the
other.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.assessments import service
from app.assessments.models import Assessment
from app.audit import service as audit
from app.auth import Credential, Principal, Scope, authenticate, check_scope
from app.db import transaction
from app.errors import AppError
from app.questionnaires.catalog import Catalog
from app.settings import Settings

logger = logging.getLogger("app.autosave")

MAX_BATCH = 64

Render = Callable[[Session, Assessment], Any]


@dataclass(frozen=True)
class Save:
    """One autosave request, as the route received it."""

    token: Credential
    assessment_id: uuid.UUID
    changes: dict[str, Any]
    if_match: str | None
    # Builds the full representation inside the transaction; None for `Prefer: return=minimal`.
    render: Render | None = None


@dataclass(frozen=True)
class Saved:
    revision: int
    body: Any = None


Outcome = Saved | Exception


@dataclass
class _Queue:
    waiting: list[tuple[Save, asyncio.Future[Saved]]] = field(default_factory=list)
    drainer: asyncio.Task[None] | None = None


class Autosave:
    """The autosave queue of one process (one per event loop)."""

    def __init__(self, engine: Engine, catalog: Catalog, settings: Settings) -> None:
        self.engine = engine
        self.catalog = catalog
        self.settings = settings
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def save(self, request: Save) -> Saved:
        """Queue one save; return its new revision once it is committed, or raise its error."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, _Queue())
        future: asyncio.Future[Saved] = loop.create_future()
        queue.waiting.append((request, future))
        if queue.drainer is None or queue.drainer.done():
            # A context of its own: the batch serves many requests, not the one that started it.
            queue.drainer = loop.create_task(self._drain(queue), context=contextvars.Context())
        return await future

    async def _drain(self, queue: _Queue) -> None:
        while queue.waiting:
            batch = queue.waiting[:MAX_BATCH]
            del queue.waiting[:MAX_BATCH]
            outcomes: list[Outcome]
            try:
                outcomes = await anyio.to_thread.run_sync(self.commit, [r for r, _ in batch])
            except Exception as exc:  # commit answers every save; this is a last resort
                logger.exception("an autosave batch failed")
                outcomes = [exc] * len(batch)
            except BaseException:  # cancelled: the process is stopping
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the client went away; the save stands
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def commit(self, requests: list[Save]) -> list[Outcome]:
        """Apply saves in one transaction; when it fails, each save again in its own."""
        try:
            return self._apply(requests)
        except Exception as exc:
            if len(requests) == 1:
                return [exc]
            logger.warning(
                "a group of %d autosaves failed; retrying each alone", len(requests), exc_info=True
            )
        outcomes: list[Outcome] = []
        for request in requests:
            try:
                outcomes.extend(self._apply([request]))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    def _apply(self, requests: list[Save]) -> list[Outcome]:
        with transaction(self.engine, write=True) as session:
            callers = self._authenticate(session, requests)
            wanted = sorted(
                {r.assessment_id for r in requests if isinstance(callers[r.token], Principal)}
            )
            # One statement loads and locks every assessment of the batch, in a fixed order so
            # that two batches never wait for each other crosswise.
            found = {
                a.id: a
                for a in session.exec(
                    select(Assessment)
                    .where(col(Assessment.id).in_(wanted))
                    .order_by(col(Assessment.id))
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            }
            outcomes: list[Outcome] = []
            entries: list[audit.Entry] = []
            for request in requests:
                caller = callers[request.token]
                if isinstance(caller, AppError):
                    outcomes.append(caller)
                    continue
                try:
                    assessment = service.check_subject(
                        found.get(request.assessment_id),
                        caller=caller,
                        assessment_id=request.assessment_id,
                        subject=service.Subject.SYSTEM,
                    )
                    entry = service.apply_answers(
                        self.catalog,
                        assessment,
                        caller=caller,
                        changes=request.changes,
                        if_match=request.if_match,
                    )
                except AppError as exc:
                    outcomes.append(exc)
                    continue
                if entry is not None:
                    entries.append(entry)
                body = request.render(session, assessment) if request.render else None
                outcomes.append(Saved(assessment.revision, body))
            audit.record_many(session, entries)  # appended as the transaction commits
        return outcomes

    def _authenticate(
        self, session: Session, requests: list[Save]
    ) -> dict[Credential, Principal | AppError]:
        callers: dict[Credential, Principal | AppError] = {}
        for token in dict.fromkeys(r.token for r in requests):
            try:
                principal = authenticate(session, self.settings, token)
                callers[token] = check_scope(principal, Scope.ASSESSMENTS_WRITE)
            except AppError as exc:
                callers[token] = exc
        return callers


async def get_autosave(request: Request) -> Autosave:
    """The autosave queue of the app (``app.state.autosave``)."""
    autosave = request.app.state.autosave
    if not isinstance(autosave, Autosave):
        raise RuntimeError("app.state.autosave is not an Autosave")
    return autosave


AutosaveDep = Annotated[Autosave, Depends(get_autosave)]
