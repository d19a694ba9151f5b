"""The condition language and the scoring engine: compile once, evaluate purely, explain.

This package imports nothing else of the app; `app.questionnaires` translates its file models
into the specs of `app.rules.model` and compiles them with `compile_questionnaire`.
"""

from app.rules.conditions import ConditionCompiler
from app.rules.engine import (
    ENGINE_VERSION,
    FactRead,
    FiredRule,
    ObligationResult,
    Requirement,
    Result,
    RuleTrace,
    ScoreResult,
    State,
    TermResult,
    UndeterminedRule,
    evaluate,
    settle,
)
from app.rules.language import Condition, Env, ItemInfo, Kleene, NamedConditions, ScoreInfo, decide
from app.rules.model import (
    ITEM_TYPES,
    BandSpec,
    Citation,
    DerivedSpec,
    ItemSpec,
    ObligationSpec,
    QuestionnaireSpec,
    RuleSpec,
    ScoreSpec,
    ScoreTermSpec,
    SectionSpec,
)
from app.rules.problems import CompileError, InvalidAnswerError, Problem, join_pointer
from app.rules.program import CompiledRule, CompiledScore, Program, compile_questionnaire

__all__ = [
    "ENGINE_VERSION",
    "ITEM_TYPES",
    "BandSpec",
    "Citation",
    "CompileError",
    "CompiledRule",
    "CompiledScore",
    "Condition",
    "ConditionCompiler",
    "DerivedSpec",
    "Env",
    "FactRead",
    "FiredRule",
    "InvalidAnswerError",
    "ItemInfo",
    "ItemSpec",
    "Kleene",
    "NamedConditions",
    "ObligationResult",
    "ObligationSpec",
    "Problem",
    "Program",
    "QuestionnaireSpec",
    "Requirement",
    "Result",
    "RuleSpec",
    "RuleTrace",
    "ScoreInfo",
    "ScoreResult",
    "ScoreSpec",
    "ScoreTermSpec",
    "SectionSpec",
    "State",
    "TermResult",
    "UndeterminedRule",
    "compile_questionnaire",
    "decide",
    "evaluate",
    "join_pointer",
    "settle",
]
