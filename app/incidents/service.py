"""Incidents on AI systems: record, triage, compute statutory deadlines, list the overdue.
Services flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.assessments import service as assessments_service
from app.assessments.models import Assessment, AssessmentStatus
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.db import get_for_change, get_owned, matching, utcnow
from app.errors import (
    AppError,
    ConflictError,
    InvalidRequestError,
    ProblemType,
    field_problem,
)
from app.incidents import deadlines, triage
from app.incidents.models import Incident, IncidentStatus
from app.incidents.schemas import IncidentCreate, IncidentUpdate, Triage
from app.pagination import decode_cursor, encode_cursor, fetch_page
from app.questionnaires.catalog import Catalog
from app.systems import service as systems_service
from app.webhooks import service as webhooks


@dataclass(frozen=True)
class IncidentFilters:
    status: IncidentStatus | None = None
    system_id: uuid.UUID | None = None
    overdue: bool | None = None


def facts(incident: Incident) -> deadlines.TriageFacts:
    return triage.deadline_facts(Triage.model_validate(incident.triage), incident.aware_at)


def met_clocks(incident: Incident) -> set[str]:
    """The clocks a report sent says it meets."""
    return {r["clock_id"] for r in incident.reports if r.get("clock_id")}


def _next_due(incident: Incident) -> datetime | None:
    if incident.status == IncidentStatus.CLOSED:
        return None
    met = met_clocks(incident)
    due = [
        c.due_at
        for c in deadlines.compute(facts(incident)).clocks
        if c.due_at is not None and c.id not in met
    ]
    return min(due, default=None)


AUDITED = (
    "system_id",
    "title",
    "description",
    "occurred_at",
    "aware_at",
    "affected",
    "people_involved",
    "status",
    "triage",
    "corrective_actions",
    "reports",
    "evidence_links",
    "next_due_at",
    "revision",
)


def _snapshot(incident: Incident) -> dict[str, Any]:
    values = {name: getattr(incident, name) for name in AUDITED}
    for name in ("system_id", "occurred_at", "aware_at", "next_due_at"):
        values[name] = None if values[name] is None else str(values[name])
    return values


def _audit(
    session: Session, incident: Incident, actor: Actor, action: str, before: dict[str, Any] | None
) -> None:
    audit.record_change(
        session, "incident", incident, action, actor=actor, before=before, after=_snapshot(incident)
    )


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
    systems_service.get_system(session, caller=caller, system_id=data.system_id)
    values = data.model_dump(mode="json")
    incident = Incident(
        organization_id=caller.organization_id,
        **caller.actor.created_by(),
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
    if incident.status == IncidentStatus.REPORTED:
        _emit_reported(session, incident)
    return incident


def get_incident(
    session: Session,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    for_update: bool = False,
) -> Incident:
    """The incident, or 404 — also when it belongs to another organisation."""
    return _load(session, caller.organization_id, incident_id, for_update=for_update)


def _load(
    session: Session, organization_id: uuid.UUID, incident_id: uuid.UUID, *, for_update: bool
) -> Incident:
    return get_owned(
        session, Incident, incident_id, organization_id, "incident", for_update=for_update
    )


def update_incident(
    session: Session,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    data: IncidentUpdate,
    if_match: str | None,
) -> Incident:
    incident = get_for_change(
        session, Incident, incident_id, caller.organization_id, "incident", if_match
    )
    before = _snapshot(incident)
    changes = data.model_dump(mode="json", exclude_unset=True)
    for moment in ("occurred_at", "aware_at"):
        if moment in changes:
            changes[moment] = getattr(data, moment)
    changes = {k: v for k, v in changes.items() if getattr(incident, k) != v}
    if not changes:
        return incident
    if "triage" in changes:
        _check_triage_writable(session, incident)
    for field, value in changes.items():
        setattr(incident, field, value)  # JSON values are reassigned, never mutated in place
    try:
        _check_dates(incident)
    except AppError:
        session.expire(incident)  # the refused values never reach the database
        raise
    _changed(session, incident)
    if changes.get("status") == IncidentStatus.REPORTED:
        reported(session, incident, caller.actor, before)
    else:
        _audit(session, incident, caller.actor, "updated", before)
    return incident


def _changed(session: Session, incident: Incident) -> None:
    incident.next_due_at = _next_due(incident)
    incident.touch()
    session.add(incident)
    session.flush()


def reported(session: Session, incident: Incident, actor: Actor, before: dict[str, Any]) -> None:
    """The incident has just become `reported` (flushed, in the request's transaction): audited
    as `incident.reported`; the one place an `incident.reported` event leaves from."""
    _audit(session, incident, actor, "reported", before)
    _emit_reported(session, incident)


def _emit_reported(session: Session, incident: Incident) -> None:
    org = incident.organization_id
    data = {"incident_id": incident.id, "organization_id": org, "system_id": incident.system_id}
    webhooks.emit(session, org, "incident.reported", {**data, "title": incident.title})


def _triage(session: Session, incident: Incident, *statuses: AssessmentStatus) -> Assessment | None:
    """A triage assessment of the incident (one in one of `statuses`, when any are named)."""
    statement = select(Assessment).where(Assessment.incident_id == incident.id)
    if statuses:
        statement = statement.where(col(Assessment.status).in_(statuses))
    return session.exec(statement.limit(1)).first()


def _check_triage_writable(session: Session, incident: Incident) -> None:
    """Once a triage assessment is started, only its submissions write the triage facts."""
    started = _triage(session, incident)
    if started is not None:
        raise ConflictError(
            f"The triage facts come from the triage assessment {started.id}: change its "
            "answers and submit it (or start a new triage) instead.",
            type=ProblemType.TRIAGE_FROM_ASSESSMENT,
            errors=[field_problem("/triage", "written by the triage assessment")],
        )


def start_triage(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    questionnaire_version: str | None,
) -> Assessment:
    """A new triage assessment on the incident, starting from its current facts; 409 while
    another one is still a draft or waiting for review."""
    incident = get_incident(session, caller=caller, incident_id=incident_id, for_update=True)
    open_triage = _triage(session, incident, AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED)
    if open_triage is not None:
        raise ConflictError(
            f"The triage assessment {open_triage.id} is still {open_triage.status}: answer and "
            "submit it, or have it reviewed, before starting another.",
            type=ProblemType.TRIAGE_OPEN,
        )
    version = assessments_service.resolve_version(catalog, triage.TRIAGE_KEY, questionnaire_version)
    return assessments_service.create_incident_assessment(
        session,
        caller=caller,
        incident_id=incident.id,
        system_id=incident.system_id,
        version=version,
        answers=triage.answers_from_facts(Triage.model_validate(incident.triage)),
    )


def triage_submitted(session: Session, assessment: Assessment, actor: Actor) -> None:
    """An assessment was submitted: a triage's answers become its incident's triage facts (a
    review never changes them: deadlines do not wait for a reviewer); 422 when a fact the
    deadlines depend on is left unanswered, and then nothing is submitted."""
    if assessment.incident_id is None:
        return
    unanswered = triage.unanswered_facts(assessment.answers)
    if unanswered:
        raise InvalidRequestError(
            ProblemType.TRIAGE_INCOMPLETE,
            "The incident's reporting deadlines depend on these questions; answer them "
            "before submitting the triage. Nothing was submitted.",
            errors=[
                field_problem(f"/answers/{item}", "the deadlines depend on it: answer it")
                for item in unanswered
            ],
            title="Invalid answers",
        )
    incident = _load(session, assessment.organization_id, assessment.incident_id, for_update=True)
    found = triage.facts_from_answers(assessment.answers).model_dump(mode="json")
    if found == incident.triage:
        return
    before = _snapshot(incident)
    incident.triage = found
    _changed(session, incident)
    _audit(session, incident, actor, "triaged", before)


def list_incidents(
    session: Session,
    *,
    caller: Caller,
    filters: IncidentFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], str | None]:
    statement = select(Incident).where(
        Incident.organization_id == caller.organization_id,
        *matching(Incident, filters, "status", "system_id"),
    )
    if filters.overdue is not None:
        overdue = sa.and_(
            col(Incident.next_due_at).is_not(None), col(Incident.next_due_at) < utcnow()
        )
        statement = statement.where(overdue if filters.overdue else sa.not_(overdue))
    return fetch_page(session, statement, Incident, cursor=cursor, limit=limit)


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
    systems_service.get_system(session, caller=caller, system_id=system_id)
    return list_overdue(session, caller=caller, system_id=system_id, cursor=cursor, limit=limit)
