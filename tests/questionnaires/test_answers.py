"""Answer validation, the answer JSON Schema, and the committed file-format schema."""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.questionnaires.answers import AnswerProblem, required_problems, validate_answers
from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, QuestionnaireVersion, load_catalog
from app.questionnaires.schema import DEFAULT_SCHEMA_DIR, write_schemas
from tests.factories import CV_SCREENING

_TRIAGE = load_catalog(DEFAULT_ROOT).get("ai-use-triage", "1.0.0")
# 1.0.0 has no Annex I question; a fractional share checks that decimals pass.
VALID: dict[str, Any] = {
    **{k: v for k, v in CV_SCREENING.items() if k != "annex_i_product"},
    "automation_share": 12.5,
}


@pytest.fixture
def triage(catalog: Catalog) -> QuestionnaireVersion:
    return catalog.get("ai-use-triage", "1.0.0")


def missing(version: QuestionnaireVersion, answers: dict[str, Any]) -> list[AnswerProblem]:
    result = version.evaluate(answers, as_of=date(2026, 11, 27), trace=False)
    return required_problems(result.missing_required)


def test_committed_format_schemas_are_current() -> None:
    assert write_schemas(DEFAULT_SCHEMA_DIR, check=True) == []


def test_valid_answers(triage: QuestionnaireVersion) -> None:
    assert validate_answers(triage, VALID) == []
    assert missing(triage, VALID) == []


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        ({"nope": 1}, "/answers/nope", "unknown_item"),
        ({"intro": "x"}, "/answers/intro", "display_item"),
        ({"uses_ai": True}, "/answers/uses_ai", "type"),
        ({"uses_ai": "maybe"}, "/answers/uses_ai", "unknown_option"),
        ({"purpose_areas": "employment"}, "/answers/purpose_areas", "type"),
        (
            {"purpose_areas": ["employment", "employment"]},
            "/answers/purpose_areas",
            "duplicate_option",
        ),
        ({"purpose_areas": ["none", "employment"]}, "/answers/purpose_areas", "exclusive_option"),
        ({"purpose_areas": []}, "/answers/purpose_areas", "min_selected"),
        ({"purpose_areas": ["mars"]}, "/answers/purpose_areas", "unknown_option"),
        ({"people_affected": 1.5}, "/answers/people_affected", "type"),
        ({"people_affected": True}, "/answers/people_affected", "type"),
        ({"people_affected": -1}, "/answers/people_affected", "minimum"),
        ({"automation_share": 101}, "/answers/automation_share", "maximum"),
        ({"automation_share": "50"}, "/answers/automation_share", "type"),
        ({"use_case_name": "x" * 121}, "/answers/use_case_name", "max_length"),
        ({"use_case_name": "two\nlines"}, "/answers/use_case_name", "line_break"),
        ({"owner_email": "not-an-email"}, "/answers/owner_email", "pattern"),
        ({"planned_start": "2026-02-30"}, "/answers/planned_start", "date_format"),
        ({"planned_start": "01/03/2026"}, "/answers/planned_start", "date_format"),
        ({"planned_start": "2019-12-31"}, "/answers/planned_start", "minimum"),
        ({"planned_start": "2036-01-01"}, "/answers/planned_start", "maximum"),
        ({"interacts_with_people": "yes"}, "/answers/interacts_with_people", "type"),
    ],
)
def test_invalid_answers(
    triage: QuestionnaireVersion, change: dict[str, Any], pointer: str, code: str
) -> None:
    problems = validate_answers(triage, {**VALID, **change})
    assert {"pointer": pointer, "code": code} in [
        {"pointer": p["pointer"], "code": p["code"]} for p in problems
    ]


def test_answers_must_be_an_object(triage: QuestionnaireVersion) -> None:
    assert validate_answers(triage, ["x"])[0]["pointer"] == "/answers"


def test_disabled_answers_are_valid_and_required_only_when_enabled(
    triage: QuestionnaireVersion,
) -> None:
    answers = {**VALID, "affects_individuals": "no"}
    assert validate_answers(triage, answers) == []
    del answers["use_case_name"]
    del answers["people_affected"]  # disabled now: not missing
    assert [p["pointer"] for p in missing(triage, answers)] == ["/answers/use_case_name"]


def test_answer_schema_is_valid_2020_12(triage: QuestionnaireVersion) -> None:
    schema = triage.answer_schema
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert "intro" not in schema["properties"]
    assert schema["properties"]["uses_ai"]["enum"] == ["yes", "no", "unsure", None]


answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2_000_000),
    st.floats(-5, 200, allow_nan=False),
    st.sampled_from(["yes", "no", "buy", "none", "employment", "2026-01-01", "a@b.cd", "x"]),
    st.lists(st.sampled_from(["none", "employment", "education", "mars"]), max_size=3),
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from([*VALID, "intro", "nope"]), answer_values, max_size=6))
def test_answer_schema_agrees_with_the_validator(answers: dict[str, Any]) -> None:
    triage = _TRIAGE
    schema_ok = jsonschema.Draft202012Validator(triage.answer_schema).is_valid(answers)
    ours = validate_answers(triage, answers)
    # The schema cannot express date bounds, and JSON Schema counts 2.0 as an integer while we
    # insist on a JSON integer; everything else must agree.
    integral_float = isinstance(answers.get("people_affected"), float)
    if not integral_float and not any(
        p["code"] in ("minimum", "maximum") and "planned_start" in p["pointer"] for p in ours
    ):
        assert schema_ok == (ours == []), ours
