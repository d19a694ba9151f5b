"""Incidents as the API shows them: the record, its triage assessment and fresh deadlines."""

import uuid
from collections.abc import Sequence
from datetime import datetime

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
from app.views import view


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
    return view(
        TriageAssessmentLink,
        assessment,
        assessment_id=assessment.id,
        questionnaire=f"{assessment.questionnaire_key}@{assessment.questionnaire_version}",
    )


def _deadlines(incident: Incident, now: datetime) -> Deadlines:
    outcome = deadlines.compute(facts(incident))
    met = met_clocks(incident)
    closed = incident.status == IncidentStatus.CLOSED
    clocks = [
        view(
            ClockPublic,
            c,
            met_by_report=c.id in met,
            overdue=c.due_at is not None and c.due_at < now and c.id not in met and not closed,
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
    return view(
        IncidentPublic,
        incident,
        deadlines=_deadlines(incident, now or utcnow()),
        triage_assessment=link(triages[-1]) if triages else None,
        triage_facts_from=facts_source(triages),
    )


def one(session: Session, incident: Incident) -> IncidentPublic:
    return public(incident, triage_assessments(session, [incident.id]).get(incident.id, []))


def page(session: Session, incidents: Sequence[Incident]) -> list[IncidentPublic]:
    triages = triage_assessments(session, [i.id for i in incidents])
    now = utcnow()
    return [public(i, triages.get(i.id, []), now) for i in incidents]
