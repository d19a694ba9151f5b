"""The printable HTML report of one assessment for auditors: result, rationale, citations,
answers and trace, rendered from the `report.html` template (Jinja2, autoescape on)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from app import templating
from app.assessments import service
from app.assessments.exports.common import (
    decision_text,
    option_labels,
    ordered_answers,
    system_of,
    value_text,
    version_or_none,
)
from app.assessments.holding import binding, held_by
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus
from app.controls.i18n import pick_language, text_in
from app.db import utcnow
from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.questionnaires.models import BooleanItem, Item, Section
from app.questionnaires.schemas import EvaluationResult

# How a term of an itemised score reads in the breakdown.
_TERM_APPLIES: Final = {"true": "yes", "false": "no", "unknown": "not yet known"}


@dataclass(frozen=True)
class EvidenceFile:
    """A file a supplier attached to its answers, as the report lists it."""

    filename: str
    round: int
    item_id: str | None
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True)
class SupplierFacts:
    """Who answered a supplier's assessment and the files it attached."""

    name: str
    evidence: Sequence[EvidenceFile]


# Suppliers sit above assessments, so the app factory installs how a supplier is looked up.
SupplierFactsLookup = Callable[[Session, Assessment], SupplierFacts | None]
_supplier_facts: SupplierFactsLookup | None = None


def install_supplier_facts(lookup: SupplierFactsLookup) -> None:
    """Called once by the app factory."""
    global _supplier_facts
    _supplier_facts = lookup


@dataclass(frozen=True)
class _Shown:
    """The result the report shows, and where it came from."""

    result: EvaluationResult
    answers: Mapping[str, Any]
    version: QuestionnaireVersion
    round: int | None  # None: the live preview of a draft


@dataclass(frozen=True)
class _AnswerRow:
    section: Section
    item: Item
    value: Any
    text: str
    labels: str
    boolean: bool
    ignored: bool


def _shown(catalog: Catalog, assessment: Assessment, rounds: Sequence[AssessmentRound]) -> _Shown:
    if rounds:
        latest = rounds[-1]
        result = EvaluationResult.model_validate(latest.result)
        pin = result.questionnaire
        version = version_or_none(
            catalog, pin.key, pin.version, pin.content_hash
        ) or service.pinned_version(catalog, assessment)
        return _Shown(result, latest.answers, version, latest.round)
    version = service.pinned_version(catalog, assessment)
    live = version.evaluate(assessment.answers, as_of=service.today(), trace=True)
    return _Shown(
        EvaluationResult.model_validate(live.to_dict()), assessment.answers, version, None
    )


def _answer_rows(shown: _Shown, language: str) -> list[_AnswerRow]:
    ignored = set(shown.result.ignored_answers)
    return [
        _AnswerRow(
            section=section,
            item=item,
            value=value,
            text=value_text(value),
            labels=option_labels(shown.version, item, value, language),
            boolean=isinstance(item, BooleanItem),
            ignored=item.id in ignored,
        )
        for section, item, value in ordered_answers(shown.version, shown.answers)
    ]


def report_html(
    session: Session, catalog: Catalog, assessment: Assessment, accept_language: str | None
) -> tuple[str, str]:
    """A self-contained printable report (inline CSS, no script); (html, language)."""
    rounds = service.rounds(session, assessment)
    shown = _shown(catalog, assessment, rounds)
    system = system_of(session, assessment)
    supplier = _supplier_facts(session, assessment) if _supplier_facts and system is None else None
    lang = pick_language(accept_language, shown.version.languages)

    def localized(value: Mapping[str, str] | None) -> str:
        return text_in(dict(value), lang) if value else ""

    if system is not None:
        subject = system.name
    elif supplier is not None:
        subject = supplier.name
    elif assessment.supplier_id is None:
        subject = "the organisation"
    else:
        subject = f"supplier {assessment.supplier_id}"
    document = templating.render(
        "app.assessments.exports",
        "report.html",
        lang=lang,
        subject=subject,
        title=localized(shown.version.model.title),
        generated_at=utcnow(),
        assessment=assessment,
        changes_requested=assessment.status == AssessmentStatus.DRAFT,
        system=system,
        supplier=supplier,
        rounds=rounds,
        shown=shown,
        result=shown.result,
        version=shown.version,
        tier=next(
            (t for t in shown.version.model.scoring.tiers if t.id == shown.result.tier), None
        ),
        answers=_answer_rows(shown, lang),
        controls=catalog.controls,
        localized=localized,
        decision_text=decision_text,
        value_text=value_text,
        term_applies=_TERM_APPLIES,
        held_by=held_by,
        binding=binding,
    )
    return document + "\n", lang
