"""Exports of one assessment (JSON for re-import, CSV of the answers, printable HTML report) and
the import of a JSON export into another organisation or instance. Services flush, never commit.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PositiveInt, StringConstraints
from sqlmodel import Session

from app.assessments import service
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
from app.auth import Principal, Scope
from app.controls.i18n import pick_language, text_in
from app.db import utcnow
from app.errors import AppError, ConflictError
from app.questionnaires.catalog import Catalog, QuestionnaireNotFoundError, QuestionnaireVersion
from app.questionnaires.models import (
    BooleanItem,
    DisplayItem,
    Item,
    MultiChoiceItem,
    Section,
    SingleChoiceItem,
)
from app.questionnaires.schemas import EvaluationResult, ScoreOut
from app.rules import ENGINE_VERSION, InvalidAnswerError
from app.systems import service as systems_service
from app.systems.models import AISystem, SystemStatus
from app.systems.schemas import AISystemBase, AISystemCreate

EXPORT_FORMAT: Final = "ai-assessment-export"
EXPORT_FORMAT_VERSION: Final = 1
MAX_ROUNDS: Final = 500
# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


# -- the export document ------------------------------------------------------------------------


class ExportedQuestionnaire(BaseModel):
    """The exact questionnaire version the assessment is pinned to."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    content_hash: Hash
    logic_hash: Hash


class ExportedSystem(AISystemBase):
    """The AI system as it was when exported; an import can create a system from it."""

    id: uuid.UUID | None = Field(default=None, description="Its id in the exporting instance.")
    status: SystemStatus = SystemStatus.ACTIVE


class ExportedRound(BaseModel):
    """One submitted round: frozen answers, the result as recorded, and the decision on it."""

    model_config = ConfigDict(extra="forbid")

    round: PositiveInt
    answers: dict[str, Any]
    result: EvaluationResult
    tier: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    engine_version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    submitted_at: AwareDatetime
    submitted_by: Name200
    decision: Decision | None = None
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    item_comments: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = (
        Field(default_factory=dict)
    )
    decided_at: AwareDatetime | None = None
    decided_by: Name200 | None = None


class AssessmentExport(BaseModel):
    """A complete, re-importable export of one assessment with every round."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["ai-assessment-export"] = EXPORT_FORMAT
    format_version: Literal[1] = Field(
        default=EXPORT_FORMAT_VERSION, description="Bumped when the layout changes."
    )
    exported_at: AwareDatetime
    engine_version: str = Field(max_length=32, description="The exporting engine's version.")
    assessment_id: uuid.UUID = Field(description="The assessment's id in the exporting instance.")
    system: ExportedSystem | None = Field(
        description="The AI system assessed; null for a supplier's answers (procurement) and for "
        "an organisation-level questionnaire."
    )
    supplier_id: uuid.UUID | None = Field(
        default=None, description="The supplier, in the exporting instance, for its answers."
    )
    questionnaire: ExportedQuestionnaire
    status: AssessmentStatus
    round: PositiveInt = Field(description="The round in progress or last submitted.")
    tier: Annotated[str, StringConstraints(max_length=64)] | None = None
    answers: dict[str, Any] = Field(description="The current answers (the draft's, or frozen).")
    is_current: bool = Field(
        default=False, description="Informational: recomputed by the importing instance."
    )
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    decided_at: AwareDatetime | None = None
    rounds: list[ExportedRound] = Field(default_factory=list, max_length=MAX_ROUNDS)


class AssessmentImport(BaseModel):
    """What an import asks for, the export and the target system: its idempotency fingerprint."""

    model_config = ConfigDict(extra="forbid")

    export: AssessmentExport
    system_id: uuid.UUID | None = None


class Reproduction(BaseModel):
    """The last submitted round re-scored by this instance's engine."""

    round: int
    as_of: date
    recorded_tier: str
    recomputed_tier: str
    recorded_engine_version: str
    engine_version: str


class ImportedAssessment(BaseModel):
    """What an import created."""

    assessment_id: uuid.UUID
    system_id: uuid.UUID | None = Field(
        description="The AI system it was imported into; null for an organisation assessment."
    )
    system_created: bool = Field(description="A new AI system was created from the snapshot.")
    questionnaire: QuestionnairePin
    status: AssessmentStatus
    round: int
    rounds: int = Field(description="Submitted rounds imported as history.")
    tier: str | None
    is_current: bool
    reproduced: bool | None = Field(
        description="Re-scoring the last submitted round here gives the recorded tier; null "
        "when no round was submitted."
    )
    reproduction: Reproduction | None


# -- shared helpers -----------------------------------------------------------------------------


def _version_or_none(
    catalog: Catalog, key: str, version: str, content_hash: str
) -> QuestionnaireVersion | None:
    """The loaded version with exactly this content hash, or None."""
    try:
        found = catalog.get(key, version)
    except QuestionnaireNotFoundError:
        return None
    return found if found.content_hash == content_hash else None


def _layout(version: QuestionnaireVersion) -> list[tuple[Section, Item]]:
    """Every answerable item with its section, in questionnaire order."""
    return [
        (section, item)
        for section in version.model.sections
        for item in section.items
        if not isinstance(item, DisplayItem)
    ]


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_value_text(v) for v in value)
    return str(value)


def _labels(version: QuestionnaireVersion, item: Item, value: Any, language: str) -> str:
    """The option label(s) of a choice answer, else ''."""
    if not isinstance(item, SingleChoiceItem | MultiChoiceItem):
        return ""
    by_code = {o.code: text_in(dict(o.label), language) for o in version.options.get(item.id, ())}
    codes = value if isinstance(value, list) else [value]
    return "; ".join(by_code.get(str(c), str(c)) for c in codes)


def _ordered_answers(
    version: QuestionnaireVersion, answers: Mapping[str, Any]
) -> list[tuple[Section, Item, Any]]:
    return [(s, i, answers[i.id]) for s, i in _layout(version) if answers.get(i.id) is not None]


def _decision_text(decision: str | None) -> str:
    return {
        Decision.APPROVE.value: "approved",
        Decision.REJECT.value: "rejected",
        Decision.REQUEST_CHANGES.value: "changes requested",
    }.get(decision or "", "submitted, awaiting review")


def _system(session: Session, assessment: Assessment) -> AISystem | None:
    """The AI system assessed; None for a supplier's answers."""
    if assessment.system_id is None:
        return None
    return systems_service.get_system(
        session, organization_id=assessment.organization_id, system_id=assessment.system_id
    )


def _snapshot(system: AISystem | None) -> ExportedSystem | None:
    if system is None:
        return None
    return ExportedSystem.model_validate(
        {
            "id": system.id,
            "name": system.name,
            "purpose": system.purpose,
            "owner": system.owner,
            "business_unit": system.business_unit,
            "lifecycle_stage": system.lifecycle_stage,
            "deployment_regions": system.deployment_regions,
            "sourcing": system.sourcing,
            "tags": system.tags,
            "status": system.status,
        }
    )


# -- JSON export --------------------------------------------------------------------------------


def export_assessment(
    session: Session, catalog: Catalog, *, organization_id: uuid.UUID, assessment_id: uuid.UUID
) -> AssessmentExport:
    """The whole assessment with every round, pinned to its questionnaire version."""
    assessment = service.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    version = service.pinned_version(catalog, assessment)
    system = _system(session, assessment)
    return AssessmentExport(
        exported_at=utcnow(),
        engine_version=ENGINE_VERSION,
        assessment_id=assessment.id,
        system=_snapshot(system),
        supplier_id=assessment.supplier_id,
        questionnaire=ExportedQuestionnaire(
            key=version.key,
            version=version.version,
            content_hash=version.content_hash,
            logic_hash=version.logic_hash,
        ),
        status=AssessmentStatus(assessment.status),
        round=assessment.round,
        tier=assessment.tier,
        answers=dict(assessment.answers),
        is_current=assessment.is_current,
        due_at=assessment.due_at,
        created_at=assessment.created_at,
        updated_at=assessment.updated_at,
        submitted_at=assessment.submitted_at,
        decided_at=assessment.decided_at,
        rounds=[
            ExportedRound(
                round=r.round,
                answers=dict(r.answers),
                result=EvaluationResult.model_validate(r.result),
                tier=r.tier,
                engine_version=r.engine_version,
                submitted_at=r.submitted_at,
                submitted_by=r.submitted_by,
                decision=Decision(r.decision) if r.decision else None,
                comment=r.comment,
                item_comments=dict(r.item_comments),
                decided_at=r.decided_at,
                decided_by=r.decided_by,
            )
            for r in service.rounds(session, assessment)
        ],
    )


# -- import -------------------------------------------------------------------------------------


def _problem(pointer: str, detail: str, code: str) -> dict[str, str]:
    return {"pointer": pointer, "detail": detail, "code": code}


def _resolve(
    catalog: Catalog,
    *,
    key: str,
    version: str,
    content_hash: str,
    logic_hash: str,
    at: str,
    problems: list[dict[str, str]],
) -> QuestionnaireVersion | None:
    """The catalog's version with the same hashes, or None with a problem pointing at `at`."""
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
    pin = doc.questionnaire
    version = _resolve(
        catalog,
        key=pin.key,
        version=pin.version,
        content_hash=pin.content_hash,
        logic_hash=pin.logic_hash,
        at="/questionnaire",
        problems=problems,
    )
    if version is not None:
        problems.extend(_answer_problems(version, doc.answers, ""))
    round_versions: list[QuestionnaireVersion] = []
    for index, found in enumerate(doc.rounds):
        at = f"/rounds/{index}"
        ref = found.result.questionnaire
        # A round keeps the version it was scored with (a draft may move to a newer one later).
        round_version = _resolve(
            catalog,
            key=ref.key,
            version=ref.version,
            content_hash=ref.content_hash,
            logic_hash=ref.logic_hash,
            at=f"{at}/result/questionnaire",
            problems=problems,
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
        raise AppError(
            status=422,
            type="invalid-export",
            title="Invalid export",
            detail=f"{len(problems)} problem(s) in the export; nothing was imported.",
            errors=problems,
        )
    return _Checked(version, round_versions, reproduction)


def _target_system(
    session: Session,
    *,
    principal: Principal,
    doc: AssessmentExport,
    system_id: uuid.UUID | None,
    version: QuestionnaireVersion,
) -> tuple[AISystem | None, bool]:
    if version.model.subject == "organization":
        if system_id is not None:
            raise subject_mismatch(version, "system_id", parameter=True)
        return None, False
    if system_id is not None:
        system = systems_service.get_system(
            session, organization_id=principal.organization_id, system_id=system_id
        )
        if system.status == SystemStatus.RETIRED:
            raise ConflictError(
                "A retired AI system is not assessed any more.", type="system-retired"
            )
        return system, False
    if doc.system is None:
        raise AppError(
            status=422,
            type="invalid-export",
            title="Invalid export",
            detail="The export has no AI system snapshot (it holds a supplier's answers); name "
            "the AI system to import it into.",
            errors=[
                {
                    "parameter": "system_id",
                    "detail": "required for an export without a system",
                    "code": "required",
                }
            ],
        )
    data = AISystemCreate.model_validate(
        doc.system.model_dump(mode="json", exclude={"id", "status"})
    )
    created = systems_service.create_system(
        session, organization_id=principal.organization_id, data=data, actor=principal.actor
    )
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


def import_assessment(
    session: Session,
    catalog: Catalog,
    *,
    principal: Principal,
    doc: AssessmentExport,
    system_id: uuid.UUID | None,
) -> ImportedAssessment:
    """Re-create an exported assessment with its rounds in the caller's organisation."""
    if any(r.decision is not None for r in doc.rounds) and not principal.has(
        Scope.ASSESSMENTS_REVIEW
    ):
        # Otherwise a writer alone could bring in approvals no reviewer here has seen.
        raise AppError(
            status=403,
            type="insufficient-scope",
            title="Forbidden",
            detail="The export holds review decisions; importing them also needs the "
            f"'{Scope.ASSESSMENTS_REVIEW.value}' scope.",
        )
    checked = check_export(catalog, doc)
    version = checked.version
    system, system_created = _target_system(
        session, principal=principal, doc=doc, system_id=system_id, version=version
    )
    system_ref = system.id if system is not None else None
    last = doc.rounds[-1] if doc.rounds else None
    is_current = False
    if doc.status == AssessmentStatus.APPROVED and last is not None and last.decided_at:
        is_current = _becomes_current(
            session, principal.organization_id, system_ref, version.key, last.decided_at
        )
    now = utcnow()
    assessment = Assessment(
        organization_id=principal.organization_id,
        system_id=system_ref,
        subject=SubjectKind.SYSTEM.value if system is not None else SubjectKind.ORGANIZATION.value,
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        content_hash=version.content_hash,
        status=doc.status.value,
        round=doc.round,
        answers={k: v for k, v in doc.answers.items() if v is not None},
        tier=doc.tier,
        is_current=is_current,
        due_at=doc.due_at if doc.status == AssessmentStatus.APPROVED else None,
        created_at=now,
        updated_at=now,
        created_by_key_id=principal.key_id,
        created_by_user_id=principal.user_id,
        submitted_at=doc.submitted_at,
        # The importer stands in for the submitter, so it cannot also approve (four eyes).
        submitted_by_key_id=principal.key_id if doc.submitted_at else None,
        submitted_by_user_id=principal.user_id if doc.submitted_at else None,
        decided_at=doc.decided_at,
    )
    session.add(assessment)
    session.flush()
    for found in doc.rounds:
        session.add(
            AssessmentRound(
                organization_id=principal.organization_id,
                assessment_id=assessment.id,
                round=found.round,
                answers={k: v for k, v in found.answers.items() if v is not None},
                result=found.result.model_dump(mode="json"),
                tier=found.tier,
                engine_version=found.engine_version,
                submitted_at=found.submitted_at,
                submitted_by=found.submitted_by,
                decision=found.decision.value if found.decision else None,
                comment=found.comment,
                item_comments=dict(found.item_comments),
                decided_at=found.decided_at,
                decided_by=found.decided_by,
            )
        )
    session.flush()
    reproduction = checked.reproduction
    reproduced = (
        reproduction.recorded_tier == reproduction.recomputed_tier if reproduction else None
    )
    audit.record(
        session,
        organization_id=principal.organization_id,
        actor=principal.actor,
        action="assessment.imported",
        entity_type="assessment",
        entity_id=assessment.id,
        before=None,
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


# -- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS: Final = (
    "round",
    "round_status",
    "tier",
    "section_id",
    "section",
    "item_id",
    "question",
    "answer",
    "answer_label",
    "enabled",
    "ignored",
)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-like values get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (RFC 4180, CRLF) with every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Answered:
    """One set of answers to show: a submitted round, or the draft in progress."""

    round: int
    status: str
    tier: str
    version: QuestionnaireVersion
    answers: Mapping[str, Any]
    ignored: frozenset[str]


def _answer_sets(session: Session, catalog: Catalog, assessment: Assessment) -> list[_Answered]:
    sets = []
    for found in service.rounds(session, assessment):
        pin = found.result.get("questionnaire", {})
        version = _version_or_none(
            catalog, pin.get("key", ""), pin.get("version", ""), pin.get("content_hash", "")
        ) or service.pinned_version(catalog, assessment)
        sets.append(
            _Answered(
                round=found.round,
                status=_decision_text(found.decision),
                tier=found.tier,
                version=version,
                answers=found.answers,
                ignored=frozenset(found.result.get("ignored_answers", ())),
            )
        )
    if assessment.status == AssessmentStatus.DRAFT:
        version = service.pinned_version(catalog, assessment)
        preview = version.evaluate(assessment.answers, as_of=service.today(), trace=False)
        sets.append(
            _Answered(
                round=assessment.round,
                status="draft (not submitted; tier is the live preview)",
                tier=preview.tier,
                version=version,
                answers=assessment.answers,
                ignored=frozenset(preview.ignored_answers),
            )
        )
    return sets


def export_csv(
    session: Session,
    catalog: Catalog,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    accept_language: str | None,
) -> tuple[str, str]:
    """One row per answer of every round (and of the draft in progress); (text, language)."""
    assessment = service.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    pinned = service.pinned_version(catalog, assessment)
    language = pick_language(accept_language, pinned.languages)
    rows: list[list[object]] = []
    for answered in _answer_sets(session, catalog, assessment):
        version = answered.version
        for section, item, value in _ordered_answers(version, answered.answers):
            ignored = item.id in answered.ignored
            rows.append(
                [
                    answered.round,
                    answered.status,
                    answered.tier,
                    section.id,
                    text_in(dict(section.title), language),
                    item.id,
                    text_in(dict(item.text), language),
                    _value_text(value),
                    _labels(version, item, value, language),
                    "no" if ignored else "yes",
                    "yes" if ignored else "no",
                ]
            )
    return write_csv(CSV_COLUMNS, rows), language


# -- HTML report --------------------------------------------------------------------------------

_CSS: Final = """
@page { size: A4; margin: 18mm 15mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111;
  margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 18pt; margin: 0 0 .25rem; }
h2 { font-size: 13pt; margin: 1.6rem 0 .5rem; border-bottom: 2px solid #333;
  padding-bottom: .15rem; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 1rem 0 .3rem; break-after: avoid; }
table { width: 100%; border-collapse: collapse; margin: .3rem 0 .8rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
tr { break-inside: avoid; page-break-inside: avoid; }
dl { display: grid; grid-template-columns: 12rem 1fr; gap: .15rem 1rem; margin: .3rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
code, .hash { font-family: "SFMono-Regular", Consolas, monospace; font-size: 9pt;
  word-break: break-all; }
.tier { display: inline-block; border: 2px solid #111; padding: .2rem .6rem; font-weight: 700;
  font-size: 13pt; }
.draft { border: 3px solid #b00; color: #b00; padding: .5rem .8rem; font-weight: 700;
  font-size: 13pt; margin: .8rem 0; }
.note { color: #444; font-size: 9.5pt; }
.muted { color: #666; }
.yes { font-weight: 600; }
footer { margin-top: 2rem; font-size: 9pt; color: #555; border-top: 1px solid #999;
  padding-top: .4rem; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    """A table of already escaped cells, or a note when there are no rows."""
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dl(pairs: Sequence[tuple[str, str]]) -> str:
    """A definition list; values are already escaped."""
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _when(moment: datetime | None) -> str:
    return _e(moment.strftime("%Y-%m-%d %H:%M UTC")) if moment else '<span class="muted">—</span>'


def _localized(value: Mapping[str, str] | None, language: str) -> str:
    return text_in(dict(value), language) if value else ""


@dataclass(frozen=True)
class _Shown:
    """The result the report shows, and where it came from."""

    result: EvaluationResult
    answers: Mapping[str, Any]
    version: QuestionnaireVersion
    round: int | None  # None: the live preview of a draft


def _shown(catalog: Catalog, assessment: Assessment, rounds: Sequence[AssessmentRound]) -> _Shown:
    if rounds:
        latest = rounds[-1]
        result = EvaluationResult.model_validate(latest.result)
        pin = result.questionnaire
        version = _version_or_none(
            catalog, pin.key, pin.version, pin.content_hash
        ) or service.pinned_version(catalog, assessment)
        return _Shown(result, latest.answers, version, latest.round)
    version = service.pinned_version(catalog, assessment)
    live = version.evaluate(assessment.answers, as_of=service.today(), trace=True)
    return _Shown(
        EvaluationResult.model_validate(live.to_dict()), assessment.answers, version, None
    )


def _control_cite(catalog: Catalog, control_id: str, language: str) -> tuple[str, str]:
    """(citation, title) of a control or obligation, escaped; the id when it is unknown."""
    control = catalog.controls.get(control_id)
    if control is None:
        return _e(control_id), '<span class="muted">not in this control catalog</span>'
    return _e(control.ref), _e(text_in(dict(control.title), language))


def _rules(ids: Iterable[str]) -> str:
    return ", ".join(f"<code>{_e(i)}</code>" for i in ids)


def _answer_html(version: QuestionnaireVersion, item: Item, value: Any, language: str) -> str:
    if isinstance(item, BooleanItem):
        return "yes" if value else "no"
    labels = _labels(version, item, value, language)
    if labels:
        return f'{_e(labels)} <span class="muted">(<code>{_e(_value_text(value))}</code>)</span>'
    return _e(_value_text(value)).replace("\n", "<br>")


@dataclass(frozen=True)
class _Report:
    """What every section of the report reads."""

    catalog: Catalog
    assessment: Assessment
    system: AISystem | None
    rounds: Sequence[AssessmentRound]
    shown: _Shown
    lang: str

    @property
    def result(self) -> EvaluationResult:
        return self.shown.result

    @property
    def version(self) -> QuestionnaireVersion:
        return self.shown.version

    @property
    def subject(self) -> str:
        """What was assessed, in a few words."""
        if self.system is not None:
            return self.system.name
        if self.assessment.supplier_id is None:
            return "the organisation"
        return f"supplier {self.assessment.supplier_id}"


def _banner(r: _Report) -> str:
    if r.shown.round is None:
        return (
            '<div class="draft">DRAFT — not submitted. The result below is the live preview of '
            "the answers as they stand; it is not a recorded assessment result.</div>"
        )
    if r.assessment.status == AssessmentStatus.DRAFT:
        return (
            f'<div class="draft">DRAFT — round {_e(r.assessment.round)} is not submitted yet '
            f"(changes were requested). The result below is round {_e(r.shown.round)} as it "
            "was submitted.</div>"
        )
    return ""


def _system_section(r: _Report) -> str:
    system = r.system
    if system is None and r.assessment.supplier_id is None:
        return "<h2>Organisation</h2>" + _dl(
            [("Subject", "The organisation itself (an organisation-level questionnaire)")]
        )
    if system is None:
        return "<h2>Supplier</h2>" + _dl(
            [("Supplier id", f"<code>{_e(r.assessment.supplier_id)}</code>")]
        )
    return "<h2>AI system</h2>" + _dl(
        [
            ("Name", _e(system.name)),
            ("Intended purpose", _e(system.purpose)),
            ("Accountable owner", _e(system.owner)),
            ("Business unit", _e(system.business_unit or "—")),
            ("Life-cycle stage", _e(system.lifecycle_stage)),
            ("Deployment regions", _e(", ".join(system.deployment_regions) or "—")),
            ("Sourcing", _e(system.sourcing)),
            ("Tags", _e(", ".join(system.tags) or "—")),
            ("Status", _e(system.status)),
            ("System id", f"<code>{_e(system.id)}</code>"),
        ]
    )


def _questionnaire_section(r: _Report) -> str:
    pin = r.result.questionnaire
    return "<h2>Questionnaire and engine</h2>" + _dl(
        [
            ("Questionnaire", _e(_localized(r.version.model.title, r.lang))),
            ("Version", f"<code>{_e(pin.key)}@{_e(pin.version)}</code>"),
            ("Content hash (SHA-256)", f'<span class="hash">{_e(pin.content_hash)}</span>'),
            ("Logic hash (SHA-256)", f'<span class="hash">{_e(pin.logic_hash)}</span>'),
            ("Scoring engine", _e(r.result.engine_version)),
            ("Judged as of", _e(r.result.as_of.isoformat())),
            ("Provisions", _e("; ".join(r.version.model.refs) or "—")),
        ]
    )


def _history_section(r: _Report) -> str:
    a = r.assessment
    rows = []
    for found in r.rounds:
        comments = "".join(
            f"<br><code>{_e(item_id)}</code>: {_e(text)}"
            for item_id, text in sorted(found.item_comments.items())
        )
        rows.append(
            [
                _e(found.round),
                f"{_when(found.submitted_at)}<br>{_e(found.submitted_by)}",
                _e(found.tier),
                _e(_decision_text(found.decision)),
                f"{_when(found.decided_at)}<br>{_e(found.decided_by or '')}",
                _e(found.comment or "") + comments,
            ]
        )
    return (
        "<h2>Status and review history</h2>"
        + _dl(
            [
                ("Status", _e(a.status)),
                ("Round", _e(a.round)),
                ("Current approved assessment", "yes" if a.is_current else "no"),
                ("Reassessment due", _when(a.due_at)),
            ]
        )
        + _table(
            ["Round", "Submitted", "Tier", "Decision", "Decided", "Reviewer's comments"],
            rows,
            "Not submitted yet.",
        )
    )


def _tier_section(r: _Report) -> str:
    result, lang = r.result, r.lang
    tier = next((t for t in r.version.model.scoring.tiers if t.id == result.tier), None)
    label = _localized(tier.label, lang) if tier else result.tier
    parts = [
        "<h2>Risk tier</h2>",
        f'<p><span class="tier">{_e(label)}</span> <code>{_e(result.tier)}</code></p>',
    ]
    if tier and tier.description:
        parts.append(f"<p>{_e(_localized(tier.description, lang))}</p>")
    if not result.final:
        parts.append(
            '<p class="note">Not final: undetermined rules below could still raise the tier '
            "once the questions they wait for are answered.</p>"
        )
    rows = []
    for fired in result.fired:
        rationale = _e(_localized(fired.rationale, lang))
        if fired.caveat:
            rationale += (
                f'<br><span class="note">Caveat: {_e(_localized(fired.caveat, lang))}</span>'
            )
        rows.append(
            [
                f"<code>{_e(fired.id)}</code>",
                _e(fired.tier or "—"),
                rationale,
                "<br>".join(_e(ref) for ref in fired.refs),
            ]
        )
    parts.append("<h3>Rules that fired</h3>")
    parts.append(
        _table(
            ["Rule", "Tier", "Rationale", "Citations"],
            rows,
            "No rule fired: the default tier applies.",
        )
    )
    return "".join(parts)


def _applies(applies: bool, since: date | None) -> str:
    if since is None:
        return "does not apply under this calendar"
    if applies:
        return f'<span class="yes">applies</span> (since {_e(since.isoformat())})'
    return f"not yet: applies from {_e(since.isoformat())}"


def _obligations_section(r: _Report) -> str:
    result = r.result
    rows = []
    for obligation in result.obligations:
        cite, name = _control_cite(r.catalog, obligation.id, r.lang)
        by_calendar = "<br>".join(
            f"<b>{_e(calendar)}</b>: " + _applies(obligation.applies.get(calendar, False), since)
            for calendar, since in obligation.applies_from.items()
        )
        rows.append(
            [
                f"{cite}<br><code>{_e(obligation.id)}</code>",
                name,
                by_calendar,
                _rules(obligation.required_by),
            ]
        )
    calendars = "<br>".join(
        f"<b>{_e(c.id)}</b>: {_e(c.description)}" for c in result.calendar.calendars
    )
    return (
        "<h2>Obligations</h2>"
        + _table(
            [
                "Citation",
                "Obligation",
                f"Application as of {result.as_of.isoformat()}",
                "Required by rules",
            ],
            rows,
            "No obligations.",
        )
        + (f'<p class="note">Calendars: {calendars}</p>' if calendars else "")
    )


def _controls_section(r: _Report) -> str:
    rows = []
    for control in r.result.controls:
        cite, name = _control_cite(r.catalog, control.id, r.lang)
        rows.append([f"{cite}<br><code>{_e(control.id)}</code>", name, _rules(control.required_by)])
    return "<h2>Required controls</h2>" + _table(
        ["Citation", "Control", "Required by rules"], rows, "No controls required."
    )


def _breakdown(score: ScoreOut, lang: str) -> str:
    """Every term and section of an itemised score, and the scale its levels are read against."""
    b = score.breakdown
    assert b is not None
    applies = {"true": "yes", "false": "no", "unknown": "not yet known"}
    scale = f" (scale {_e(b.scale.min)} to {_e(b.scale.max)})" if b.scale else ""
    terms = _table(
        ["Section", "Term", "Points", "Applies", "Contribution"],
        [
            [
                _e(t.section or "—"),
                f"{_e(t.label.get(lang) or t.label.get('en') or t.id)}<br><code>{_e(t.id)}</code>",
                _e(t.points),
                _e(applies[t.applies]),
                _e(t.contribution),
            ]
            for t in b.terms
        ],
        "No itemised terms.",
    )
    sections = _table(
        ["Section", "Total"],
        [
            [_e(s.id), _e(s.min) if s.min == s.max else f"{_e(s.min)} to {_e(s.max)}"]
            for s in b.sections
        ],
        "No sections.",
    )
    return f"<h3>Breakdown of <code>{_e(score.id)}</code>{scale}</h3>{sections}{terms}"


def _flags_scores_undetermined(r: _Report) -> str:
    result = r.result
    parts = [
        "<h2>Flags</h2>",
        _table(
            ["Flag", "Raised by rules"],
            [[f"<code>{_e(f.id)}</code>", _rules(f.raised_by)] for f in result.flags],
            "No flags.",
        ),
    ]
    if result.scores:
        parts.append("<h2>Scores</h2>")
        parts.append(
            _table(
                ["Score", "Value", "Range", "Band"],
                [
                    [
                        f"<code>{_e(s.id)}</code>",
                        _e(s.value if s.value is not None else "not final"),
                        f"{_e(s.min)} to {_e(s.max)}",
                        _e(s.band or "—"),
                    ]
                    for s in result.scores
                ],
                "No scores.",
            )
        )
        parts.extend(_breakdown(s, r.lang) for s in result.scores if s.breakdown is not None)
    parts.append("<h2>Undetermined rules</h2>")
    parts.append(
        _table(
            ["Rule", "Could raise the tier to", "Waits for"],
            [
                [f"<code>{_e(u.id)}</code>", _e(u.tier or "—"), _rules(u.waits_for)]
                for u in result.undetermined
            ],
            "None: every rule could be decided.",
        )
    )
    return "".join(parts)


def _answers_section(r: _Report) -> str:
    ignored = set(r.result.ignored_answers)
    rows = []
    for section, item, value in _ordered_answers(r.version, r.shown.answers):
        note = (
            '<br><span class="note">Ignored: the question is hidden by other answers.</span>'
            if item.id in ignored
            else ""
        )
        rows.append(
            [
                _e(_localized(section.title, r.lang)),
                f"{_e(_localized(item.text, r.lang))}<br><code>{_e(item.id)}</code>",
                _answer_html(r.version, item, value, r.lang) + note,
            ]
        )
    where = (
        f'<p class="note">As submitted in round {_e(r.shown.round)}.</p>'
        if r.shown.round is not None
        else '<p class="note">The draft\'s answers as they stand.</p>'
    )
    return (
        "<h2>Answers</h2>" + where + _table(["Section", "Question", "Answer"], rows, "No answers.")
    )


def _trace_section(r: _Report) -> str:
    rows = []
    for step in r.result.trace or []:
        facts = "<br>".join(
            f"<code>{_e(f.item)}</code> = "
            + (_e(_value_text(f.value)) if f.state == "answered" else "")
            + f' <span class="muted">({_e(f.state)})</span>'
            for f in step.facts
        )
        rows.append([f"<code>{_e(step.rule)}</code>", _e(step.outcome), facts])
    return "<h2>Trace</h2>" + _table(["Rule", "Outcome", "Facts read"], rows, "No trace recorded.")


def report_html(
    session: Session,
    catalog: Catalog,
    *,
    organization_id: uuid.UUID,
    assessment_id: uuid.UUID,
    accept_language: str | None,
) -> tuple[str, str]:
    """A self-contained printable report (inline CSS, no script); (html, language)."""
    assessment = service.get_assessment(
        session, organization_id=organization_id, assessment_id=assessment_id
    )
    rounds = service.rounds(session, assessment)
    shown = _shown(catalog, assessment, rounds)
    r = _Report(
        catalog=catalog,
        assessment=assessment,
        system=_system(session, assessment),
        rounds=rounds,
        shown=shown,
        lang=pick_language(accept_language, shown.version.languages),
    )
    title = _localized(r.version.model.title, r.lang)
    body = [
        f"<h1>AI risk and impact assessment: {_e(r.subject)}</h1>",
        f'<p class="note">Assessment <code>{_e(assessment.id)}</code> · {_e(title)} · '
        f"report generated {_when(utcnow())}</p>",
        _banner(r),
        _system_section(r),
        _questionnaire_section(r),
        _history_section(r),
        _tier_section(r),
        _obligations_section(r),
        _controls_section(r),
        _flags_scores_undetermined(r),
        _answers_section(r),
        _trace_section(r),
        "<footer>Produced by the AI assessment service. The result is pinned to the "
        "questionnaire version and content hash above and can be reproduced with the scoring "
        "engine named.</footer>",
    ]
    document = (
        f'<!DOCTYPE html>\n<html lang="{_e(r.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Assessment report: {_e(r.subject)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )
    return document, r.lang
