"""What the exports share: the pinned questionnaire version, its answerable items in order and
answers as text, so the CSV and the report read an assessment the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlmodel import Session

from app.assessments.models import Assessment, Decision
from app.controls.i18n import FALLBACK, text_in
from app.questionnaires.catalog import Catalog, QuestionnaireNotFoundError, QuestionnaireVersion
from app.questionnaires.models import (
    BooleanItem,
    DisplayItem,
    Item,
    MultiChoiceItem,
    Section,
    SingleChoiceItem,
)
from app.systems import service as systems_service
from app.systems.models import AISystem

# How a yes / no answer reads in each language the questionnaires are written in.
_YES_NO: Final[dict[str, tuple[str, str]]] = {"en": ("Yes", "No"), "de": ("Ja", "Nein")}


def version_or_none(
    catalog: Catalog, key: str, version: str, content_hash: str
) -> QuestionnaireVersion | None:
    """The loaded version with exactly this content hash, or None."""
    try:
        found = catalog.get(key, version)
    except QuestionnaireNotFoundError:
        return None
    return found if found.content_hash == content_hash else None


def answerable_items(version: QuestionnaireVersion) -> list[tuple[Section, Item]]:
    """Every answerable item with its section, in questionnaire order."""
    return [
        (section, item)
        for section in version.model.sections
        for item in section.items
        if not isinstance(item, DisplayItem)
    ]


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(value_text(v) for v in value)
    return str(value)


def option_labels(version: QuestionnaireVersion, item: Item, value: Any, language: str) -> str:
    """The option label(s) of a choice answer, else ''."""
    if not isinstance(item, SingleChoiceItem | MultiChoiceItem):
        return ""
    by_code = {o.code: text_in(dict(o.label), language) for o in version.options.get(item.id, ())}
    codes = value if isinstance(value, list) else [value]
    return "; ".join(by_code.get(str(c), str(c)) for c in codes)


def answer_label(version: QuestionnaireVersion, item: Item, value: Any, language: str) -> str:
    """What an answer reads as: the option label(s) of a choice, yes or no for a boolean."""
    if isinstance(item, BooleanItem) and isinstance(value, bool):
        yes, no = _YES_NO.get(language, _YES_NO[FALLBACK])
        return yes if value else no
    return option_labels(version, item, value, language)


def ordered_answers(
    version: QuestionnaireVersion, answers: Mapping[str, Any]
) -> list[tuple[Section, Item, Any]]:
    return [
        (s, i, answers[i.id]) for s, i in answerable_items(version) if answers.get(i.id) is not None
    ]


def decision_text(decision: str | None) -> str:
    return {
        Decision.APPROVE.value: "approved",
        Decision.REJECT.value: "rejected",
        Decision.REQUEST_CHANGES.value: "changes requested",
    }.get(decision or "", "submitted, awaiting review")


def system_of(session: Session, assessment: Assessment) -> AISystem | None:
    """The AI system assessed; None for a supplier's answers."""
    if assessment.system_id is None:
        return None
    return systems_service.system_of_organization(
        session, assessment.organization_id, assessment.system_id
    )
