"""Refuse text that no database can store (NUL, lone UTF-16 surrogates), and names that carry
control characters.

JSON allows both (`"\\u0000"`, `"\\ud800"`), Python strings carry them, but PostgreSQL rejects
NUL in text, UTF-8 cannot encode a lone surrogate, and RFC 8785 canonical JSON (the audit hash)
refuses them. One check at the edge turns what would be a 500 deep inside into a 422 that points
at the value: JSON bodies in `app.request_guard`, query, path and header values here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from app.errors import InvalidRequestError, ProblemType, field_problem
from app.jsonpointer import escape_token

_SURROGATES = range(0xD800, 0xE000)
# In valid JSON both can only arrive escaped: \u0000, or \uD800 to \uDFFF. Other escapes (most
# clients write every non-ASCII letter as one) need no second parse of the body.
SUSPECT_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _bad(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if any(ord(ch) in _SURROGATES for ch in text):
        return "contains a lone UTF-16 surrogate (not valid Unicode text)"
    return None


def find_unstorable(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, reason) for every string key or value that cannot be stored."""
    if isinstance(value, str):
        reason = _bad(value)
        if reason:
            yield pointer, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = _bad(key)
            child = f"{pointer}/{escape_token(key)}"
            if reason:
                yield child, f"the key {reason}"
            yield from find_unstorable(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_unstorable(item, f"{pointer}/{index}")


async def reject_unstorable_text(request: Request) -> None:
    """App-wide dependency: a query, path or header value with unstorable text is a 422 naming it.

    JSON bodies are checked before this, by `app.request_guard`, which points into them.
    """
    problems: list[dict[str, str]] = []
    for where in (request.query_params, request.path_params):
        for name, value in where.items():
            reason = _bad(value) if isinstance(value, str) else None
            if reason:
                problems.append({"parameter": name, "detail": reason, "code": "unstorable_text"})
    for raw_name, raw_value in request.scope["headers"]:
        if b"\x00" in raw_value:
            problems.append(
                {
                    "parameter": _header_name(raw_name),
                    "detail": "contains a NUL character",
                    "code": "unstorable_text",
                }
            )
    if problems:
        raise InvalidRequestError(
            ProblemType.UNSTORABLE_TEXT,
            "Text values must be valid Unicode without NUL characters; nothing was changed.",
            errors=problems,
        )


def _header_name(raw: bytes) -> str:
    return "-".join(part.capitalize() for part in raw.decode("latin-1").split("-"))


# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls that
# make text display in another order than it is stored.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def control_character(text: str) -> str | None:
    """A description of the first control character in `text`, if there is one."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    label = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({label.lower()}) at position {found.start()}"


def refuse_control_characters(text: str) -> str:
    """Pydantic validator of one-line text (names): control characters are refused."""
    found = control_character(text)
    if found is not None:
        raise ValueError(f"must be one line of text without control characters; found {found}")
    return text


def check_name(value: str, *, field: str = "name") -> str:
    """The same rule for names that arrive outside a request body (the command line)."""
    found = control_character(value)
    if found is not None:
        raise InvalidRequestError(
            ProblemType.VALIDATION_ERROR,
            f"The {field} must be one line of text without control characters.",
            errors=[field_problem(f"/{field}", f"found {found}", code="value_error")],
        )
    return value
