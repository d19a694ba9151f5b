"""Refuse text that no database can store: NUL characters and lone UTF-16 surrogates.

JSON allows both (`"\\u0000"`, `"\\ud800"`), Python strings carry them, but PostgreSQL rejects
NUL in text, UTF-8 cannot encode a lone surrogate, and RFC 8785 canonical JSON (the audit hash)
refuses them. One check at the edge turns what would be a 500 deep inside into a 422 that points
at the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from app.db import READ_METHODS
from app.errors import AppError

_SURROGATES = range(0xD800, 0xE000)
# In valid JSON both can only arrive escaped: \u0000, or \uD800 to \uDFFF. Other escapes (most
# clients write every non-ASCII letter as one) need no second parse of the body.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _bad(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if any(ord(ch) in _SURROGATES for ch in text):
        return "contains a lone UTF-16 surrogate (not valid Unicode text)"
    return None


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def find_unstorable(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, reason) for every string key or value that cannot be stored."""
    if isinstance(value, str):
        reason = _bad(value)
        if reason:
            yield pointer, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = _bad(key)
            child = f"{pointer}/{_escape(key)}"
            if reason:
                yield child, f"the key {reason}"
            yield from find_unstorable(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_unstorable(item, f"{pointer}/{index}")


async def reject_unstorable_text(request: Request) -> None:
    """App-wide dependency: a JSON body with unstorable text is a 422, before any route runs."""
    if request.method in READ_METHODS or request.method == "DELETE":
        return
    if "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if b"\x00" not in body and _SUSPECT.search(body) is None:
        return
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # malformed JSON is reported by the route's own validation
    problems = [
        {"pointer": pointer, "detail": reason, "code": "unstorable_text"}
        for pointer, reason in find_unstorable(data)
    ]
    if problems:
        raise AppError(
            status=422,
            type="unstorable-text",
            title="Invalid request",
            detail="Text values must be valid Unicode without NUL characters; nothing was changed.",
            errors=problems[:100],
        )
