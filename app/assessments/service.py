"""Assessments from draft to approved result. Services flush, never commit; routes stay thin."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.assessments import subjects
from app.assessments.migration import MigrationPlan, plan_migration
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus, Decision
from app.assessments.schemas import AssessmentCreate, Progress
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.concurrency import check_if_match
from app.db import utcnow
from app.errors import AppError, ConflictError, NotFoundError
from app.pagination import (
    decode_cursor,
    decode_seq_cursor,
    encode_cursor,
    encode_seq_cursor,
    finish_page,
    keyset_page,
)
from app.questionnaires.answers import required_problems
from app.questionnaires.catalog import (
    Catalog,
    QuestionnaireNotFoundError,
    QuestionnaireVersion,
    semver,
)
from app.questionnaires.models import Prefill
from app.rules import InvalidAnswerError, State, settle
from app.suppliers.models import Supplier
from app.systems import service as systems_service
from app.systems.models import AISystem, SystemStatus


def _invalid_answers(version: QuestionnaireVersion, problems: list[dict[str, Any]]) -> AppError:
    return AppError(
        status=422,
        type="invalid-answers",
        title="Invalid answers",
        detail=f"{len(problems)} answer problem(s) for {version.ref}; nothing was changed.",
        errors=problems,
    )


def _not_draft(
    assessment: Assessment, only: str = "answers can change only while it is a draft"
) -> ConflictError:
    return ConflictError(
        f"The assessment is {assessment.status}; {only}.", type="assessment-not-draft"
    )


def resolve_version(catalog: Catalog, key: str, version: str | None) -> QuestionnaireVersion:
    """A published version for a new assessment (the latest when none is named), else 422."""
    try:
        found = catalog.get(key, version)
    except QuestionnaireNotFoundError as exc:
        pointer = (
            "/questionnaire_version" if version and key in catalog.by_key else "/questionnaire_key"
        )
        raise AppError(
            status=422,
            type="unknown-questionnaire",
            title="Unknown questionnaire",
            detail=str(exc),
            errors=[{"pointer": pointer, "detail": str(exc)}],
        ) from exc
    if found.status != "published":
        raise AppError(
            status=422,
            type="questionnaire-not-published",
            title="Questionnaire not published",
            detail=f"{found.ref} is {found.status}; new assessments use published versions.",
            errors=[{"pointer": "/questionnaire_version", "detail": f"{found.status} version"}],
        )
    return found


def pinned_version(catalog: Catalog, assessment: Assessment) -> QuestionnaireVersion:
    """The exact version an assessment is pinned to (same content hash), never another."""
    try:
        found = catalog.get(assessment.questionnaire_key, assessment.questionnaire_version)
    except QuestionnaireNotFoundError as exc:
        raise ConflictError(
            f"{assessment.questionnaire_key}@{assessment.questionnaire_version} is not loaded "
            "by this service.",
            type="questionnaire-version-unavailable",
        ) from exc
    if found.content_hash != assessment.content_hash:
        raise ConflictError(
            f"{found.ref} was changed after this assessment was pinned to it (content hash "
            "differs); published versions must never change.",
            type="questionnaire-version-changed",
        )
    return found


def check_answers(version: QuestionnaireVersion, answers: dict[str, Any]) -> None:
    """Types, option codes and bounds of every answer; 422 with one pointer per problem."""
    problems = [dict(p) for p in version.validate(answers)]
    if problems:
        raise _invalid_answers(version, problems)


def settled(version: QuestionnaireVersion, answers: dict[str, Any]) -> State:
    """The settled state of stored answers."""
    try:
        return settle(version.program, answers)
    except InvalidAnswerError:
        # Only valid answers are ever stored; this guards a questionnaire/engine mismatch.
        raise ConflictError("Stored answers no longer fit the questionnaire.") from None


def progress(
    version: QuestionnaireVersion, answers: dict[str, Any], state: State | None = None
) -> Progress:
    program = version.program
    if state is None:
        state = settled(version, answers)
    derived = {f.id for f in program.spec.derived}  # computed, never asked
    visible = [
        i
        for i, item in program.items.items()
        if item.type != "display" and i not in derived and state.items.get(i)
    ]
    answered = [i for i in visible if i in state.facts]
    required = [i for i in program.required if state.items.get(i) is True]
    missing = [i for i in required if i not in state.facts]
    ignored = [i for i, v in answers.items() if v is not None and state.items.get(i) is not True]
    return Progress(
        visible=len(visible),
        answered=len(answered),
        required=len(required),
        required_answered=len(required) - len(missing),
        missing_required=missing,
        ignored_answers=ignored,
        complete=not missing,
    )


def _snapshot(assessment: Assessment) -> dict[str, Any]:
    return {
        "status": assessment.status,
        "round": assessment.round,
        "revision": assessment.revision,
        "tier": assessment.tier,
        "questionnaire": f"{assessment.questionnaire_key}@{assessment.questionnaire_version}",
    }


def _entry(
    assessment: Assessment, actor: Actor, action: str, before: Any, after: Any
) -> audit.Entry:
    return audit.Entry(
        organization_id=assessment.organization_id,
        actor=actor,
        action=f"assessment.{action}",
        entity_type="assessment",
        entity_id=assessment.id,
        before=before,
        after=after,
    )


def _audit(
    session: Session,
    assessment: Assessment,
    actor: Actor,
    action: str,
    before: Any,
    after: Any,
) -> None:
    audit.record_many(session, [_entry(assessment, actor, action, before, after)])


def _touch(assessment: Assessment) -> None:
    assessment.revision += 1
    assessment.updated_at = utcnow()


def create_assessment(
    session: Session, catalog: Catalog, *, caller: Caller, data: AssessmentCreate
) -> Assessment:
    system = systems_service.get_system(
        session, organization_id=caller.organization_id, system_id=data.system_id
    )
    if system.status == SystemStatus.RETIRED:
        raise ConflictError("A retired AI system is not assessed any more.", type="system-retired")
    version = resolve_version(catalog, data.questionnaire_key, data.questionnaire_version)
    subjects.require_subject(version, subjects.SYSTEM)
    carried = carried_over(session, version, organization_id=caller.organization_id, system=system)
    # The caller's own initial answers win over carried-over ones.
    prefilled = {k: v for k, v in carried.items() if data.answers.get(k) is None}
    answers = {**data.answers, **{k: v["value"] for k, v in prefilled.items()}}
    return _new_draft(
        session, caller, version, answers, system_id=system.id, prefilled=prefilled or None
    )


def _current_with_round(
    session: Session, *, organization_id: uuid.UUID, system_id: uuid.UUID | None, keys: set[str]
) -> dict[str, tuple[Assessment, AssessmentRound]]:
    """The current approved assessment of each of `keys` for one system (None: of no system,
    as the organisation's own), with its round."""
    if not keys:
        return {}
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
            Assessment.system_id == system_id,
            col(Assessment.questionnaire_key).in_(sorted(keys)),
            col(Assessment.is_current).is_(True),
        )
    ).all()
    return {a.questionnaire_key: (a, r) for a, r in rows}


def _prefill_value(fill: Prefill, approved: AssessmentRound) -> Any:
    """The value a declaration takes from an approved round, or None when it gives none."""
    if fill.answer is not None:
        value = approved.answers.get(fill.answer)
        if isinstance(value, str):
            return fill.recode.get(value, value)
        if isinstance(value, list):
            # A code recoded to null is not carried over; an empty choice is no answer.
            kept = [fill.recode.get(v, v) if isinstance(v, str) else v for v in value]
            return [v for v in kept if v is not None] or None
        return value
    flags = {str(f.get("id")) for f in approved.result.get("flags", [])}
    for case in fill.cases or []:
        if (case.tier_in is not None and approved.tier in case.tier_in) or (
            case.flag is not None and case.flag in flags
        ):
            return case.value
    return None


def carried_over(
    session: Session, version: QuestionnaireVersion, *, organization_id: uuid.UUID, system: AISystem
) -> dict[str, dict[str, Any]]:
    """What the version's prefill declarations take from the system's current approved
    assessments: item id -> {value, source assessment, round, questionnaire, item or result}.
    A value that does not fit this version (a source version with other codes) is left out."""
    fills = version.model.prefill or []
    sources = _current_with_round(
        session,
        organization_id=organization_id,
        system_id=system.id,
        keys={f.questionnaire for f in fills},
    )
    out: dict[str, dict[str, Any]] = {}
    for fill in fills:
        found = sources.get(fill.questionnaire)
        if found is None or fill.item in out:
            continue
        source, approved = found
        value = _prefill_value(fill, approved)
        if value is None or version.validate({fill.item: value}):
            continue
        out[fill.item] = {
            "value": value,
            "assessment_id": str(source.id),
            "round": approved.round,
            "questionnaire": f"{source.questionnaire_key}@{source.questionnaire_version}",
            "source": f"answer:{fill.answer}" if fill.answer is not None else "result",
            "changed": False,
        }
    return out


def refresh_prefilled(
    session: Session, catalog: Catalog, *, approved: Assessment, actor: Actor
) -> None:
    """After an approval, open drafts of the same system that carry answers over from it take
    the new values, except where the person changed the carried-over answer (never overwritten)
    or answered the item themselves."""
    if approved.system_id is None:
        return
    drafts = session.exec(
        select(Assessment)
        .where(
            Assessment.organization_id == approved.organization_id,
            Assessment.system_id == approved.system_id,
            Assessment.status == AssessmentStatus.DRAFT.value,
        )
        .with_for_update()
    ).all()
    system = session.get(AISystem, approved.system_id)
    if system is None:
        return
    entries = []
    for draft in drafts:
        try:
            version = pinned_version(catalog, draft)
        except ConflictError:
            continue
        if not any(
            f.questionnaire == approved.questionnaire_key for f in version.model.prefill or []
        ):
            continue
        carried = carried_over(
            session, version, organization_id=draft.organization_id, system=system
        )
        recorded = dict(draft.prefilled or {})
        answers = dict(draft.answers)
        before: dict[str, Any] = {}
        for item_id, new in carried.items():
            old = recorded.get(item_id)
            if old is None and item_id in answers:
                continue  # answered by a person, not carried over
            if old is not None and (old.get("changed") or answers.get(item_id) != old["value"]):
                continue  # the person changed it: theirs stays
            if old is not None and old["assessment_id"] == new["assessment_id"]:
                continue
            before[item_id] = answers.get(item_id)
            answers[item_id] = new["value"]
            recorded[item_id] = new
        if before:
            after = {k: answers[k] for k in sorted(before)}
            draft.answers = answers
            draft.prefilled = recorded
            _touch(draft)
            session.add(draft)
            entries.append(_entry(draft, actor, "prefill_refreshed", before, after))
    if entries:
        session.flush()
        audit.record_many(session, entries)


def _new_draft(
    session: Session,
    caller: Caller,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    *,
    system_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
    prefilled: dict[str, Any] | None = None,
) -> Assessment:
    """A draft pinned to `version`, of an AI system or of a supplier; its creation audited."""
    answers = {k: v for k, v in answers.items() if v is not None}
    check_answers(version, answers)
    assessment = Assessment(
        organization_id=caller.organization_id,
        system_id=system_id,
        supplier_id=supplier_id,
        subject=subjects.kind_of(system_id, supplier_id),
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        content_hash=version.content_hash,
        answers=answers,
        prefilled=prefilled,
        created_by_key_id=caller.key_id,
        created_by_user_id=caller.user_id,
    )
    session.add(assessment)
    session.flush()
    after = _snapshot(assessment)
    if prefilled:
        after["prefilled"] = prefilled
    _audit(session, assessment, caller.actor, "created", None, after)
    return assessment


def create_supplier_assessment(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
) -> Assessment:
    """A draft of a supplier's answers (procurement); the caller has checked the supplier."""
    subjects.require_subject(version, subjects.SUPPLIER)
    return _new_draft(session, caller, version, answers, supplier_id=supplier_id)


def create_organization_assessment(
    session: Session, *, caller: Caller, version: QuestionnaireVersion, answers: dict[str, Any]
) -> Assessment:
    """A draft of an organisation-level questionnaire: the organisation is its subject."""
    subjects.require_subject(version, subjects.ORGANIZATION)
    return _new_draft(session, caller, version, answers)


class Subject(StrEnum):
    """What an assessment is about; each kind changes through its own endpoints."""

    SYSTEM = "system"
    SUPPLIER = "supplier"


def get_assessment(
    session: Session, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.organization_id != organization_id:
        raise NotFoundError("assessment", assessment_id)
    return assessment


def get_for_change(
    session: Session, *, caller: Caller, assessment_id: uuid.UUID, subject: Subject
) -> Assessment:
    """The assessment a write changes, locked until the transaction ends.

    The row lock (PostgreSQL; SQLite serialises write transactions already) makes a concurrent
    write of the same assessment wait and then see this one's result: its If-Match is checked
    against the new revision, and answers it merges are never computed from a stale copy.
    """
    assessment = session.get(
        Assessment, assessment_id, with_for_update=True, populate_existing=True
    )
    return check_subject(assessment, caller=caller, assessment_id=assessment_id, subject=subject)


def check_subject(
    assessment: Assessment | None, *, caller: Caller, assessment_id: uuid.UUID, subject: Subject
) -> Assessment:
    """404 unless the assessment is the caller's; 409 when it is changed through the wrong API."""
    if assessment is None or assessment.organization_id != caller.organization_id:
        raise NotFoundError("assessment", assessment_id)
    if subject == Subject.SYSTEM and assessment.supplier_id is not None:
        raise ConflictError(
            "This is a supplier's questionnaire; change it through /v1/supplier-requests.",
            type="supplier-assessment",
        )
    if subject == Subject.SUPPLIER and assessment.supplier_id is None:
        raise NotFoundError("assessment", assessment_id)
    return assessment


def save_answers(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    assessment_id: uuid.UUID,
    subject: Subject,
    changes: dict[str, Any],
    if_match: str | None,
) -> Assessment:
    """Autosave: merge the changed answers into the draft (null removes one)."""
    assessment = get_for_change(
        session, caller=caller, assessment_id=assessment_id, subject=subject
    )
    entry = apply_answers(catalog, assessment, caller=caller, changes=changes, if_match=if_match)
    if entry is not None:
        session.add(assessment)
        session.flush()
        audit.record_many(session, [entry])
    return assessment


def apply_answers(
    catalog: Catalog,
    assessment: Assessment,
    *,
    caller: Caller,
    changes: dict[str, Any],
    if_match: str | None,
) -> audit.Entry | None:
    """Merge changed answers into a draft loaded for change; every check runs before anything
    changes. Returns the audit entry of the change, or None when no answer changed."""
    check_if_match(if_match, assessment.revision)
    if assessment.status != AssessmentStatus.DRAFT:
        raise _not_draft(assessment)
    version = pinned_version(catalog, assessment)
    merged = dict(assessment.answers)
    for item_id, value in changes.items():
        if value is None:
            merged.pop(item_id, None)
        else:
            merged[item_id] = value
    # Stored answers were checked when they were saved; each answer is checked on its own.
    check_answers(version, {k: merged[k] for k in changes if k in merged})
    changed = {k for k in changes if assessment.answers.get(k) != merged.get(k)}
    if not changed:
        return None
    before = {k: assessment.answers.get(k) for k in sorted(changed)}
    after = {k: merged.get(k) for k in sorted(changed)}
    assessment.answers = merged  # reassigned, never mutated in place
    if assessment.prefilled and changed & set(assessment.prefilled):
        # A carried-over answer the person changed is theirs: a later approval never replaces it.
        assessment.prefilled = {
            k: {**v, "changed": True} if k in changed else v
            for k, v in assessment.prefilled.items()
        }
    _touch(assessment)
    return _entry(assessment, caller.actor, "answers_saved", before, after)


def today() -> date:
    return datetime.now(UTC).date()


def preview(
    catalog: Catalog, assessment: Assessment, *, as_of: date | None, trace: bool
) -> tuple[Progress, dict[str, Any]]:
    version = pinned_version(catalog, assessment)
    state = settled(version, assessment.answers)  # once, for the progress and the result
    result = version.evaluate(assessment.answers, as_of=as_of or today(), trace=trace, state=state)
    return progress(version, assessment.answers, state), result.to_dict()


def submit(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    assessment_id: uuid.UUID,
    subject: Subject,
    as_of: date | None,
    if_match: str | None,
) -> Assessment:
    """Validate fully, score with the pinned version, store the round and freeze the answers."""
    assessment = get_for_change(
        session, caller=caller, assessment_id=assessment_id, subject=subject
    )
    check_if_match(if_match, assessment.revision)
    if assessment.status != AssessmentStatus.DRAFT:
        raise _not_draft(assessment, "only a draft can be submitted")
    version = pinned_version(catalog, assessment)
    problems = [dict(p) for p in version.validate(assessment.answers)]
    if problems:
        raise _invalid_answers(version, problems)
    result = version.evaluate(assessment.answers, as_of=as_of or today(), trace=True)
    if result.missing_required:
        raise _invalid_answers(
            version, [dict(p) for p in required_problems(result.missing_required)]
        )
    now = utcnow()
    session.add(
        AssessmentRound(
            organization_id=assessment.organization_id,
            assessment_id=assessment.id,
            round=assessment.round,
            answers=dict(assessment.answers),
            result=result.to_dict(),
            tier=result.tier,
            engine_version=result.engine_version,
            submitted_at=now,
            submitted_by_key_id=caller.key_id,
            submitted_by_user_id=caller.user_id,
            submitted_by=caller.actor.name,
        )
    )
    before = _snapshot(assessment)
    assessment.status = AssessmentStatus.SUBMITTED.value
    assessment.tier = result.tier
    assessment.submitted_at = now
    assessment.submitted_by_key_id = caller.key_id
    assessment.submitted_by_user_id = caller.user_id
    _touch(assessment)
    session.add(assessment)
    session.flush()
    _audit(session, assessment, caller.actor, "submitted", before, _snapshot(assessment))
    return assessment


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def find_round(session: Session, assessment: Assessment, number: int) -> AssessmentRound | None:
    return session.exec(
        select(AssessmentRound).where(
            AssessmentRound.assessment_id == assessment.id, AssessmentRound.round == number
        )
    ).first()


def get_round(session: Session, assessment: Assessment, number: int) -> AssessmentRound:
    """One submitted round of the assessment, or 404."""
    found = find_round(session, assessment, number)
    if found is None:
        raise NotFoundError("round", number)
    return found


def current_round(session: Session, assessment: Assessment) -> AssessmentRound:
    return get_round(session, assessment, assessment.round)


def review(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    assessment_id: uuid.UUID,
    subject: Subject,
    decision: Decision,
    comment: str | None,
    item_comments: dict[str, str],
    if_match: str | None,
) -> Assessment:
    """Approve, reject or request changes; never by the person or key that submitted."""
    assessment = get_for_change(
        session, caller=caller, assessment_id=assessment_id, subject=subject
    )
    check_if_match(if_match, assessment.revision)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ConflictError(
            f"The assessment is {assessment.status}; only a submitted one can be reviewed.",
            type="assessment-not-submitted",
        )
    # Four eyes compare people where there are people: a person's own key is the person.
    own_key = caller.key_id is not None and assessment.submitted_by_key_id == caller.key_id
    own_person = caller.user_id is not None and assessment.submitted_by_user_id == caller.user_id
    if (caller.key_id is None and caller.user_id is None) or own_key or own_person:
        raise AppError(
            status=403,
            type="own-submission",
            title="Forbidden",
            detail="A submission is reviewed by someone else than its submitter (four eyes).",
        )
    if decision != Decision.APPROVE and not (comment and comment.strip()):
        raise AppError(
            status=422,
            type="comment-required",
            title="Invalid request",
            detail="Say why when rejecting or requesting changes.",
            errors=[{"pointer": "/comment", "detail": "required for this decision"}],
        )
    version = pinned_version(catalog, assessment)
    unknown = sorted(set(item_comments) - set(version.program.items))
    if unknown:
        raise AppError(
            status=422,
            type="unknown-item",
            title="Invalid request",
            detail="Comments name questions this questionnaire does not have.",
            errors=[{"pointer": f"/item_comments/{i}", "detail": "no such item"} for i in unknown],
        )
    now = utcnow()
    submitted = current_round(session, assessment)
    submitted.decision = decision.value
    submitted.comment = comment
    submitted.item_comments = dict(item_comments)
    submitted.decided_at = now
    submitted.decided_by_key_id = caller.key_id
    submitted.decided_by_user_id = caller.user_id
    submitted.decided_by = caller.actor.name
    session.add(submitted)
    before = _snapshot(assessment)
    assessment.decided_at = now
    if decision == Decision.APPROVE:
        _approve(session, version, assessment, now)
        action = "approved"
        session.flush()
        refresh_prefilled(session, catalog, approved=assessment, actor=caller.actor)
    elif decision == Decision.REJECT:
        assessment.status = AssessmentStatus.REJECTED.value
        action = "rejected"
    else:
        assessment.status = AssessmentStatus.DRAFT.value
        assessment.round += 1
        action = "changes_requested"
    _touch(assessment)
    session.add(assessment)
    session.flush()
    after = {**_snapshot(assessment), "comment": comment, "item_comments": dict(item_comments)}
    _audit(session, assessment, caller.actor, action, before, after)
    return assessment


def current_assessments(
    session: Session,
    *,
    organization_id: uuid.UUID,
    system_id: uuid.UUID | None,
    supplier_id: uuid.UUID | None,
    questionnaire_key: str,
) -> list[Assessment]:
    """The current approved assessments of one AI system (or supplier) and questionnaire."""
    return list(
        session.exec(
            select(Assessment).where(
                Assessment.organization_id == organization_id,
                Assessment.system_id == system_id,
                Assessment.supplier_id == supplier_id,
                Assessment.questionnaire_key == questionnaire_key,
                col(Assessment.is_current).is_(True),
            )
        ).all()
    )


def step_down(session: Session, assessments: list[Assessment]) -> None:
    """These are no longer current: another approval replaces them."""
    for old in assessments:
        old.is_current = False
        session.add(old)


def _approve(
    session: Session, version: QuestionnaireVersion, assessment: Assessment, now: datetime
) -> None:
    """Make this the current assessment of its system (or supplier) and questionnaire; set the
    due date."""
    step_down(
        session,
        current_assessments(
            session,
            organization_id=assessment.organization_id,
            system_id=assessment.system_id,
            supplier_id=assessment.supplier_id,
            questionnaire_key=assessment.questionnaire_key,
        ),
    )
    months = (version.model.reassessment_months or {}).get(assessment.tier or "")
    assessment.status = AssessmentStatus.APPROVED.value
    assessment.is_current = True
    assessment.due_at = add_months(now, months) if months else None


def rounds(session: Session, assessment: Assessment) -> list[AssessmentRound]:
    return list(
        session.exec(
            select(AssessmentRound)
            .where(AssessmentRound.assessment_id == assessment.id)
            .order_by(col(AssessmentRound.round))
        ).all()
    )


def rounds_page(
    session: Session, assessment: Assessment, *, cursor: str | None, limit: int
) -> tuple[list[AssessmentRound], str | None]:
    """Submitted rounds in round order (the first round first), a page at a time."""
    statement = select(AssessmentRound).where(AssessmentRound.assessment_id == assessment.id)
    if cursor is not None:
        statement = statement.where(AssessmentRound.round > decode_seq_cursor(cursor))
    found = list(session.exec(statement.order_by(col(AssessmentRound.round)).limit(limit + 1)))
    if len(found) <= limit:
        return found, None
    return found[:limit], encode_seq_cursor(found[limit - 1].round)


def review_comments(session: Session, assessment: Assessment) -> dict[str, str]:
    """The comments on questions of the round before, while the draft answers them."""
    if assessment.status != AssessmentStatus.DRAFT or assessment.round == 1:
        return {}
    earlier = find_round(session, assessment, assessment.round - 1)
    return dict(earlier.item_comments) if earlier else {}


def is_overdue(assessment: Assessment, now: datetime | None = None) -> bool:
    return bool(
        assessment.is_current and assessment.due_at and assessment.due_at < (now or utcnow())
    )


@dataclass(frozen=True)
class AssessmentFilters:
    subject: str | None = None
    system_id: uuid.UUID | None = None
    questionnaire_key: str | None = None
    status: AssessmentStatus | None = None
    tier: str | None = None
    current: bool | None = None
    overdue: bool | None = None


class Listed(NamedTuple):
    """An assessment of a list with the name of its subject, so a list needs no call per row."""

    assessment: Assessment
    system_name: str | None
    supplier_name: str | None


def list_assessments(
    session: Session,
    *,
    organization_id: uuid.UUID,
    filters: AssessmentFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Listed], str | None]:
    # The subject's name as one scalar expression, not joins: PostgreSQL evaluates it for the
    # rows of the page only (joined, it joined every matching row before sorting and cutting,
    # 5x slower when overdue); one expression, so its cost always defers it past the sort.
    subject_name = sa.func.coalesce(
        select(AISystem.name)
        .where(col(AISystem.id) == col(Assessment.system_id))
        .scalar_subquery(),
        select(Supplier.name)
        .where(col(Supplier.id) == col(Assessment.supplier_id))
        .scalar_subquery(),
    )
    statement = select(Assessment, subject_name).where(
        Assessment.organization_id == organization_id
    )
    if filters.subject is not None:
        statement = statement.where(Assessment.subject == filters.subject)
    if filters.system_id is not None:
        statement = statement.where(Assessment.system_id == filters.system_id)
    if filters.questionnaire_key is not None:
        statement = statement.where(Assessment.questionnaire_key == filters.questionnaire_key)
    if filters.status is not None:
        statement = statement.where(Assessment.status == filters.status.value)
    if filters.tier is not None:
        statement = statement.where(Assessment.tier == filters.tier)
    if filters.current is not None:
        statement = statement.where(col(Assessment.is_current).is_(filters.current))
    if filters.overdue is not None:
        now = utcnow()
        if filters.overdue:
            statement = statement.where(
                col(Assessment.is_current).is_(True), col(Assessment.due_at) < now
            )
        else:
            statement = statement.where(
                sa.or_(
                    col(Assessment.is_current).is_(False),
                    col(Assessment.due_at).is_(None),
                    col(Assessment.due_at) >= now,
                )
            )
    statement = keyset_page(
        statement,
        created_col=Assessment.created_at,
        id_col=Assessment.id,
        cursor=cursor,
        limit=limit,
    )
    rows = [
        Listed(a, name if a.system_id else None, name if a.supplier_id else None)
        for a, name in session.exec(statement).all()
    ]
    kept, next_cursor = finish_page([r.assessment for r in rows], limit)
    return rows[: len(kept)], next_cursor


def standing(
    session: Session, *, organization_id: uuid.UUID, system_id: uuid.UUID
) -> list[tuple[Assessment, AssessmentRound]]:
    """The current approved assessments of a system with their approved rounds."""
    systems_service.get_system(session, organization_id=organization_id, system_id=system_id)
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
            Assessment.system_id == system_id,
            col(Assessment.is_current).is_(True),
        )
        .order_by(col(Assessment.questionnaire_key))
    ).all()
    return [(a, r) for a, r in rows]


def overdue_systems(
    session: Session, *, organization_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[AISystem, list[Assessment]]], str | None]:
    """Systems with at least one current assessment past its due date, most overdue first
    (earliest due date, then system id), a page at a time."""
    overdue = (
        Assessment.organization_id == organization_id,
        col(Assessment.is_current).is_(True),
        col(Assessment.due_at) < utcnow(),
        AISystem.status == SystemStatus.ACTIVE.value,
    )
    # The `limit` most overdue systems are chosen in SQL, not after loading every overdue row.
    first_due = sa.func.min(Assessment.due_at).label("first_due")
    grouped_by_system = (
        select(col(Assessment.system_id).label("system_id"), first_due)
        .join(AISystem, col(AISystem.id) == col(Assessment.system_id))
        .where(*overdue)
        .group_by(col(Assessment.system_id))
        .subquery()
    )
    most_overdue = select(grouped_by_system.c.system_id, grouped_by_system.c.first_due)
    if cursor is not None:
        after_due, after_id = decode_cursor(cursor)
        most_overdue = most_overdue.where(
            sa.or_(
                grouped_by_system.c.first_due > after_due,
                sa.and_(
                    grouped_by_system.c.first_due == after_due,
                    grouped_by_system.c.system_id > after_id,
                ),
            )
        )
    chosen = list(
        session.exec(
            most_overdue.order_by(
                grouped_by_system.c.first_due, grouped_by_system.c.system_id
            ).limit(limit + 1)
        ).all()
    )
    next_cursor = None
    if len(chosen) > limit:
        chosen = chosen[:limit]
        last_id, last_due = chosen[-1]
        next_cursor = encode_cursor(last_due, last_id)
    order = {system_id: index for index, (system_id, _) in enumerate(chosen)}
    rows = session.exec(
        select(AISystem, Assessment)
        .join(Assessment, col(Assessment.system_id) == col(AISystem.id))
        .where(*overdue, col(AISystem.id).in_(list(order)))
        .order_by(col(Assessment.due_at))
    ).all()
    grouped: dict[uuid.UUID, tuple[AISystem, list[Assessment]]] = {}
    for system, assessment in sorted(rows, key=lambda row: order[row[0].id]):
        grouped.setdefault(system.id, (system, []))[1].append(assessment)
    return list(grouped.values()), next_cursor


def migrate_draft(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    assessment_id: uuid.UUID,
    subject: Subject,
    to_version: str | None,
    dry_run: bool,
    if_match: str | None,
) -> tuple[MigrationPlan, Assessment]:
    """Move a draft to a newer published version; a dry run only reports what would change."""
    assessment = get_for_change(
        session, caller=caller, assessment_id=assessment_id, subject=subject
    )
    # A dry run needs it too: its report is about the revision the client holds.
    check_if_match(if_match, assessment.revision)
    if assessment.status != AssessmentStatus.DRAFT:
        raise _not_draft(assessment)
    source = pinned_version(catalog, assessment)
    target = resolve_version(catalog, assessment.questionnaire_key, to_version)
    if semver(target.version) <= semver(source.version):
        raise AppError(
            status=422,
            type="not-a-newer-version",
            title="Invalid request",
            detail=f"{target.ref} is not newer than {source.ref}.",
            errors=[{"pointer": "/to_version", "detail": "must be a newer published version"}],
        )
    plan = plan_migration(source, target, assessment.answers)
    if dry_run:
        return plan, assessment
    before = {**_snapshot(assessment), "answers": dict(assessment.answers)}
    assessment.questionnaire_version = target.version
    assessment.content_hash = target.content_hash
    assessment.answers = dict(plan.answers)
    _touch(assessment)
    session.add(assessment)
    session.flush()
    after = {
        **_snapshot(assessment),
        "answers": dict(assessment.answers),
        "dropped": plan.dropped,
        "to_answer": plan.to_answer,
    }
    _audit(session, assessment, caller.actor, "migrated", before, after)
    return plan, assessment
