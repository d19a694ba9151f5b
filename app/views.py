"""What the domains' views share: a response schema (or any record with named fields) filled from
the row it shows, field by field from the attributes of the same name."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

Shown = TypeVar("Shown")


def attributes(source: object, *names: str) -> dict[str, Any]:
    """`source`'s attributes of these names, by name."""
    return {name: getattr(source, name) for name in names}


def _fields(schema: type[Any]) -> list[str]:
    """The fields of a pydantic model or a dataclass, in their order."""
    if issubclass(schema, BaseModel):
        return list(schema.model_fields)
    return [field.name for field in dataclasses.fields(schema)]


def view(schema: type[Shown], source: object, **given: Any) -> Shown:
    """`schema` with every field read from `source`'s attribute of the same name (as pydantic's
    `from_attributes` reads them: a field `source` lacks takes its default), but those `given`
    (computed, converted or read from elsewhere)."""
    names = [name for name in _fields(schema) if name not in given and hasattr(source, name)]
    return schema(**attributes(source, *names), **given)
