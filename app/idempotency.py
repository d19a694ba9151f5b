"""Idempotency-Key for POSTs that create resources: a retried request gets the first answer.

The first response to a key is stored with a fingerprint of the request; the same key with the
same request replays it (header ``Idempotent-Replayed: true``), with another request is a 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Field, Session, SQLModel, select

from app.auth import Caller
from app.canonical import canonical_hash
from app.concurrency import etag
from app.db import JSONType, UTCDateTime, utcnow
from app.errors import InvalidRequestError, ProblemType, parameter_problem

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string; a retry with the same key returns the first response.",
    ),
]

REPLAYED_HEADERS = ("ETag", "Location")

# What a creation answers: the status, the body and the headers to send (and to replay).
Created = tuple[int, BaseModel, dict[str, str]]


def created(
    view: BaseModel, *, location: str | None = None, revision: int | None = None
) -> Created:
    """201 with `view`, the Location of the new resource and its ETag (for those that have them)."""
    headers: dict[str, str] = {}
    if location is not None:
        headers["Location"] = location
    if revision is not None:
        headers["ETag"] = etag(revision)
    return 201, view, headers


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("organization_id", "key", name="uq_idempotency_org_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    key: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)
    status_code: int
    body: Any = Field(sa_type=JSONType)
    headers: dict[str, str] = Field(sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def fingerprint(method: str, path: str, payload: BaseModel | None) -> str:
    """The request a key was first used for: method, path and body, hashed as canonical JSON."""
    body = payload.model_dump(mode="json") if payload is not None else None
    return canonical_hash([method, path, body])


@dataclass(frozen=True)
class Idempotency:
    """The Idempotency-Key of a creating request, with the method and path it was sent to."""

    key: str | None
    method: str
    path: str

    def run(
        self,
        session: Session,
        *,
        caller: Caller,
        body: BaseModel | None,
        create: Callable[[], Created],
    ) -> JSONResponse:
        """Run ``create`` once per key of the caller's organisation; a retry of the same request
        replays its response."""
        request_fingerprint = fingerprint(self.method, self.path, body)
        if self.key is not None:
            record = session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == caller.organization_id,
                    IdempotencyRecord.key == self.key,
                )
            ).first()
            if record is not None:
                if record.fingerprint != request_fingerprint:
                    raise InvalidRequestError(
                        ProblemType.IDEMPOTENCY_KEY_REUSED,
                        "This Idempotency-Key was used for a different request; use a new key.",
                        errors=[parameter_problem("Idempotency-Key", "used for another request")],
                        title="Idempotency key reused",
                    )
                return JSONResponse(
                    record.body,
                    status_code=record.status_code,
                    headers={**record.headers, "Idempotent-Replayed": "true"},
                )
        status_code, model, headers = create()
        payload = model.model_dump(mode="json")
        if self.key is not None:
            session.add(
                IdempotencyRecord(
                    organization_id=caller.organization_id,
                    key=self.key,
                    fingerprint=request_fingerprint,
                    status_code=status_code,
                    body=payload,
                    headers={h: headers[h] for h in REPLAYED_HEADERS if h in headers},
                )
            )
            session.flush()
        return JSONResponse(payload, status_code=status_code, headers=headers)


async def idempotency(request: Request, key: IdempotencyKeyHeader = None) -> Idempotency:
    return Idempotency(key=key, method=request.method, path=request.url.path)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
