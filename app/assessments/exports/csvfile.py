"""CSV of an assessment's answers, one row per answer of every round and of the draft in
progress, and the CSV writer every export shares (cells neutralised against formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlmodel import Session

from app.assessments import service
from app.assessments.exports.common import (
    answer_label,
    decision_text,
    ordered_answers,
    value_text,
    version_or_none,
)
from app.assessments.models import Assessment, AssessmentStatus
from app.controls.i18n import pick_language, text_in
from app.questionnaires.catalog import Catalog, QuestionnaireVersion

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

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
        version = version_or_none(
            catalog, pin.get("key", ""), pin.get("version", ""), pin.get("content_hash", "")
        ) or service.pinned_version(catalog, assessment)
        sets.append(
            _Answered(
                round=found.round,
                status=decision_text(found.decision),
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
    session: Session, catalog: Catalog, assessment: Assessment, accept_language: str | None
) -> tuple[str, str]:
    """One row per answer of every round (and of the draft in progress); (text, language)."""
    pinned = service.pinned_version(catalog, assessment)
    language = pick_language(accept_language, pinned.languages)
    rows: list[list[object]] = []
    for answered in _answer_sets(session, catalog, assessment):
        version = answered.version
        for section, item, value in ordered_answers(version, answered.answers):
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
                    value_text(value),
                    answer_label(version, item, value, language),
                    "no" if ignored else "yes",
                    "yes" if ignored else "no",
                ]
            )
    return write_csv(CSV_COLUMNS, rows), language
