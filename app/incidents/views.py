"""Incidents as the API shows them: the record, its triage assessment and fresh deadlines."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.models import Assessment, AssessmentStatus
from app.db import utcnow
from app.incidents import deadlines
from app.incidents.models import Incident, IncidentStatus
from app.incidents.schemas import (
    ClockPublic,
    Deadlines,
    IncidentPublic,
    TriageAssessmentLink,
    TriageFactsSource,
)
from app.incidents.service import facts, met_clocks


def triage_assessments(
    session: Session, incident_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Assessment]]:
    """Each incident's triage assessments, oldest first (one query for a page of incidents)."""
    found: dict[uuid.UUID, list[Assessment]] = {}
    if not incident_ids:
        return found
    rows = session.exec(
        select(Assessment)
        .where(col(Assessment.incident_id).in_(list(incident_ids)))
        .order_by(col(Assessment.created_at), col(Assessment.id))
    ).all()
    for assessment in rows:
        assert assessment.incident_id is not None
        found.setdefault(assessment.incident_id, []).append(assessment)
    return found


def facts_source(triages: Sequence[Assessment]) -> TriageFactsSource | None:
    """The last submitted triage round: the one whose answers the incident's facts are."""
    submitted = [a for a in triages if a.submitted_at is not None]
    if not submitted:
        return None
    last = max(submitted, key=lambda a: a.submitted_at or a.created_at)
    # A request for changes reopens the assessment as a draft of the next round.
    fed = last.round - 1 if last.status == AssessmentStatus.DRAFT else last.round
    return TriageFactsSource(assessment_id=last.id, round=fed)


def link(assessment: Assessment) -> TriageAssessmentLink:
    return TriageAssessmentLink(
        assessment_id=assessment.id,
        questionnaire=f"{assessment.questionnaire_key}@{assessment.questionnaire_version}",
        status=AssessmentStatus(assessment.status),
        round=assessment.round,
        tier=assessment.tier,
        submitted_at=assessment.submitted_at,
        decided_at=assessment.decided_at,
    )


def _deadlines(incident: Incident, now: datetime) -> Deadlines:
    outcome = deadlines.compute(facts(incident))
    met = met_clocks(incident)
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
    return Deadlines(
        clocks=clocks, notes=list(outcome.notes), undetermined=list(outcome.undetermined)
    )


def public(
    incident: Incident, triages: Sequence[Assessment], now: datetime | None = None
) -> IncidentPublic:
    """The incident with its deadlines computed afresh and its triage assessments linked."""
    data: dict[str, Any] = {
        name: getattr(incident, name)
        for name in IncidentPublic.model_fields
        if name not in ("deadlines", "triage_assessment", "triage_facts_from")
    }
    data["deadlines"] = _deadlines(incident, now or utcnow())
    data["triage_assessment"] = link(triages[-1]) if triages else None
    data["triage_facts_from"] = facts_source(triages)
    return IncidentPublic.model_validate(data)


def one(session: Session, incident: Incident) -> IncidentPublic:
    return public(incident, triage_assessments(session, [incident.id]).get(incident.id, []))


def page(session: Session, incidents: Sequence[Incident]) -> list[IncidentPublic]:
    triages = triage_assessments(session, [i.id for i in incidents])
    now = utcnow()
    return [public(i, triages.get(i.id, []), now) for i in incidents]
