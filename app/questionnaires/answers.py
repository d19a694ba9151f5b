"""Validate answers against a questionnaire version, and its generated answer JSON Schema.

Problems are ``{"pointer": "/answers/<id>", "detail": ..., "code": ...}``, ready for a problem
document. Answers to disabled items are valid here; the engine ignores and reports them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, Protocol, TypedDict

from app.questionnaires.models import (
    BooleanItem,
    DateItem,
    DecimalItem,
    DisplayItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    Option,
    SingleChoiceItem,
    StringItem,
    TextItem,
)
from app.rules.language import valid_date
from app.rules.problems import escape_token


class AnsweredVersion(Protocol):
    """What answers are checked against: a questionnaire version's items and their options."""

    @property
    def key(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def items(self) -> Mapping[str, Item]: ...
    @property
    def options(self) -> Mapping[str, tuple[Option, ...]]: ...


SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


class AnswerProblem(TypedDict):
    """One problem with one answer."""

    pointer: str
    detail: str
    code: str


def _problem(item_id: str, detail: str, code: str) -> AnswerProblem:
    return {"pointer": f"/answers/{escape_token(item_id)}", "detail": detail, "code": code}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_answers(version: AnsweredVersion, answers: object) -> list[AnswerProblem]:
    """Every problem with a set of answers (types, options, bounds, unknown ids)."""
    if not isinstance(answers, Mapping):
        return [
            {
                "pointer": "/answers",
                "detail": "answers are a JSON object from item id to value",
                "code": "type",
            }
        ]
    problems: list[AnswerProblem] = []
    for key, value in answers.items():
        item = version.items.get(key)
        if item is None:
            problems.append(
                _problem(str(key), f"no item '{key}' in this questionnaire", "unknown_item")
            )
            continue
        if value is None and not isinstance(item, DisplayItem):
            continue
        problems.extend(_check(item, value, version.options.get(item.id, ())))
    return problems


def _check(item: Item, value: Any, options: tuple[Option, ...]) -> list[AnswerProblem]:
    i = item.id
    if isinstance(item, DisplayItem):
        return [_problem(i, "a display item is never answered", "display_item")]
    if isinstance(item, BooleanItem):
        if not isinstance(value, bool):
            return [_problem(i, "expected true or false", "type")]
        return []
    if isinstance(item, SingleChoiceItem):
        if not isinstance(value, str):
            return [_problem(i, "expected one option code (a string)", "type")]
        if value not in {o.code for o in options}:
            return [_problem(i, f"'{value}' is not an option of this item", "unknown_option")]
        return []
    if isinstance(item, MultiChoiceItem):
        return _check_multi(item, value, options)
    if isinstance(item, IntegerItem | DecimalItem):
        return _check_number(item, value)
    if isinstance(item, StringItem | TextItem):
        if not isinstance(value, str):
            return [_problem(i, "expected a string", "type")]
        if len(value) > item.max_length:
            return [_problem(i, f"longer than {item.max_length} characters", "max_length")]
        if isinstance(item, StringItem):
            if "\n" in value or "\r" in value:
                return [_problem(i, "a one-line answer may not contain line breaks", "line_break")]
            if item.pattern is not None and not re.search(item.pattern, value):
                return [_problem(i, f"does not match the pattern {item.pattern}", "pattern")]
        return []
    return _check_date(item, value)


def _check_multi(
    item: MultiChoiceItem, value: Any, options: tuple[Option, ...]
) -> list[AnswerProblem]:
    i = item.id
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        return [_problem(i, "expected a list of option codes", "type")]
    codes = {o.code for o in options}
    out = [
        _problem(i, f"'{c}' is not an option of this item", "unknown_option")
        for c in value
        if c not in codes
    ]
    if len(set(value)) != len(value):
        out.append(_problem(i, "an option is selected more than once", "duplicate_option"))
    exclusive = [o.code for o in options if o.exclusive and o.code in value]
    if exclusive and len(set(value)) > 1:
        out.append(
            _problem(
                i,
                f"'{exclusive[0]}' cannot be selected together with other options",
                "exclusive_option",
            )
        )
    if item.min_selected is not None and len(value) < item.min_selected:
        out.append(_problem(i, f"select at least {item.min_selected}", "min_selected"))
    if item.max_selected is not None and len(value) > item.max_selected:
        out.append(_problem(i, f"select at most {item.max_selected}", "max_selected"))
    return out


def _check_number(item: IntegerItem | DecimalItem, value: Any) -> list[AnswerProblem]:
    i = item.id
    if isinstance(item, IntegerItem):
        if not _is_int(value):
            return [_problem(i, "expected an integer", "type")]
    elif (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        return [_problem(i, "expected a number", "type")]
    if item.minimum is not None and value < item.minimum:
        return [_problem(i, f"less than the minimum {item.minimum}", "minimum")]
    if item.maximum is not None and value > item.maximum:
        return [_problem(i, f"more than the maximum {item.maximum}", "maximum")]
    return []


def _check_date(item: DateItem, value: Any) -> list[AnswerProblem]:
    i = item.id
    if not valid_date(value):
        return [_problem(i, 'expected a date "YYYY-MM-DD"', "date_format")]
    day = date.fromisoformat(value)
    if item.minimum is not None and day < date.fromisoformat(item.minimum):
        return [_problem(i, f"before the earliest date {item.minimum}", "minimum")]
    if item.maximum is not None and day > date.fromisoformat(item.maximum):
        return [_problem(i, f"after the latest date {item.maximum}", "maximum")]
    return []


def required_problems(missing: Iterable[str]) -> list[AnswerProblem]:
    """One problem per required question left unanswered (an evaluation's `missing_required`)."""
    return [_problem(i, "this question is required", "required") for i in missing]


def answer_schema(version: AnsweredVersion) -> dict[str, Any]:
    """The JSON Schema (2020-12) of an answers object for this version.

    Date bounds and cross-item rules are not expressible here; `validate_answers` checks them.
    """
    properties: dict[str, Any] = {}
    for item in version.items.values():
        if isinstance(item, DisplayItem):
            continue
        properties[item.id] = _item_schema(item, version.options.get(item.id, ()))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{version.key}/{version.version}/answers.schema.json",
        "title": f"Answers to {version.key} {version.version}",
        "description": "Item id -> answer; null or absent means unanswered.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _item_schema(item: Item, options: tuple[Option, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": item.text["en"]}
    if isinstance(item, BooleanItem):
        out["type"] = ["boolean", "null"]
    elif isinstance(item, SingleChoiceItem):
        out["enum"] = [o.code for o in options] + [None]
    elif isinstance(item, MultiChoiceItem):
        out["type"] = ["array", "null"]
        out["items"] = {"enum": [o.code for o in options]}
        out["uniqueItems"] = True
        if item.min_selected is not None:
            out["minItems"] = item.min_selected
        if item.max_selected is not None:
            out["maxItems"] = item.max_selected
        exclusive = [o.code for o in options if o.exclusive]
        if exclusive:
            out["allOf"] = [
                {"not": {"type": "array", "contains": {"const": code}, "minItems": 2}}
                for code in exclusive
            ]
    elif isinstance(item, IntegerItem | DecimalItem):
        out["type"] = ["integer" if isinstance(item, IntegerItem) else "number", "null"]
        if item.minimum is not None:
            out["minimum"] = item.minimum
        if item.maximum is not None:
            out["maximum"] = item.maximum
    elif isinstance(item, StringItem):
        out["type"] = ["string", "null"]
        out["maxLength"] = item.max_length
        patterns = [{"pattern": "^[^\\n\\r]*$"}]
        if item.pattern is not None:
            patterns.append({"pattern": item.pattern})
        out["allOf"] = patterns
    elif isinstance(item, TextItem):
        out["type"] = ["string", "null"]
        out["maxLength"] = item.max_length
    elif isinstance(item, DateItem):
        out["type"] = ["string", "null"]
        out["format"] = "date"
        out["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
    return out
