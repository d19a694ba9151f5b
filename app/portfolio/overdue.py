"""Overdue events: each AI system assessment and vendor request that falls overdue is announced
once per episode (`ai_system.overdue`, `vendor_request.overdue`).

Run by the outbox worker every APP_WEBHOOK_OVERDUE_SCAN_SECONDS. An episode is a due date passed:
the same one is never announced again, a new due date (a new approval, a new request) is a new
one. Each event is written with its episode mark in one short transaction, so overlapping scans
(several workers) announce it once: the loser of a race collides on the mark and rolls back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, AssessmentStatus
from app.db import transaction, utcnow
from app.settings import Settings
from app.suppliers.models import VendorRequest
from app.systems.models import AISystem, SystemStatus
from app.webhooks import service as webhooks
from app.webhooks.events import EventType
from app.webhooks.models import WebhookEpisode

logger = logging.getLogger("app.portfolio.overdue")


@dataclass(frozen=True)
class Episode:
    organization_id: uuid.UUID
    event_type: str
    subject_id: uuid.UUID
    episode: str
    data: dict[str, Any]


def _systems(session: Session, now: datetime) -> Iterable[Episode]:
    rows = session.exec(
        select(Assessment)
        .join(AISystem, col(AISystem.id) == col(Assessment.system_id))
        .where(
            col(Assessment.is_current).is_(True),
            col(Assessment.due_at) < now,
            AISystem.status == SystemStatus.ACTIVE.value,
        )
    ).all()
    for a in rows:
        if a.system_id is None or a.due_at is None:
            continue
        yield Episode(
            a.organization_id,
            EventType.AI_SYSTEM_OVERDUE,
            a.system_id,
            f"{a.id}@{a.due_at.isoformat()}",
            {
                "system_id": a.system_id,
                "organization_id": a.organization_id,
                "assessment_id": a.id,
                "questionnaire_key": a.questionnaire_key,
                "due_at": a.due_at,
            },
        )


def _requests(session: Session, now: datetime) -> Iterable[Episode]:
    rows = session.exec(
        select(VendorRequest)
        .join(Assessment, col(Assessment.id) == col(VendorRequest.assessment_id))
        .where(
            Assessment.status == AssessmentStatus.DRAFT.value,
            col(VendorRequest.due_date) < now.date(),
        )
    ).all()
    for r in rows:
        yield Episode(
            r.organization_id,
            EventType.VENDOR_REQUEST_OVERDUE,
            r.id,
            r.due_date.isoformat(),
            {
                "request_id": r.id,
                "organization_id": r.organization_id,
                "supplier_id": r.supplier_id,
                "assessment_id": r.assessment_id,
                "due_date": r.due_date,
            },
        )


def _unseen(session: Session, episodes: list[Episode]) -> list[Episode]:
    seen = {
        (e.event_type, e.subject_id, e.episode)
        for e in session.exec(
            select(WebhookEpisode).where(
                col(WebhookEpisode.subject_id).in_({e.subject_id for e in episodes})
            )
        ).all()
    }
    return [e for e in episodes if (e.event_type, e.subject_id, e.episode) not in seen]


def scan(engine: Engine, settings: Settings, *, now: datetime | None = None) -> int:
    """Announce every overdue episode not announced yet; returns how many were."""
    now = now or utcnow()
    with transaction(engine, write=False) as session:
        found = [*_systems(session, now), *_requests(session, now)]
        fresh = _unseen(session, found) if found else []
    announced = 0
    for episode in fresh:
        try:
            with transaction(engine, write=True) as session:
                announced += webhooks.emit_once(
                    session,
                    episode.organization_id,
                    episode.event_type,
                    subject_id=episode.subject_id,
                    episode=episode.episode,
                    data=episode.data,
                )
        except IntegrityError:
            logger.info("overdue episode %s announced by another worker", episode.episode)
    return announced
