"""Compile-time problems of the condition language and questionnaire logic, with JSON pointers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def escape_token(token: str | int) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    """Append reference tokens to a JSON pointer."""
    return base + "".join("/" + escape_token(t) for t in tokens)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while compiling: where (JSON pointer into the file), what, and a code."""

    pointer: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class CompileError(ValueError):
    """Raised with every problem found, never only the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class InvalidAnswerError(ValueError):
    """An answer the engine cannot read (unknown item, display item or a value of the wrong type).

    Validate answers first (``app.questionnaires.answers``); the engine only refuses what would
    otherwise make it compute nonsense.
    """

    def __init__(self, item_id: str, message: str) -> None:
        self.item_id = item_id
        super().__init__(f"/answers/{escape_token(item_id)}: {message}")
