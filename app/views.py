"""What the domains' views share: a response schema filled from the row it shows, field by field
from the attributes of the same name."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Shown = TypeVar("Shown", bound=BaseModel)


def attributes(source: object, *names: str) -> dict[str, Any]:
    """`source`'s attributes of these names, by name."""
    return {name: getattr(source, name) for name in names}


def view(schema: type[Shown], source: object, **given: Any) -> Shown:
    """`schema` with every field read from `source`'s attribute of the same name, but those
    `given` (computed, converted or read from elsewhere)."""
    read = attributes(source, *(name for name in schema.model_fields if name not in given))
    return schema.model_validate({**read, **given})
