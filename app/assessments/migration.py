"""Moving a draft's answers to a newer version of its questionnaire (a pure function, no I/O).

A version may declare how answers of earlier versions move to it, in its `migrations` list
(typed as `app.questionnaires.models.Migration` and checked against both versions at load):

    {"from": "1.0.0", "renamed": {"old_id": "new_id"},
     "recoded": {"new_id": {"old_code": "new_code"}}, "dropped": ["old_id"]}

Answers are carried over by id (after renaming and recoding); an answer whose item is gone, or
that is no longer valid, is reported and left out; what is then required and unanswered must be
answered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.questionnaires.catalog import QuestionnaireVersion
from app.questionnaires.models import Migration
from app.rules import settle


def declared_step(source: QuestionnaireVersion, target: QuestionnaireVersion) -> Migration:
    """The steps `target` declares for answers of `source` (none declared: carry over by id)."""
    for step in target.model.migrations or []:
        if step.from_ == source.version:
            return step
    return Migration(from_=source.version)


@dataclass
class MigrationPlan:
    """What moving the answers does: the new answers and a report of every change."""

    source: str
    target: str
    answers: dict[str, Any]
    carried: list[str] = field(default_factory=list)
    renamed: list[dict[str, str]] = field(default_factory=list)
    recoded: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)
    to_answer: list[str] = field(default_factory=list)


def _recode(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, list):
        return list(dict.fromkeys(table.get(v, v) if isinstance(v, str) else v for v in value))
    return value


def plan_migration(
    source: QuestionnaireVersion, target: QuestionnaireVersion, answers: dict[str, Any]
) -> MigrationPlan:
    spec = declared_step(source, target)
    plan = MigrationPlan(source=source.ref, target=target.ref, answers={})
    for old_id, value in sorted(answers.items()):
        if value is None:
            continue
        if old_id in spec.dropped:
            plan.dropped.append({"item": old_id, "reason": f"{target.ref} drops this question"})
            continue
        new_id = spec.renamed.get(old_id, old_id)
        if new_id not in target.program.items:
            plan.dropped.append({"item": old_id, "reason": f"{target.ref} has no such question"})
            continue
        if new_id != old_id:
            plan.renamed.append({"from": old_id, "to": new_id})
        table = spec.recoded.get(new_id)
        if table:
            recoded = _recode(value, table)
            if recoded != value:
                plan.recoded.append({"item": new_id, "from": value, "to": recoded})
            value = recoded
        problems = target.validate({new_id: value})
        if problems:
            plan.dropped.append(
                {"item": new_id, "reason": "; ".join(p["detail"] for p in problems)}
            )
            continue
        plan.answers[new_id] = value
        plan.carried.append(new_id)
    state = settle(target.program, plan.answers)
    plan.to_answer = [
        i for i in target.program.required if state.items.get(i) is True and i not in state.facts
    ]
    return plan
