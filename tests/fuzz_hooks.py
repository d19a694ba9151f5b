"""Schemathesis hooks for tests/test_fuzz.py: one check of our own, and a client that behaves.

Loaded by schemathesis itself (see tests/schemathesis.toml), never collected by pytest.
"""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis

# Response headers the contract promises where a response carries them.
DECLARED_HEADERS = ("etag", "location")


@schemathesis.check
def response_headers_are_declared(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every ETag or Location a response carries is declared for that operation and status, so
    that generated clients expose it."""
    responses = case.operation.definition.raw.get("responses", {})
    entry = responses.get(str(response.status_code)) or responses.get("default") or {}
    declared = {name.lower() for name in entry.get("headers", {})}
    sent = {name.lower() for name in response.headers}
    undeclared = [h for h in DECLARED_HEADERS if h in sent and h not in declared]
    if undeclared:
        raise AssertionError(
            f"{response.status_code} carries {', '.join(undeclared)} that "
            f"{case.operation.method.upper()} {case.operation.path} does not declare"
        )
    return None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A new Idempotency-Key for every valid request, as the contract asks of clients: generated
    keys repeat across different bodies, which the API rightly refuses (422, key reused).
    Negative cases keep theirs: they test what the key itself may be."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            case.headers[name] = str(uuid.uuid4())
