"""Partial updates (PATCH bodies): a field left out keeps its value; null clears only nullable ones.

A field typed `X | SkipJsonSchema[None] = None` may be left out but not sent as null; its schema
must then not carry `"default": null` either, which would contradict its own type.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        if prop.get("default", "") is None and not _accepts_null(prop):
            del prop["default"]


def _accepts_null(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(
        option.get("type") == "null" for option in prop.get("anyOf", [])
    )


PARTIAL_UPDATE = ConfigDict(extra="forbid", json_schema_extra=_drop_null_defaults)
