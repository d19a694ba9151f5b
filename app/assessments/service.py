"""Assessments from draft to approved result. Services flush, never commit; routes stay thin."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session, col, select

from app.assessments import events, hooks, subjects
from app.assessments.carry_over import carried_over
from app.assessments.migration import MigrationPlan, plan_migration
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus, Decision
from app.assessments.queries import find_round
from app.assessments.schemas import AssessmentCreate, Progress
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.concurrency import check_if_match
from app.db import utcnow
from app.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    InvalidFieldError,
    InvalidRequestError,
    NotFoundError,
    ProblemType,
    field_problem,
)
from app.questionnaires.answers import required_problems
from app.questionnaires.catalog import (
    Catalog,
    QuestionnaireNotFoundError,
    QuestionnaireVersion,
    semver,
)
from app.rules import InvalidAnswerError, State, settle
from app.systems import service as systems_service
from app.systems.models import AISystem, SystemStatus
from app.views import attributes
from app.webhooks import service as webhooks

# Questionnaires answered on an incident (POST /v1/incidents/{id}/triage), never on a system.
INCIDENT_QUESTIONNAIRES = frozenset({"ai-incident-triage"})


def _invalid_answers(version: QuestionnaireVersion, problems: list[dict[str, Any]]) -> AppError:
    return InvalidRequestError(
        ProblemType.INVALID_ANSWERS,
        f"{len(problems)} answer problem(s) for {version.ref}; nothing was changed.",
        errors=problems,
        title="Invalid answers",
    )


def _check_draft(
    assessment: Assessment,
    if_match: str | None,
    only: str = "answers can change only while it is a draft",
) -> None:
    """412 unless the client holds the current revision, then 409 unless it is a draft."""
    check_if_match(if_match, assessment.revision)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ConflictError(
            f"The assessment is {assessment.status}; {only}.",
            type=ProblemType.ASSESSMENT_NOT_DRAFT,
        )


def resolve_version(catalog: Catalog, key: str, version: str | None) -> QuestionnaireVersion:
    """A published version for a new assessment (the latest when none is named), else 422."""
    try:
        found = catalog.get(key, version)
    except QuestionnaireNotFoundError as exc:
        pointer = (
            "/questionnaire_version" if version and key in catalog.by_key else "/questionnaire_key"
        )
        raise InvalidFieldError(
            pointer, str(exc), type=ProblemType.UNKNOWN_QUESTIONNAIRE, title="Unknown questionnaire"
        ) from exc
    if found.status != "published":
        raise InvalidFieldError(
            "/questionnaire_version",
            f"{found.ref} is {found.status}; new assessments use published versions.",
            type=ProblemType.QUESTIONNAIRE_NOT_PUBLISHED,
            reason=f"{found.status} version",
            title="Questionnaire not published",
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
            type=ProblemType.QUESTIONNAIRE_VERSION_UNAVAILABLE,
        ) from exc
    if found.content_hash != assessment.content_hash:
        raise ConflictError(
            f"{found.ref} was changed after this assessment was pinned to it (content hash "
            "differs); published versions must never change.",
            type=ProblemType.QUESTIONNAIRE_VERSION_CHANGED,
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
        **attributes(assessment, "status", "round", "revision", "tier"),
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


def create_assessment(
    session: Session, catalog: Catalog, *, caller: Caller, data: AssessmentCreate
) -> Assessment:
    system = systems_service.get_system(session, caller=caller, system_id=data.system_id)
    if system.status == SystemStatus.RETIRED:
        raise ConflictError(
            "A retired AI system is not assessed any more.", type=ProblemType.SYSTEM_RETIRED
        )
    if data.questionnaire_key in INCIDENT_QUESTIONNAIRES:
        raise InvalidFieldError(
            "/questionnaire_key",
            f"{data.questionnaire_key} is answered on an incident: "
            "POST /v1/incidents/{incident_id}/triage.",
            type=ProblemType.INCIDENT_QUESTIONNAIRE,
            reason="answered on an incident",
        )
    version = resolve_version(catalog, data.questionnaire_key, data.questionnaire_version)
    subjects.require_subject(version, subjects.SYSTEM)
    carried = carried_over(session, version, organization_id=caller.organization_id, system=system)
    # The caller's own initial answers win over carried-over ones.
    prefilled = {k: v for k, v in carried.items() if data.answers.get(k) is None}
    answers = {**data.answers, **{k: v["value"] for k, v in prefilled.items()}}
    return _new_draft(
        session, caller, version, answers, system_id=system.id, prefilled=prefilled or None
    )


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
            draft.touch()
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
    incident_id: uuid.UUID | None = None,
    prefilled: dict[str, Any] | None = None,
) -> Assessment:
    """A draft pinned to `version`, of an AI system, a supplier or the organisation; its
    creation audited."""
    answers = {k: v for k, v in answers.items() if v is not None}
    check_answers(version, answers)
    assessment = Assessment(
        organization_id=caller.organization_id,
        system_id=system_id,
        supplier_id=supplier_id,
        subject=subjects.kind_of(system_id, supplier_id),
        incident_id=incident_id,
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        content_hash=version.content_hash,
        answers=answers,
        prefilled=prefilled,
        **caller.actor.created_by(),
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


def create_incident_assessment(
    session: Session,
    *,
    caller: Caller,
    incident_id: uuid.UUID,
    system_id: uuid.UUID,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
) -> Assessment:
    """A triage draft answered on an incident (the caller has checked the incident); allowed on
    a retired system, since incidents outlive systems."""
    return _new_draft(
        session, caller, version, answers, system_id=system_id, incident_id=incident_id
    )


class Subject(StrEnum):
    """What an assessment is about; each kind changes through its own endpoints."""

    SYSTEM = "system"
    SUPPLIER = "supplier"


def get_assessment(session: Session, *, caller: Caller, assessment_id: uuid.UUID) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.organization_id != caller.organization_id:
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
            type=ProblemType.SUPPLIER_ASSESSMENT,
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
    _check_draft(assessment, if_match)
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
    assessment.touch()
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
    _check_draft(assessment, if_match, "only a draft can be submitted")
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
    assessment.touch()
    session.add(assessment)
    session.flush()
    _audit(session, assessment, caller.actor, "submitted", before, _snapshot(assessment))
    webhooks.emit(
        session, assessment.organization_id, "assessment.submitted", events.data(assessment)
    )
    hooks.submitted(session, assessment, caller.actor)
    return assessment


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


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
            type=ProblemType.ASSESSMENT_NOT_SUBMITTED,
        )
    # Four eyes compare people where there are people: a person's own key is the person.
    own_key = caller.key_id is not None and assessment.submitted_by_key_id == caller.key_id
    own_person = caller.user_id is not None and assessment.submitted_by_user_id == caller.user_id
    if (caller.key_id is None and caller.user_id is None) or own_key or own_person:
        raise ForbiddenError(
            ProblemType.OWN_SUBMISSION,
            "A submission is reviewed by someone else than its submitter (four eyes).",
        )
    if decision != Decision.APPROVE and not (comment and comment.strip()):
        raise InvalidFieldError(
            "/comment",
            "Say why when rejecting or requesting changes.",
            type=ProblemType.COMMENT_REQUIRED,
            reason="required for this decision",
        )
    version = pinned_version(catalog, assessment)
    unknown = sorted(set(item_comments) - set(version.program.items))
    if unknown:
        raise InvalidRequestError(
            ProblemType.UNKNOWN_ITEM,
            "Comments name questions this questionnaire does not have.",
            errors=[field_problem(f"/item_comments/{i}", "no such item") for i in unknown],
        )
    now = utcnow()
    _decide_round(session, assessment, caller, decision, comment, item_comments, now)
    before = _snapshot(assessment)
    assessment.decided_at = now
    previous_tier: str | None = None
    if decision == Decision.APPROVE:
        previous_tier = _approve(session, version, assessment, now)
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
    assessment.touch()
    session.add(assessment)
    session.flush()
    after = {**_snapshot(assessment), "comment": comment, "item_comments": dict(item_comments)}
    _audit(session, assessment, caller.actor, action, before, after)
    events.emit_reviewed(session, assessment, action, previous_tier)
    return assessment


def _decide_round(
    session: Session,
    assessment: Assessment,
    caller: Caller,
    decision: Decision,
    comment: str | None,
    item_comments: dict[str, str],
    now: datetime,
) -> None:
    """Record the decision on the submitted round."""
    submitted = current_round(session, assessment)
    submitted.decision = decision.value
    submitted.comment = comment
    submitted.item_comments = dict(item_comments)
    submitted.decided_at = now
    submitted.decided_by_key_id = caller.key_id
    submitted.decided_by_user_id = caller.user_id
    submitted.decided_by = caller.actor.name
    session.add(submitted)


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
) -> str | None:
    """Make this the current assessment of its system (or supplier) and questionnaire; set the
    due date. Returns the tier of the one it replaces (None when none was current). An
    incident's triage is approved without becoming its system's current one."""
    if assessment.incident_id is not None:
        assessment.status = AssessmentStatus.APPROVED.value
        return None
    replaced = current_assessments(
        session,
        organization_id=assessment.organization_id,
        system_id=assessment.system_id,
        supplier_id=assessment.supplier_id,
        questionnaire_key=assessment.questionnaire_key,
    )
    step_down(session, replaced)
    months = (version.model.reassessment_months or {}).get(assessment.tier or "")
    assessment.status = AssessmentStatus.APPROVED.value
    assessment.is_current = True
    assessment.due_at = add_months(now, months) if months else None
    return replaced[0].tier if replaced else None


def rounds(session: Session, assessment: Assessment) -> list[AssessmentRound]:
    return list(
        session.exec(
            select(AssessmentRound)
            .where(AssessmentRound.assessment_id == assessment.id)
            .order_by(col(AssessmentRound.round))
        ).all()
    )


class Scheduled(Protocol):
    """An assessment or a row of a list of them: whether it is current and when it falls due."""

    @property
    def is_current(self) -> bool: ...

    @property
    def due_at(self) -> datetime | None: ...


def is_overdue(assessment: Scheduled, now: datetime | None = None) -> bool:
    return bool(
        assessment.is_current and assessment.due_at and assessment.due_at < (now or utcnow())
    )


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
    _check_draft(assessment, if_match)
    source = pinned_version(catalog, assessment)
    target = resolve_version(catalog, assessment.questionnaire_key, to_version)
    if semver(target.version) <= semver(source.version):
        raise InvalidFieldError(
            "/to_version",
            f"{target.ref} is not newer than {source.ref}.",
            type=ProblemType.NOT_A_NEWER_VERSION,
            reason="must be a newer published version",
        )
    plan = plan_migration(source, target, assessment.answers)
    if dry_run:
        return plan, assessment
    before = {**_snapshot(assessment), "answers": dict(assessment.answers)}
    assessment.questionnaire_version = target.version
    assessment.content_hash = target.content_hash
    assessment.answers = dict(plan.answers)
    assessment.touch()
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
