"""Assessment plans: which questionnaires each AI system needs, as the questionnaire files
declare (`plan`), and where each stands; the organisation-wide work queue is built from them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus
from app.auth import Caller
from app.db import utcnow
from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.questionnaires.models import PlanTrigger
from app.suppliers.models import Supplier, SupplierProduct, SupplierProductSystem
from app.systems.models import AISystem, SystemStatus

OPEN_STATUSES = (AssessmentStatus.DRAFT.value, AssessmentStatus.SUBMITTED.value)


class PlanState(StrEnum):
    """Where one required questionnaire stands."""

    MISSING = "missing"
    IN_PROGRESS = "in_progress"
    CURRENT = "current"


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"


@dataclass(frozen=True)
class Declared:
    """A questionnaire key whose latest published version declares a plan."""

    version: QuestionnaireVersion
    triggers: tuple[PlanTrigger, ...]

    @property
    def key(self) -> str:
        return self.version.key

    @property
    def for_supplier(self) -> bool:
        return any(t.linked_supplier for t in self.triggers)


def declarations(catalog: Catalog) -> list[Declared]:
    """Plan declarations of the latest published version of every key, by key."""
    out = []
    for key in catalog.questionnaire_keys():
        latest = catalog.latest(key)
        if latest is not None and latest.model.plan is not None:
            out.append(Declared(latest, tuple(latest.model.plan.required_when)))
    return out


@dataclass
class Entry:
    """One questionnaire a system needs (for a supplier entry: about that supplier)."""

    system_id: uuid.UUID
    questionnaire_key: str
    title: str
    reasons: list[str]
    state: PlanState
    urgency: Urgency
    due_at: datetime | None
    current_assessment_id: uuid.UUID | None = None
    open_assessment_id: uuid.UUID | None = None
    tier: str | None = None
    supplier_id: uuid.UUID | None = None
    supplier_name: str | None = None


@dataclass
class Facts:
    """What the plans of a set of systems are computed from, loaded in a few queries."""

    current: dict[tuple[uuid.UUID, str], tuple[Assessment, AssessmentRound]] = field(
        default_factory=dict
    )
    open_: dict[tuple[uuid.UUID, str], uuid.UUID] = field(default_factory=dict)
    links: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = field(default_factory=dict)
    supplier_current: dict[tuple[uuid.UUID, str], Assessment] = field(default_factory=dict)
    supplier_open: dict[tuple[uuid.UUID, str], uuid.UUID] = field(default_factory=dict)


def _chunks(ids: Sequence[uuid.UUID], size: int = 500) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def load_facts(
    session: Session, organization_id: uuid.UUID, system_ids: Sequence[uuid.UUID], keys: set[str]
) -> Facts:
    facts = Facts()
    if not system_ids or not keys:
        return facts
    for chunk in _chunks(system_ids):
        rows = session.exec(
            select(Assessment, AssessmentRound)
            .join(
                AssessmentRound,
                sa.and_(
                    col(AssessmentRound.assessment_id) == col(Assessment.id),
                    col(AssessmentRound.round) == col(Assessment.round),
                ),
            )
            .where(
                Assessment.organization_id == organization_id,
                col(Assessment.system_id).in_(chunk),
                col(Assessment.questionnaire_key).in_(sorted(keys)),
                col(Assessment.is_current).is_(True),
            )
        ).all()
        for assessment, approved in rows:
            assert assessment.system_id is not None
            facts.current[(assessment.system_id, assessment.questionnaire_key)] = (
                assessment,
                approved,
            )
        open_rows = session.exec(
            select(Assessment.id, Assessment.system_id, Assessment.questionnaire_key)
            .where(
                Assessment.organization_id == organization_id,
                col(Assessment.system_id).in_(chunk),
                col(Assessment.questionnaire_key).in_(sorted(keys)),
                col(Assessment.status).in_(OPEN_STATUSES),
                col(Assessment.incident_id).is_(None),  # an incident's triage is not the plan's
            )
            .order_by(col(Assessment.created_at), col(Assessment.id))
        ).all()
        for assessment_id, system_id, key in open_rows:
            assert system_id is not None
            facts.open_.setdefault((system_id, key), assessment_id)
        links = session.exec(
            select(
                SupplierProductSystem.system_id, Supplier.id, Supplier.name, SupplierProduct.name
            )
            .join(SupplierProduct, col(SupplierProduct.id) == col(SupplierProductSystem.product_id))
            .join(Supplier, col(Supplier.id) == col(SupplierProduct.supplier_id))
            .where(
                SupplierProductSystem.organization_id == organization_id,
                col(SupplierProductSystem.system_id).in_(chunk),
            )
            .order_by(col(Supplier.name), col(SupplierProduct.name))
        ).all()
        for system_id, supplier_id, supplier_name, product_name in links:
            facts.links.setdefault(system_id, []).append((supplier_id, supplier_name, product_name))
    supplier_ids = sorted({s for links in facts.links.values() for s, _, _ in links})
    for chunk in _chunks(supplier_ids):
        for assessment in session.exec(
            select(Assessment).where(
                Assessment.organization_id == organization_id,
                col(Assessment.supplier_id).in_(chunk),
                col(Assessment.questionnaire_key).in_(sorted(keys)),
                sa.or_(
                    col(Assessment.is_current).is_(True),
                    col(Assessment.status).in_(OPEN_STATUSES),
                ),
            )
        ).all():
            assert assessment.supplier_id is not None
            where = (assessment.supplier_id, assessment.questionnaire_key)
            if assessment.is_current:
                facts.supplier_current[where] = assessment
            else:
                facts.supplier_open.setdefault(where, assessment.id)
    return facts


def _flags(approved: AssessmentRound) -> set[str]:
    return {str(f.get("id")) for f in approved.result.get("flags", [])}


def _triggered(
    declared: Declared, system: AISystem, facts: Facts
) -> tuple[list[str], datetime | None]:
    """Why the system needs this questionnaire (empty: it does not) and since when."""
    reasons: list[str] = []
    since: list[datetime] = []
    for trigger in declared.triggers:
        if trigger.every_system:
            reasons.append("every AI system")
            since.append(system.created_at)
        elif trigger.questionnaire is not None:
            found = facts.current.get((system.id, trigger.questionnaire))
            if found is None:
                continue
            source, approved = found
            if trigger.tier_in is not None and approved.tier in trigger.tier_in:
                reasons.append(f"{trigger.questionnaire} tier {approved.tier}")
            elif trigger.flag is not None and trigger.flag in _flags(approved):
                reasons.append(f"{trigger.questionnaire} flag {trigger.flag}")
            else:
                continue
            since.append(source.decided_at or system.created_at)
    return reasons, (min(since) if since else None)


def _timing(due_at: datetime | None, now: datetime, soon: timedelta) -> Urgency:
    if due_at is None:
        return Urgency.ON_TIME
    if due_at < now:
        return Urgency.OVERDUE
    if due_at <= now + soon:
        return Urgency.DUE_SOON
    return Urgency.ON_TIME


def _entry(
    *,
    system: AISystem,
    declared: Declared,
    reasons: list[str],
    since: datetime,
    current: Assessment | None,
    open_id: uuid.UUID | None,
    grace: timedelta,
    soon: timedelta,
    now: datetime,
    supplier: tuple[uuid.UUID, str] | None = None,
) -> Entry:
    if current is not None:
        state = PlanState.CURRENT
        due_at = current.due_at
    else:
        state = PlanState.IN_PROGRESS if open_id is not None else PlanState.MISSING
        due_at = since + grace
    return Entry(
        system_id=system.id,
        questionnaire_key=declared.key,
        title=declared.version.model.title.get("en", declared.key),
        reasons=reasons,
        state=state,
        urgency=_timing(due_at, now, soon),
        due_at=due_at,
        current_assessment_id=current.id if current is not None else None,
        open_assessment_id=open_id,
        tier=current.tier if current is not None else None,
        supplier_id=supplier[0] if supplier else None,
        supplier_name=supplier[1] if supplier else None,
    )


def plan_of(
    system: AISystem,
    declared: Sequence[Declared],
    facts: Facts,
    *,
    grace_days: int,
    due_soon_days: int,
    now: datetime | None = None,
) -> list[Entry]:
    """The system's plan, in the order of the declarations (by key), suppliers by name."""
    now = now or utcnow()
    grace, soon = timedelta(days=grace_days), timedelta(days=due_soon_days)
    out: list[Entry] = []
    for decl in declared:
        if decl.for_supplier:
            seen: set[uuid.UUID] = set()
            for supplier_id, supplier_name, product in facts.links.get(system.id, []):
                if supplier_id in seen:
                    continue
                seen.add(supplier_id)
                out.append(
                    _entry(
                        system=system,
                        declared=decl,
                        reasons=[f"built on {product} of {supplier_name}"],
                        since=system.created_at,
                        current=facts.supplier_current.get((supplier_id, decl.key)),
                        open_id=facts.supplier_open.get((supplier_id, decl.key)),
                        grace=grace,
                        soon=soon,
                        now=now,
                        supplier=(supplier_id, supplier_name),
                    )
                )
            continue
        reasons, since = _triggered(decl, system, facts)
        if not reasons or since is None:
            continue
        found = facts.current.get((system.id, decl.key))
        out.append(
            _entry(
                system=system,
                declared=decl,
                reasons=reasons,
                since=since,
                current=found[0] if found else None,
                open_id=facts.open_.get((system.id, decl.key)),
                grace=grace,
                soon=soon,
                now=now,
            )
        )
    return out


def trigger_keys(declared: Sequence[Declared]) -> set[str]:
    """Every key a plan needs facts of: the planned ones and those their triggers read."""
    keys = {d.key for d in declared}
    keys |= {t.questionnaire for d in declared for t in d.triggers if t.questionnaire}
    return keys


def system_plan(
    session: Session,
    catalog: Catalog,
    system: AISystem,
    *,
    grace_days: int,
    due_soon_days: int,
) -> tuple[list[Entry], Facts]:
    declared = declarations(catalog)
    facts = load_facts(session, system.organization_id, [system.id], trigger_keys(declared))
    entries = plan_of(system, declared, facts, grace_days=grace_days, due_soon_days=due_soon_days)
    return entries, facts


@dataclass(frozen=True)
class QueueFilters:
    urgency: Urgency | None = None
    state: PlanState | None = None
    questionnaire_key: str | None = None
    system_id: uuid.UUID | None = None
    owner: str | None = None


def queue_sort_key(system: AISystem, entry: Entry) -> list[Any]:
    """Due date first (the most urgent on top), then system, questionnaire and supplier."""
    due = entry.due_at.isoformat() if entry.due_at is not None else "9999"
    return [due, str(system.id), entry.questionnaire_key, str(entry.supplier_id or "")]


def work_queue(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    filters: QueueFilters,
    grace_days: int,
    due_soon_days: int,
) -> list[tuple[AISystem, Entry]]:
    """Every plan entry of the organisation's active systems that needs work (missing, in
    progress, due soon or overdue), never-assessed systems included, ordered by `queue_sort_key`.
    """
    statement = select(AISystem).where(
        AISystem.organization_id == caller.organization_id,
        AISystem.status == SystemStatus.ACTIVE.value,
    )
    if filters.system_id is not None:
        statement = statement.where(AISystem.id == filters.system_id)
    if filters.owner is not None:
        statement = statement.where(AISystem.owner == filters.owner)
    systems = list(session.exec(statement).all())
    declared = declarations(catalog)
    facts = load_facts(
        session, caller.organization_id, [s.id for s in systems], trigger_keys(declared)
    )
    now = utcnow()
    rows: list[tuple[AISystem, Entry]] = []
    for system in systems:
        for entry in plan_of(
            system, declared, facts, grace_days=grace_days, due_soon_days=due_soon_days, now=now
        ):
            if entry.state == PlanState.CURRENT and entry.urgency == Urgency.ON_TIME:
                continue
            if filters.urgency is not None and entry.urgency != filters.urgency:
                continue
            if filters.state is not None and entry.state != filters.state:
                continue
            if (
                filters.questionnaire_key is not None
                and entry.questionnaire_key != filters.questionnaire_key
            ):
                continue
            rows.append((system, entry))
    rows.sort(key=lambda row: queue_sort_key(*row))
    return rows
