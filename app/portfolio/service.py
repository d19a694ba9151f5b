"""The portfolio's business logic: plans and the work queue, the merged standing of an AI
system, control implementation records. Services flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.assessments import queries as assessment_queries
from app.assessments import service as assessments_service
from app.assessments.models import Assessment, AssessmentRound
from app.assessments.schemas import QuestionnairePin, StandingEntry
from app.assessments.views import result_lists
from app.audit import service as audit
from app.auth import Caller
from app.concurrency import check_if_match
from app.controls.catalog import ControlCatalog
from app.db import matching, utcnow
from app.errors import (
    AppError,
    ConflictError,
    InvalidFieldError,
    InvalidParameterError,
    InvalidRequestError,
    NotFoundError,
    ProblemType,
)
from app.incidents import service as incidents_service
from app.incidents.schemas import IncidentCounts
from app.people.models import Membership, User
from app.portfolio import plan as plans
from app.portfolio.models import (
    Applicability,
    ControlEvidence,
    ControlRecord,
    ImplementationStatus,
)
from app.portfolio.schemas import (
    ControlRecordCreate,
    ControlRecordWrite,
    LinkedSupplier,
    MergedControl,
    MergedObligation,
    PlanEntryPublic,
    PlanSummary,
    RequiredBy,
    SystemPlan,
    SystemStanding,
)
from app.questionnaires.catalog import Catalog
from app.systems import service as systems_service
from app.systems.models import AISystem


@dataclass(frozen=True)
class PlanSettings:
    grace_days: int
    due_soon_days: int


def entry_public(entry: plans.Entry) -> PlanEntryPublic:
    return PlanEntryPublic.model_validate(entry, from_attributes=True)


def _summary(entries: list[plans.Entry]) -> tuple[PlanSummary, datetime | None]:
    current = sum(1 for e in entries if e.state == plans.PlanState.CURRENT)
    due = [e.due_at for e in entries if e.due_at is not None]
    return (
        PlanSummary(
            complete=current == len(entries),
            overdue=any(e.urgency == plans.Urgency.OVERDUE for e in entries),
            required=len(entries),
            current=current,
        ),
        min(due) if due else None,
    )


def system_plan(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    settings: PlanSettings,
) -> SystemPlan:
    system = systems_service.get_system(session, caller=caller, system_id=system_id)
    entries, _ = plans.system_plan(
        session,
        catalog,
        system,
        grace_days=settings.grace_days,
        due_soon_days=settings.due_soon_days,
    )
    summary, next_due = _summary(entries)
    return SystemPlan(
        system_id=system.id,
        system_name=system.name,
        entries=[entry_public(e) for e in entries],
        summary=summary,
        next_due_at=next_due,
    )


def _required_by(assessment: Any, approved: Any, rules: list[Any]) -> RequiredBy:
    return RequiredBy(
        assessment_id=assessment.id,
        questionnaire=f"{assessment.questionnaire_key}@{assessment.questionnaire_version}",
        tier=approved.tier,
        rules=[str(r) for r in rules],
    )


def unknown_calendar(calendar: str, known: list[str]) -> AppError:
    return InvalidParameterError(
        "calendar",
        f"No calendar '{calendar}'; the control catalog has {', '.join(known)}.",
        type=ProblemType.UNKNOWN_CALENDAR,
        reason="unknown calendar",
    )


def _obligation(
    found: dict[str, Any],
    source: RequiredBy,
    controls: ControlCatalog,
    as_of: date,
    calendar: str | None,
) -> MergedObligation:
    """An obligation of a result, the first time the standing meets it: the dates it applies
    from (under `calendar` only, when given) and whether it applies on `as_of`."""
    oid = str(found.get("id"))
    dates = {
        k: date.fromisoformat(v) if isinstance(v, str) else None
        for k, v in (found.get("applies_from") or {}).items()
        if calendar is None or k == calendar
    }
    meta = controls.get(oid)
    return MergedObligation(
        id=oid,
        ref=found.get("ref"),
        title=found.get("title"),
        roles=list(meta.roles or []) if meta is not None else [],
        applies_from=dates,
        applies={k: d is not None and as_of >= d for k, d in dates.items()},
        raised_by=[source],
    )


def _control(
    found: dict[str, Any], source: RequiredBy, records: dict[str, ControlRecord]
) -> MergedControl:
    """A required control of a result, with how far the organisation has implemented it."""
    cid = str(found.get("id"))
    record = records.get(cid)
    return MergedControl(
        id=cid,
        ref=found.get("ref"),
        title=found.get("title"),
        required_by=[source],
        implementation_status=ImplementationStatus(record.status) if record else None,
        applicability=Applicability(record.applicability) if record else None,
    )


def _linked_suppliers(
    facts: plans.Facts, system_id: uuid.UUID, vendor_keys: list[str]
) -> list[LinkedSupplier]:
    """The suppliers whose products the system is built on, with their current tiers."""
    suppliers = []
    for supplier_id, supplier_name, product_name in facts.links.get(system_id, []):
        current = next(
            (
                facts.supplier_current[(supplier_id, key)]
                for key in vendor_keys
                if (supplier_id, key) in facts.supplier_current
            ),
            None,
        )
        suppliers.append(
            LinkedSupplier(
                supplier_id=supplier_id,
                supplier_name=supplier_name,
                product_name=product_name,
                tier=current.tier if current else None,
                assessment_id=current.id if current else None,
            )
        )
    return suppliers


def _merge_standing(
    standing: list[tuple[Assessment, AssessmentRound]],
    tier_keys: list[str],
    controls: ControlCatalog,
    records: dict[str, ControlRecord],
    as_of: date,
    calendar: str | None,
) -> tuple[tuple[str, str] | None, dict[str, MergedObligation], dict[str, MergedControl]]:
    """The overall tier (from the first tier-setting questionnaire) and every obligation and
    control of the current approved assessments, each once with all that raised it."""
    overall: tuple[str, str] | None = None
    obligations: dict[str, MergedObligation] = {}
    merged_controls: dict[str, MergedControl] = {}
    for assessment, approved in standing:
        if assessment.questionnaire_key in tier_keys and overall is None:
            pin = f"{assessment.questionnaire_key}@{assessment.questionnaire_version}"
            overall = (approved.tier, pin)
        for o in approved.result.get("obligations", []):
            source = _required_by(assessment, approved, o.get("required_by", []))
            found = obligations.get(str(o.get("id")))
            if found is not None:
                found.raised_by.append(source)
            else:
                obligations[str(o.get("id"))] = _obligation(o, source, controls, as_of, calendar)
        for c in approved.result.get("controls", []):
            source = _required_by(assessment, approved, c.get("required_by", []))
            merged = merged_controls.get(str(c.get("id")))
            if merged is not None:
                merged.required_by.append(source)
            else:
                merged_controls[str(c.get("id"))] = _control(c, source, records)
    return overall, obligations, merged_controls


def system_standing(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    as_of: date,
    calendar: str | None,
    settings: PlanSettings,
) -> SystemStanding:
    """One view of the system: overall tier, obligations and controls merged across every
    current approved assessment (each once, with every source), suppliers and the plan."""
    controls = catalog.controls
    if calendar is not None and calendar not in controls.calendars:
        raise unknown_calendar(calendar, sorted(controls.calendars))
    system = systems_service.get_system(session, caller=caller, system_id=system_id)
    standing = assessment_queries.standing(session, caller=caller, system_id=system_id)
    entries, facts = plans.system_plan(
        session,
        catalog,
        system,
        grace_days=settings.grace_days,
        due_soon_days=settings.due_soon_days,
    )
    declared = plans.declarations(catalog)
    tier_keys = [d.key for d in declared if any(t.every_system for t in d.triggers)]
    records = _records_by_control(session, caller.organization_id)
    overall, obligations, merged_controls = _merge_standing(
        standing, tier_keys, controls, records, as_of, calendar
    )
    suppliers = _linked_suppliers(facts, system.id, [d.key for d in declared if d.for_supplier])
    summary, next_due = _summary(entries)
    # Assessments outside the plan (a triage, say) still count towards due and overdue.
    dues = [d for d in [next_due, *(a.due_at for a, _ in standing)] if d is not None]
    overdue = summary.overdue or any(assessments_service.is_overdue(a) for a, _ in standing)
    return SystemStanding(
        system_id=system.id,
        system_name=system.name,
        owner=system.owner,
        overall_tier=overall[0] if overall else None,
        overall_tier_source=overall[1] if overall else None,
        as_of=as_of,
        calendar=calendar,
        obligations=sorted(obligations.values(), key=lambda o: o.id),
        controls=sorted(merged_controls.values(), key=lambda c: c.id),
        suppliers=suppliers,
        plan=[entry_public(e) for e in entries],
        plan_summary=summary,
        assessments=[
            StandingEntry(
                assessment_id=assessment.id,
                questionnaire=QuestionnairePin.of(assessment),
                tier=approved.tier,
                approved_at=approved.decided_at,
                due_at=assessment.due_at,
                overdue=assessments_service.is_overdue(assessment),
                **result_lists(approved.result),
            )
            for assessment, approved in standing
        ],
        next_due_at=min(dues) if dues else None,
        overdue=overdue,
        incidents=IncidentCounts(
            **incidents_service.counts_for_system(
                session, organization_id=caller.organization_id, system_id=system.id
            )
        ),
    )


# Control implementation records ------------------------------------------------------------


def _records_by_control(session: Session, organization_id: uuid.UUID) -> dict[str, ControlRecord]:
    return {
        r.control_id: r
        for r in session.exec(
            select(ControlRecord).where(ControlRecord.organization_id == organization_id)
        ).all()
    }


def unknown_control(control_id: str, *, in_body: bool) -> AppError:
    where = {"pointer": "/control_id"} if in_body else {"parameter": "control_id"}
    return InvalidRequestError(
        ProblemType.UNKNOWN_CONTROL,
        f"'{control_id}' is not a control of the control catalog.",
        errors=[{**where, "detail": "unknown control"}],
        title="Unknown control",
    )


def check_control(controls: ControlCatalog, control_id: str, *, in_body: bool = False) -> None:
    if control_id not in controls:
        raise unknown_control(control_id, in_body=in_body)


def find_record(
    session: Session, organization_id: uuid.UUID, control_id: str, *, for_update: bool = False
) -> ControlRecord | None:
    statement = select(ControlRecord).where(
        ControlRecord.organization_id == organization_id, ControlRecord.control_id == control_id
    )
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def get_record(
    session: Session, controls: ControlCatalog, *, caller: Caller, control_id: str
) -> ControlRecord:
    """The organisation's record of a catalog control; 404 when none has been written yet."""
    check_control(controls, control_id)
    record = find_record(session, caller.organization_id, control_id)
    if record is None:
        raise NotFoundError("control record", control_id)
    return record


def _check_owner(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    member = session.exec(
        select(Membership).where(
            Membership.organization_id == organization_id, Membership.user_id == user_id
        )
    ).first()
    if member is None:
        raise InvalidFieldError(
            "/owner_user_id",
            "The owner must be a person of this organisation.",
            type=ProblemType.UNKNOWN_OWNER,
            reason="not a member of this organisation",
        )


def record_snapshot(record: ControlRecord) -> dict[str, Any]:
    return {
        "applicability": record.applicability,
        "justification": record.justification,
        "status": record.status,
        "owner_user_id": str(record.owner_user_id) if record.owner_user_id else None,
        "target_date": record.target_date.isoformat() if record.target_date else None,
        "links": list(record.links),
        "last_reviewed_at": record.last_reviewed_at.isoformat()
        if record.last_reviewed_at
        else None,
        "revision": record.revision,
    }


def create_record(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    data: ControlRecordCreate,
) -> ControlRecord:
    """The organisation's first record of a catalog control; 409 when it has one already."""
    check_control(controls, data.control_id, in_body=True)
    if find_record(session, caller.organization_id, data.control_id) is not None:
        raise ConflictError(
            f"There is a record of {data.control_id} already; change it with PATCH.",
            type=ProblemType.CONTROL_RECORD_EXISTS,
        )
    record = ControlRecord(organization_id=caller.organization_id, control_id=data.control_id)
    _apply(session, caller, record, data, before=None)
    return record


def update_record(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    control_id: str,
    data: ControlRecordWrite,
    if_match: str | None,
) -> ControlRecord:
    """Change a record (If-Match required); fields left out keep their value."""
    check_control(controls, control_id)
    record = find_record(session, caller.organization_id, control_id, for_update=True)
    if record is None:
        raise NotFoundError("control record", control_id)
    check_if_match(if_match, record.revision)
    _apply(session, caller, record, data, before=record_snapshot(record))
    return record


def _apply(
    session: Session,
    caller: Caller,
    record: ControlRecord,
    data: ControlRecordWrite,
    *,
    before: dict[str, Any] | None,
) -> None:
    """Check everything, then change the record and audit it (nothing changes on a 422)."""
    fields = data.model_fields_set
    applicability = data.applicability or Applicability(record.applicability)
    justification = data.justification if "justification" in fields else record.justification
    if applicability == Applicability.EXCLUDED and not justification:
        raise InvalidFieldError(
            "/justification",
            "Excluding a control needs a justification (ISO/IEC 42001 clause 6.1.3 d).",
            type=ProblemType.JUSTIFICATION_REQUIRED,
            reason="required to exclude a control",
        )
    if data.owner_user_id is not None:
        _check_owner(session, caller.organization_id, data.owner_user_id)
    if "owner_user_id" in fields:
        record.owner_user_id = data.owner_user_id
    if "target_date" in fields:
        record.target_date = data.target_date
    if data.links is not None:
        record.links = [link.model_dump(mode="json") for link in data.links]
    if data.status is not None:
        record.status = data.status.value
    record.applicability = applicability.value
    record.justification = justification or None
    if data.reviewed:
        record.last_reviewed_at = utcnow()
        record.reviewed_by_user_id = caller.user_id
    if before is not None and record_snapshot(record) == before:
        return
    if before is not None:
        record.revision += 1
    record.updated_at = utcnow()
    record.updated_by_key_id = caller.key_id
    record.updated_by_user_id = caller.user_id
    session.add(record)
    session.flush()
    audit.record_change(
        session,
        "control_record",
        record,
        "created" if before is None else "updated",
        actor=caller.actor,
        before=before,
        after={"control_id": record.control_id, **record_snapshot(record)},
    )


def is_record_overdue(record: ControlRecord, today: date) -> bool:
    return (
        record.status != ImplementationStatus.IMPLEMENTED.value
        and record.target_date is not None
        and record.target_date < today
    )


@dataclass(frozen=True)
class RecordFilters:
    status: ImplementationStatus | None = None
    owner_user_id: uuid.UUID | None = None
    overdue: bool | None = None
    applicability: Applicability | None = None


def list_records(
    session: Session, *, caller: Caller, filters: RecordFilters
) -> list[ControlRecord]:
    """The organisation's records, by control id."""
    statement = select(ControlRecord).where(
        ControlRecord.organization_id == caller.organization_id,
        *matching(ControlRecord, filters, "status", "owner_user_id", "applicability"),
    )
    rows = list(session.exec(statement.order_by(col(ControlRecord.control_id))).all())
    if filters.overdue is not None:
        today = utcnow().date()
        rows = [r for r in rows if is_record_overdue(r, today) == filters.overdue]
    return rows


def evidence_of(session: Session, records: list[ControlRecord]) -> dict[uuid.UUID, list[Any]]:
    ids = [r.id for r in records]
    out: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    if not ids:
        return out
    for e in session.exec(
        select(ControlEvidence)
        .where(col(ControlEvidence.record_id).in_(ids))
        .order_by(col(ControlEvidence.uploaded_at), col(ControlEvidence.id))
    ).all():
        out[e.record_id].append(e)
    return out


def names_of(session: Session, user_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    ids = [u for u in user_ids if u is not None]
    if not ids:
        return {}
    return {
        u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(ids))).all()
    }


def active_systems(session: Session, organization_id: uuid.UUID) -> list[AISystem]:
    return list(
        session.exec(
            select(AISystem).where(
                AISystem.organization_id == organization_id, AISystem.status == "active"
            )
        ).all()
    )


# Dossier -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovedLine:
    questionnaire: str
    tier: str
    submitted_by: str
    reviewer: str
    approved_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True)
class SupplierLine:
    supplier_name: str
    product_name: str
    tier: str | None
    evidence: list[Any]


def dossier(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    as_of: date,
    calendar: str | None,
    settings: PlanSettings,
) -> str:
    """The printable dossier of one AI system (HTML rendered from a template)."""
    from app.portfolio import reports
    from app.suppliers.report import evidence_of

    standing = system_standing(
        session,
        catalog,
        caller=caller,
        system_id=system_id,
        as_of=as_of,
        calendar=calendar,
        settings=settings,
    )
    system = systems_service.get_system(session, caller=caller, system_id=system_id)
    rows = assessment_queries.standing(session, caller=caller, system_id=system_id)
    people = names_of(
        session,
        {r.decided_by_user_id for _, r in rows} | {r.submitted_by_user_id for _, r in rows},
    )
    approved = [
        ApprovedLine(
            questionnaire=f"{a.questionnaire_key}@{a.questionnaire_version}",
            tier=r.tier,
            submitted_by=people.get(r.submitted_by_user_id, r.submitted_by)
            if r.submitted_by_user_id
            else r.submitted_by,
            reviewer=people.get(r.decided_by_user_id, r.decided_by or "")
            if r.decided_by_user_id
            else (r.decided_by or ""),
            approved_at=r.decided_at,
            due_at=a.due_at,
        )
        for a, r in rows
    ]
    suppliers = []
    for linked in standing.suppliers:
        files: list[Any] = []
        if linked.assessment_id is not None:
            files = evidence_of(session, caller.organization_id, linked.assessment_id)
        suppliers.append(
            SupplierLine(linked.supplier_name, linked.product_name, linked.tier, files)
        )
    return reports.render(
        "dossier.html",
        s=standing,
        system=system,
        approved=approved,
        suppliers=suppliers,
        generated_at=utcnow().isoformat(timespec="seconds"),
    )


def add_evidence(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    control_id: str,
    store: Any,
    staged: Any,
    filename: str,
    content_type: str,
) -> ControlEvidence:
    """Keep an accepted upload as evidence of a control's record (bytes moved into the
    evidence store; removed again if the transaction rolls back); the record's revision moves."""
    import sqlalchemy as sa

    from app.suppliers.evidence import clean_filename

    check_control(controls, control_id)
    record = find_record(session, caller.organization_id, control_id, for_update=True)
    if record is None:
        raise NotFoundError("control record", control_id)
    evidence = ControlEvidence(
        organization_id=caller.organization_id,
        record_id=record.id,
        filename=clean_filename(filename),
        content_type=content_type,
        size_bytes=staged.size,
        sha256=staged.sha256,
        storage_key="",
        uploaded_by_key_id=caller.key_id,
        uploaded_by_user_id=caller.user_id,
    )
    evidence.storage_key = f"controls/{caller.organization_id}/{record.id}/{evidence.id}"
    session.add(evidence)
    record.revision += 1
    record.updated_at = utcnow()
    session.add(record)
    session.flush()
    audit.record_change(
        session,
        "control_record",
        record,
        "evidence_added",
        actor=caller.actor,
        after={
            "control_id": control_id,
            "evidence_id": str(evidence.id),
            "filename": evidence.filename,
            "content_type": content_type,
            "size_bytes": evidence.size_bytes,
            "sha256": evidence.sha256,
        },
    )
    store.accept(staged, evidence.storage_key)
    key = evidence.storage_key
    sa.event.listen(session, "after_rollback", lambda _s: store.remove(key), once=True)
    return evidence


def check_record_exists(
    session: Session, controls: ControlCatalog, *, caller: Caller, control_id: str
) -> None:
    get_record(session, controls, caller=caller, control_id=control_id)


def get_evidence(
    session: Session,
    controls: ControlCatalog,
    *,
    caller: Caller,
    control_id: str,
    evidence_id: uuid.UUID,
) -> ControlEvidence:
    """One evidence file of the caller's record of a control, or 404."""
    record = get_record(session, controls, caller=caller, control_id=control_id)
    evidence = session.get(ControlEvidence, evidence_id)
    if evidence is None or evidence.record_id != record.id:
        raise NotFoundError("evidence", evidence_id)
    return evidence
