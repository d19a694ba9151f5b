"""Optimistic concurrency: a revision number exposed as a strong ETag; writes need If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from app.errors import PreconditionFailedError, PreconditionRequiredError

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag of the revision this write changes (required).",
    ),
]


def etag(revision: int) -> str:
    return f'"r{revision}"'


def check_if_match(if_match: str | None, revision: int) -> None:
    """Raise 428 when If-Match is missing and 412 when none of its tags is the current one."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError()
    current = etag(revision)
    candidates = [tag.strip() for tag in if_match.split(",")]
    # Weak tags never match under If-Match (RFC 9110 13.1.1 uses strong comparison).
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailedError(current)
