"""Partial updates (PATCH bodies): a field left out keeps its value; null clears only the fields
that may be empty, and only those are declared nullable in the contract.

A field typed `X | SkipJsonSchema[None] = None` may be left out but not sent as null: it is
refused with 422 at validation, before the write looks at If-Match, and its schema carries no
`"default": null` that would contradict its own type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        if prop.get("default", "") is None and not _accepts_null(prop):
            del prop["default"]


def _accepts_null(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(
        option.get("type") == "null" for option in prop.get("anyOf", [])
    )


class PartialUpdate(BaseModel):
    """Base of PATCH bodies; `nullable` names the fields that null clears."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_drop_null_defaults)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_nullable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("cannot be null; leave it out to keep its value")
        return value
