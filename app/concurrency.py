"""Optimistic concurrency: a revision number exposed as a strong ETag; writes need If-Match."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Header, Response

from app.errors import ETAG_HEADER, PreconditionFailedError, PreconditionRequiredError

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag of the revision this write changes, or `*` for whatever revision "
        "is current. Required: without it the write is refused with 428.",
    ),
]

LOCATION_HEADER: dict[str, Any] = {
    "description": "The path of the resource created.",
    "required": True,
    "schema": {"type": "string"},
}


def etag_response(
    status: int, *, always: bool = True, location: bool = False, description: str | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry declaring that a success carries the resource's ETag (and,
    for a creation, its Location); FastAPI merges it into the route's own response."""
    headers: dict[str, Any] = {"ETag": {**ETAG_HEADER, "required": always}}
    if location:
        headers["Location"] = LOCATION_HEADER
    entry: dict[str, Any] = {"headers": headers}
    if description is not None:
        entry["description"] = description
    return {status: entry}


def etag(revision: int) -> str:
    return f'"r{revision}"'


View = TypeVar("View")


def with_etag(response: Response, revision: int, view: View) -> View:
    """Answer `view` with the ETag of `revision`: what a read or a write of one resource returns."""
    response.headers["ETag"] = etag(revision)
    return view


def none_match(if_none_match: str | None, current: str) -> bool:
    """Whether If-None-Match names the current representation: a 304 for a conditional GET.
    Weak comparison (RFC 9110 13.1.2): `W/"x"` matches `"x"`."""
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or current in candidates


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
