"""Incidents on AI systems: record, triage, compute statutory deadlines, list the overdue.
Services flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.concurrency import check_if_match
from app.db import utcnow
from app.errors import AppError, InvalidRequestError, NotFoundError, ProblemType
from app.incidents import deadlines
from app.incidents.models import Incident, IncidentStatus
from app.incidents.schemas import (
    ClockPublic,
    Deadlines,
    IncidentCreate,
    IncidentPublic,
    IncidentUpdate,
    Triage,
)
from app.pagination import decode_cursor, encode_cursor, finish_page, keyset_page
from app.systems import service as systems_service
from app.webhooks import service as webhooks


@dataclass(frozen=True)
class IncidentFilters:
    status: IncidentStatus | None = None
    system_id: uuid.UUID | None = None
    overdue: bool | None = None


def facts(incident: Incident) -> deadlines.TriageFacts:
    triage = Triage.model_validate(incident.triage)
    return deadlines.TriageFacts(
        aware_at=incident.aware_at,
        serious=triage.serious,
        harms=frozenset(triage.harms),
        widespread_infringement=triage.widespread_infringement,
        high_risk_obligations_apply=triage.high_risk_obligations_apply,
        role=triage.role,
        provider_reachable=triage.provider_reachable,
        sectoral_regime=triage.sectoral_regime,
        gpai_systemic_risk=triage.gpai_systemic_risk,
        personal_data_breach=triage.personal_data_breach,
        nis2_in_scope=triage.nis2_in_scope,
        nis2_significant=triage.nis2_significant,
    )


def _met(incident: Incident) -> set[str]:
    return {r["clock_id"] for r in incident.reports if r.get("clock_id")}


def _next_due(incident: Incident) -> datetime | None:
    if incident.status == IncidentStatus.CLOSED:
        return None
    met = _met(incident)
    due = [
        c.due_at
        for c in deadlines.compute(facts(incident)).clocks
        if c.due_at is not None and c.id not in met
    ]
    return min(due, default=None)


def public(incident: Incident, now: datetime | None = None) -> IncidentPublic:
    """The incident as the API shows it, with its deadlines computed afresh."""
    now = now or utcnow()
    outcome = deadlines.compute(facts(incident))
    met = _met(incident)
    closed = incident.status == IncidentStatus.CLOSED
    clocks = [
        ClockPublic(
            id=c.id,
            regime=c.regime,
            reporter=c.reporter,
            recipient=c.recipient,
            status=c.status,
            due_at=c.due_at,
            period=c.period,
            met_by_report=c.id in met,
            overdue=c.due_at is not None and c.due_at < now and c.id not in met and not closed,
            explanation=c.explanation,
            refs=list(c.refs),
        )
        for c in outcome.clocks
    ]
    data: dict[str, Any] = {
        name: getattr(incident, name)
        for name in IncidentPublic.model_fields
        if name not in ("deadlines",)
    }
    data["deadlines"] = Deadlines(
        clocks=clocks, notes=list(outcome.notes), undetermined=list(outcome.undetermined)
    )
    return IncidentPublic.model_validate(data)


def _audit(
    session: Session, incident: Incident, actor: Actor, action: str, before: dict[str, Any] | None
) -> None:
    audit.record(
        session,
        organization_id=incident.organization_id,
        actor=actor,
        action=f"incident.{action}",
        entity_type="incident",
        entity_id=incident.id,
        before=before,
        after=public(incident).model_dump(mode="json", exclude={"deadlines"}),
    )


def _announce_reported(session: Session, incident: Incident, status_before: str | None) -> None:
    """The `incident.reported` webhook event, when the status has just become reported."""
    if incident.status == IncidentStatus.REPORTED and status_before != IncidentStatus.REPORTED:
        org = incident.organization_id
        data = {"incident_id": incident.id, "organization_id": org, "system_id": incident.system_id}
        webhooks.emit(session, org, "incident.reported", {**data, "title": incident.title})


def _check_dates(incident: Incident) -> None:
    """Awareness not before occurrence and nothing in the future: else 422 with pointers."""
    now = utcnow()
    errors: list[dict[str, str]] = []
    if incident.occurred_at > now:
        errors.append({"pointer": "/occurred_at", "detail": "is in the future"})
    if incident.aware_at is not None:
        if incident.aware_at > now:
            errors.append({"pointer": "/aware_at", "detail": "is in the future"})
        if incident.aware_at < incident.occurred_at:
            errors.append({"pointer": "/aware_at", "detail": "is before occurred_at"})
    for index, report in enumerate(incident.reports):
        if datetime.fromisoformat(report["sent_at"]) > now:
            errors.append({"pointer": f"/reports/{index}/sent_at", "detail": "is in the future"})
    if errors:
        raise InvalidRequestError(
            ProblemType.INCIDENT_DATES,
            "The incident's dates are impossible; nothing was stored.",
            errors=errors,
        )


def create_incident(session: Session, *, caller: Caller, data: IncidentCreate) -> Incident:
    # 404 for another organisation's system; a retired system may have incidents.
    systems_service.get_system(
        session, organization_id=caller.organization_id, system_id=data.system_id
    )
    values = data.model_dump(mode="json")
    incident = Incident(
        organization_id=caller.organization_id,
        created_by_key_id=caller.actor.key_id,
        created_by_user_id=caller.actor.user_id,
        reports=[],
        **{
            **values,
            "system_id": data.system_id,
            "occurred_at": data.occurred_at,
            "aware_at": data.aware_at,
        },
    )
    _check_dates(incident)
    incident.next_due_at = _next_due(incident)
    session.add(incident)
    session.flush()
    _audit(session, incident, caller.actor, "created", None)
    _announce_reported(session, incident, None)
    return incident


def get_incident(
    session: Session,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    for_update: bool = False,
) -> Incident:
    """The incident, or 404 — also when it belongs to another organisation."""
    incident = session.get(
        Incident, incident_id, with_for_update=for_update or None, populate_existing=for_update
    )
    if incident is None or incident.organization_id != caller.organization_id:
        raise NotFoundError("incident", incident_id)
    return incident


def update_incident(
    session: Session,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    data: IncidentUpdate,
    if_match: str | None,
) -> Incident:
    incident = get_incident(session, caller=caller, incident_id=incident_id, for_update=True)
    check_if_match(if_match, incident.revision)
    before = public(incident).model_dump(mode="json", exclude={"deadlines"})
    changes = data.model_dump(mode="json", exclude_unset=True)
    for moment in ("occurred_at", "aware_at"):
        if moment in changes:
            changes[moment] = getattr(data, moment)
    changed = False
    for field, value in changes.items():
        if getattr(incident, field) != value:
            setattr(incident, field, value)  # JSON values are reassigned, never mutated in place
            changed = True
    if not changed:
        return incident
    try:
        _check_dates(incident)
    except AppError:
        session.expire(incident)  # the refused values never reach the database
        raise
    incident.next_due_at = _next_due(incident)
    incident.revision += 1
    incident.updated_at = utcnow()
    session.add(incident)
    session.flush()
    _audit(session, incident, caller.actor, "updated", before)
    _announce_reported(session, incident, before["status"])
    return incident


def list_incidents(
    session: Session,
    *,
    caller: Caller,
    filters: IncidentFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], str | None]:
    statement = select(Incident).where(Incident.organization_id == caller.organization_id)
    if filters.status is not None:
        statement = statement.where(Incident.status == filters.status.value)
    if filters.system_id is not None:
        statement = statement.where(Incident.system_id == filters.system_id)
    if filters.overdue is not None:
        overdue = sa.and_(
            col(Incident.next_due_at).is_not(None), col(Incident.next_due_at) < utcnow()
        )
        statement = statement.where(overdue if filters.overdue else sa.not_(overdue))
    statement = keyset_page(
        statement, created_col=Incident.created_at, id_col=Incident.id, cursor=cursor, limit=limit
    )
    return finish_page(list(session.exec(statement).all()), limit)


def list_overdue(
    session: Session,
    *,
    caller: Caller,
    system_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], str | None]:
    """Incidents with a deadline passed and unmet, the longest overdue first."""
    due = col(Incident.next_due_at)
    statement = select(Incident).where(
        Incident.organization_id == caller.organization_id, due.is_not(None), due < utcnow()
    )
    if system_id is not None:
        statement = statement.where(Incident.system_id == system_id)
    if cursor is not None:
        after_due, after_id = decode_cursor(cursor)
        statement = statement.where(
            sa.or_(due > after_due, sa.and_(due == after_due, col(Incident.id) > after_id))
        )
    rows = list(session.exec(statement.order_by(due, col(Incident.id)).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    last = kept[-1]
    assert last.next_due_at is not None
    return kept, encode_cursor(last.next_due_at, last.id)


def counts_for_system(
    session: Session, *, organization_id: uuid.UUID, system_id: uuid.UUID
) -> dict[str, int]:
    """The incident counts a system's standing shows: open, reported, closed and overdue."""
    rows = session.exec(
        select(Incident.status, func.count())
        .where(Incident.organization_id == organization_id, Incident.system_id == system_id)
        .group_by(Incident.status)
    ).all()
    counts = {s.value: 0 for s in IncidentStatus}
    counts.update({status: int(n) for status, n in rows})
    overdue = session.exec(
        select(func.count()).where(
            Incident.organization_id == organization_id,
            Incident.system_id == system_id,
            col(Incident.next_due_at).is_not(None),
            col(Incident.next_due_at) < utcnow(),
        )
    ).one()
    counts["overdue"] = int(overdue)
    return counts


def list_overdue_of_system(
    session: Session,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], str | None]:
    """One system's overdue incidents; 404 when the system is not the organisation's."""
    systems_service.get_system(session, organization_id=caller.organization_id, system_id=system_id)
    return list_overdue(session, caller=caller, system_id=system_id, cursor=cursor, limit=limit)
