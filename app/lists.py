"""List field types shared by the domains' schemas."""

from __future__ import annotations

from typing import TypeVar

from pydantic import AfterValidator

Value = TypeVar("Value")


def distinct(values: list[Value]) -> list[Value]:
    """The values with repeats left out, in the order they were first given."""
    return list(dict.fromkeys(values))


# `Annotated[list[X], Distinct]`: a list whose repeats are dropped (after it is validated).
Distinct = AfterValidator(distinct)
