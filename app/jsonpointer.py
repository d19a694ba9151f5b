"""JSON pointers (RFC 6901) for problem details: one escaping of reference tokens for the app.

`app.rules` keeps its own copy (`rules.problems.escape_token`): it imports nothing of the app.
"""

from __future__ import annotations

from collections.abc import Iterable


def escape_token(token: str | int) -> str:
    """Escape one reference token: '~' as '~0', '/' as '~1'."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(tokens: Iterable[str | int]) -> str:
    """The pointer made of these reference tokens ('' for none)."""
    return "".join("/" + escape_token(t) for t in tokens)
