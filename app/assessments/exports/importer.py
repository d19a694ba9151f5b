"""Import of a JSON export into the caller's organisation: every problem with the document is
found before anything is written, then the assessment and its rounds are re-created."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.assessments import service
from app.assessments.exports.document import (
    AssessmentExport,
    ExportedQuestionnaire,
    ImportedAssessment,
    Reproduction,
)
from app.assessments.models import (
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    Decision,
    SubjectKind,
)
from app.assessments.schemas import QuestionnairePin
from app.assessments.subjects import subject_mismatch
from app.audit import service as audit
from app.auth import Caller, Principal, Scope
from app.db import utcnow
from app.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    ProblemType,
    parameter_problem,
)
from app.questionnaires.catalog import Catalog, QuestionnaireNotFoundError, QuestionnaireVersion
from app.questionnaires.schemas import QuestionnaireRef
from app.rules import InvalidAnswerError
from app.systems import service as systems_service
from app.systems.models import AISystem, SystemStatus
from app.systems.schemas import AISystemCreate
from app.views import attributes


def _problem(pointer: str, detail: str, code: str) -> dict[str, str]:
    return {"pointer": pointer, "detail": detail, "code": code}


# A questionnaire version as an export names it (the assessment's, or a round's result's).
_Pin = ExportedQuestionnaire | QuestionnaireRef


def _resolve(
    catalog: Catalog, pin: _Pin, *, at: str, problems: list[dict[str, str]]
) -> QuestionnaireVersion | None:
    """The catalog's version with the same hashes, or None with a problem pointing at `at`."""
    key, version, content_hash, logic_hash = pin.key, pin.version, pin.content_hash, pin.logic_hash
    try:
        found = catalog.get(key, version)
    except QuestionnaireNotFoundError:
        pointer = f"{at}/version" if key in catalog.by_key else f"{at}/key"
        problems.append(
            _problem(
                pointer,
                f"this service has no questionnaire {key}@{version}",
                "unknown_questionnaire_version",
            )
        )
        return None
    if found.content_hash != content_hash:
        problems.append(
            _problem(
                f"{at}/content_hash",
                f"{found.ref} here has content hash {found.content_hash}; the export was made "
                "with a different questionnaire",
                "content_hash_mismatch",
            )
        )
        return None
    if found.logic_hash != logic_hash:
        problems.append(
            _problem(
                f"{at}/logic_hash",
                f"{found.ref} here has logic hash {found.logic_hash}",
                "logic_hash_mismatch",
            )
        )
        return None
    return found


def _answer_problems(
    version: QuestionnaireVersion, answers: dict[str, Any], at: str
) -> list[dict[str, str]]:
    return [_problem(at + p["pointer"], p["detail"], p["code"]) for p in version.validate(answers)]


def _expected_decisions(status: AssessmentStatus, count: int) -> list[Decision | None]:
    """The decision every round must carry for an assessment in `status` with `count` rounds."""
    last: dict[AssessmentStatus, Decision | None] = {
        AssessmentStatus.DRAFT: Decision.REQUEST_CHANGES,
        AssessmentStatus.SUBMITTED: None,
        AssessmentStatus.APPROVED: Decision.APPROVE,
        AssessmentStatus.REJECTED: Decision.REJECT,
    }
    if count == 0:
        return []
    return [Decision.REQUEST_CHANGES] * (count - 1) + [last[status]]


def _history_problems(doc: AssessmentExport) -> list[dict[str, str]]:
    """The rounds must tell the story the service would have written."""
    problems: list[dict[str, str]] = []
    count = len(doc.rounds)
    for index, found in enumerate(doc.rounds):
        at = f"/rounds/{index}"
        if found.round != index + 1:
            problems.append(
                _problem(f"{at}/round", f"expected round {index + 1} here", "round_sequence")
            )
        if found.tier != found.result.tier:
            problems.append(
                _problem(f"{at}/tier", "differs from the tier of the round's result", "tier")
            )
        if (found.decision is None) != (found.decided_at is None):
            problems.append(
                _problem(f"{at}/decided_at", "a decision and its time go together", "decision")
            )
    for index, (found, wanted) in enumerate(
        zip(doc.rounds, _expected_decisions(doc.status, count), strict=True)
    ):
        if found.decision != wanted:
            problems.append(
                _problem(
                    f"/rounds/{index}/decision",
                    f"a {doc.status.value} assessment has "
                    f"{wanted.value if wanted else 'no decision'} on this round",
                    "decision",
                )
            )
    submitted = doc.status != AssessmentStatus.DRAFT
    if submitted and count == 0:
        problems.append(
            _problem("/rounds", f"a {doc.status.value} assessment has rounds", "rounds")
        )
    expected_round = count if submitted else count + 1
    if doc.round != expected_round and not (submitted and count == 0):
        problems.append(
            _problem("/round", f"expected {expected_round} with {count} round(s)", "round")
        )
    expected_tier = doc.rounds[-1].tier if doc.rounds else None
    if doc.tier != expected_tier:
        problems.append(_problem("/tier", "differs from the tier of the last round", "tier"))
    if submitted and doc.rounds and doc.answers != doc.rounds[-1].answers:
        problems.append(
            _problem(
                "/answers",
                "a submitted assessment's answers are those of its last round",
                "answers",
            )
        )
    return problems


@dataclass(frozen=True)
class _Checked:
    version: QuestionnaireVersion
    round_versions: list[QuestionnaireVersion]
    reproduction: Reproduction | None


def check_export(catalog: Catalog, doc: AssessmentExport) -> _Checked:
    """Every problem with an export, as one 422 with pointers; nothing is written before this."""
    problems: list[dict[str, str]] = []
    version = _resolve(catalog, doc.questionnaire, at="/questionnaire", problems=problems)
    if version is not None:
        problems.extend(_answer_problems(version, doc.answers, ""))
    round_versions: list[QuestionnaireVersion] = []
    for index, found in enumerate(doc.rounds):
        at = f"/rounds/{index}"
        # A round keeps the version it was scored with (a draft may move to a newer one later).
        round_version = _resolve(
            catalog, found.result.questionnaire, at=f"{at}/result/questionnaire", problems=problems
        )
        if round_version is None:
            continue
        round_versions.append(round_version)
        problems.extend(_answer_problems(round_version, found.answers, at))
        if found.tier not in round_version.program.tiers:
            problems.append(
                _problem(f"{at}/tier", f"{round_version.ref} has no tier '{found.tier}'", "tier")
            )
        problems.extend(
            _problem(f"{at}/item_comments/{item_id}", "no such item", "unknown_item")
            for item_id in sorted(set(found.item_comments) - set(round_version.items))
        )
    problems.extend(_history_problems(doc))
    reproduction = None
    if not problems and doc.rounds:
        last, last_version = doc.rounds[-1], round_versions[-1]
        try:
            again = last_version.evaluate(last.answers, as_of=last.result.as_of, trace=False)
        except InvalidAnswerError as exc:
            problems.append(_problem(f"/rounds/{len(doc.rounds) - 1}/answers", str(exc), "answers"))
        else:
            reproduction = Reproduction(
                round=last.round,
                as_of=last.result.as_of,
                recorded_tier=last.tier,
                recomputed_tier=again.tier,
                recorded_engine_version=last.engine_version,
                engine_version=again.engine_version,
            )
    if problems or version is None:
        raise InvalidRequestError(
            ProblemType.INVALID_EXPORT,
            f"{len(problems)} problem(s) in the export; nothing was imported.",
            errors=problems,
            title="Invalid export",
        )
    return _Checked(version, round_versions, reproduction)


def _target_system(
    session: Session,
    *,
    caller: Caller,
    doc: AssessmentExport,
    system_id: uuid.UUID | None,
    version: QuestionnaireVersion,
) -> tuple[AISystem | None, bool]:
    """The AI system the import goes to (created from the snapshot when not named); None for an
    organisation-level questionnaire, whose subject is the importing organisation."""
    if version.model.subject == "organization":
        if system_id is not None:
            raise subject_mismatch(version, "system_id", parameter=True)
        return None, False
    if system_id is not None:
        system = systems_service.get_system(session, caller=caller, system_id=system_id)
        if system.status == SystemStatus.RETIRED:
            raise ConflictError(
                "A retired AI system is not assessed any more.", type=ProblemType.SYSTEM_RETIRED
            )
        return system, False
    if doc.system is None:
        raise InvalidRequestError(
            ProblemType.INVALID_EXPORT,
            "The export has no AI system snapshot (it holds a supplier's answers); name "
            "the AI system to import it into.",
            errors=[
                {
                    **parameter_problem("system_id", "required for an export without a system"),
                    "code": "required",
                }
            ],
            title="Invalid export",
        )
    data = AISystemCreate.model_validate(
        doc.system.model_dump(mode="json", exclude={"id", "status"})
    )
    created = systems_service.create_system(session, caller=caller, data=data)
    return created, True


def _becomes_current(
    session: Session,
    organization_id: uuid.UUID,
    system_id: uuid.UUID | None,
    key: str,
    decided: datetime,
) -> bool:
    """An imported approval is current unless the system has a later one; older ones step down."""
    current = service.current_assessments(
        session,
        organization_id=organization_id,
        system_id=system_id,
        supplier_id=None,
        questionnaire_key=key,
    )
    if any(c.decided_at is not None and c.decided_at > decided for c in current):
        return False
    service.step_down(session, current)
    return True


def _require_review_scope(caller: Principal, doc: AssessmentExport) -> None:
    if any(r.decision is not None for r in doc.rounds) and not caller.has(Scope.ASSESSMENTS_REVIEW):
        # Otherwise a writer alone could bring in approvals no reviewer here has seen.
        raise ForbiddenError(
            ProblemType.INSUFFICIENT_SCOPE,
            "The export holds review decisions; importing them also needs the "
            f"'{Scope.ASSESSMENTS_REVIEW.value}' scope.",
        )


def _answered(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if v is not None}


def _add_assessment(
    session: Session,
    *,
    caller: Caller,
    doc: AssessmentExport,
    version: QuestionnaireVersion,
    system: AISystem | None,
    is_current: bool,
) -> Assessment:
    """The assessment and its rounds as the export tells them, flushed."""
    now = utcnow()
    assessment = Assessment(
        organization_id=caller.organization_id,
        system_id=system.id if system is not None else None,
        subject=SubjectKind.SYSTEM.value if system is not None else SubjectKind.ORGANIZATION.value,
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        content_hash=version.content_hash,
        status=doc.status.value,
        round=doc.round,
        answers=_answered(doc.answers),
        tier=doc.tier,
        is_current=is_current,
        due_at=doc.due_at if doc.status == AssessmentStatus.APPROVED else None,
        created_at=now,
        updated_at=now,
        **caller.actor.created_by(),
        submitted_at=doc.submitted_at,
        # The importer stands in for the submitter, so it cannot also approve (four eyes).
        submitted_by_key_id=caller.key_id if doc.submitted_at else None,
        submitted_by_user_id=caller.user_id if doc.submitted_at else None,
        decided_at=doc.decided_at,
    )
    session.add(assessment)
    session.flush()
    for found in doc.rounds:
        session.add(
            AssessmentRound(
                organization_id=caller.organization_id,
                assessment_id=assessment.id,
                answers=_answered(found.answers),
                result=found.result.model_dump(mode="json"),
                decision=found.decision.value if found.decision else None,
                item_comments=dict(found.item_comments),
                **attributes(found, "round", "tier", "engine_version", "comment"),
                **attributes(found, "submitted_at", "submitted_by", "decided_at", "decided_by"),
            )
        )
    session.flush()
    return assessment


def import_assessment(
    session: Session,
    catalog: Catalog,
    *,
    caller: Principal,
    doc: AssessmentExport,
    system_id: uuid.UUID | None,
) -> ImportedAssessment:
    """Re-create an exported assessment with its rounds in the caller's organisation."""
    _require_review_scope(caller, doc)
    checked = check_export(catalog, doc)
    version = checked.version
    system, system_created = _target_system(
        session, caller=caller, doc=doc, system_id=system_id, version=version
    )
    system_ref = system.id if system is not None else None
    last = doc.rounds[-1] if doc.rounds else None
    is_current = False
    if doc.status == AssessmentStatus.APPROVED and last is not None and last.decided_at:
        is_current = _becomes_current(
            session, caller.organization_id, system_ref, version.key, last.decided_at
        )
    assessment = _add_assessment(
        session,
        caller=caller,
        doc=doc,
        version=version,
        system=system,
        is_current=is_current,
    )
    reproduction = checked.reproduction
    reproduced = (
        reproduction.recorded_tier == reproduction.recomputed_tier if reproduction else None
    )
    audit.record_change(
        session,
        "assessment",
        assessment,
        "imported",
        actor=caller.actor,
        after={
            "source_assessment_id": str(doc.assessment_id),
            "exported_at": doc.exported_at.isoformat(),
            "exported_by_engine": doc.engine_version,
            "questionnaire": version.ref,
            "content_hash": version.content_hash,
            "system_id": str(system_ref) if system_ref else None,
            "system_created": system_created,
            "status": assessment.status,
            "round": assessment.round,
            "rounds": len(doc.rounds),
            "tier": assessment.tier,
            "reproduced": reproduced,
        },
    )
    return ImportedAssessment(
        assessment_id=assessment.id,
        system_id=system_ref,
        system_created=system_created,
        questionnaire=QuestionnairePin(
            key=version.key, version=version.version, content_hash=version.content_hash
        ),
        status=doc.status,
        round=assessment.round,
        rounds=len(doc.rounds),
        tier=assessment.tier,
        is_current=is_current,
        reproduced=reproduced,
        reproduction=reproduction,
    )
