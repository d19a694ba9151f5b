"""Canonical JSON (RFC 8785) and its SHA-256: one hash for questionnaire content, audit events,
Statement of Applicability digests and idempotency fingerprints."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

import rfc8785

# Integers RFC 8785 can represent exactly (those of an IEEE 754 double).
_SAFE_INT: Final = 2**53 - 1
_BMP_END: Final = 0xFFFF


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value.

    For values of strings, safe integers, booleans, null, lists and objects whose keys lie in the
    Basic Multilingual Plane (all our documents), that form is exactly what the standard library's
    C encoder writes with sorted keys and no spaces: the same escapes, and code-point order equals
    UTF-16 order for such keys. Anything else (floats, a key beyond U+FFFF, other types) takes the
    reference implementation, which also raises for what JSON cannot hold.
    """
    if _plain(value):
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the reference implementation says why it is refused
    return rfc8785.dumps(value)


def canonical_hash(value: Any) -> str:
    """Lower-case hex SHA-256 of the RFC 8785 canonical form of a JSON value."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _plain(value: Any) -> bool:
    """Whether `value` holds only what the standard library encodes canonically (see above)."""
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is str or kind is bool or node is None:
            continue
        if kind is int:
            if -_SAFE_INT <= node <= _SAFE_INT:
                continue
            return False
        if kind is dict:
            for key in node:
                if type(key) is not str or (
                    not key.isascii() and any(ord(char) > _BMP_END for char in key)
                ):
                    return False
            stack.extend(node.values())
        elif kind is list or kind is tuple:
            stack.extend(node)
        else:
            return False
    return True
