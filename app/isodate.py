"""Dates in request bodies are ISO 8601 text, as the contract says (`format: date`, `date-time`).

Pydantic would also read a number as a date or a moment (days or seconds since 1970); the
contract does not allow it, and a client sending one has a bug it should hear about.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a date is written as ISO 8601 text (2026-12-01), not a number")
    return value


TextDate = Annotated[date, BeforeValidator(_not_a_number)]
TextMoment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
