"""Cursor pagination: opaque cursors over (created_at, id), newest first, with a capped limit."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypedDict, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from app.errors import AppError, BadRequestError, ProblemType, parameter_problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# The largest value of an INTEGER column on PostgreSQL: a larger one in a query is a 500 there.
MAX_DB_INT = 2**31 - 1

T = TypeVar("T")

LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
]
DbIntPath = Annotated[
    int, Path(ge=1, le=MAX_DB_INT, description=f"A whole number from 1 to {MAX_DB_INT}.")
]
CursorQuery = Annotated[
    str | None,
    Query(max_length=200, description="The `next_cursor` of the previous page."),
]


class PageWindow(TypedDict):
    """The page a list request asks for, as the keyword arguments the list services take."""

    cursor: str | None
    limit: int


async def page_window(cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT) -> PageWindow:
    return PageWindow(cursor=cursor, limit=limit)


# `cursor` and `limit`, declared once for every list route.
PageDep = Annotated[PageWindow, Depends(page_window)]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one."""

    items: list[T]
    next_cursor: str | None = Field(description="Null on the last page.")


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    """The JSON value of a cursor; raises ValueError (or binascii.Error) when it is none."""
    return json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))


def encode_cursor(created_at: datetime, id_: uuid.UUID) -> str:
    return _encode([created_at.isoformat(), str(id_)])


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) of a keyset cursor, each checked for type and range; else 400."""
    try:
        decoded = _decode(cursor)
        if not isinstance(decoded, list) or len(decoded) != 2:
            raise ValueError("not a pair")
        created, id_ = decoded
        if not isinstance(created, str) or not isinstance(id_, str):
            raise ValueError("not two strings")
        value = datetime.fromisoformat(created)
        if value.tzinfo is None:
            raise ValueError("naive")
        # In UTC, as the column compares it: year 1 at +01:00 or 9999 at -01:00 do not exist.
        return value.astimezone(UTC), uuid.UUID(id_)
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise invalid_cursor() from exc


def encode_seq_cursor(seq: int) -> str:
    return _encode({"after": seq})


def decode_seq_cursor(cursor: str) -> int:
    """The sequence number of an `{"after": n}` cursor, a database integer; else 400."""
    try:
        decoded = _decode(cursor)
        value = decoded["after"] if isinstance(decoded, dict) else None
        # bool is an int in Python, and JSON's true is not a position.
        if type(value) is not int or not 0 <= value <= MAX_DB_INT:
            raise ValueError("bad seq")
        return value
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise invalid_cursor() from exc


def invalid_cursor() -> AppError:
    return BadRequestError(
        ProblemType.INVALID_CURSOR,
        "The cursor is not one this service issued; start again without it.",
        errors=[parameter_problem("cursor", "unreadable cursor")],
    )


# Lists built whole in memory (the portfolio's work queue and control records) are cut into pages
# by their own sort key: the cursor is `{"after": <the sort key of the last item of the page>}`.
Row = TypeVar("Row")


def read_after_cursor(cursor: str | None, valid: Callable[[Any], bool]) -> Any:
    """The sort key a cursor continues after (None without one); 400 for a cursor not ours."""
    if cursor is None:
        return None
    try:
        value = _decode(cursor)
        after = value.get("after") if isinstance(value, dict) else None
    except (ValueError, TypeError, binascii.Error) as exc:
        raise invalid_cursor() from exc
    if not valid(after):
        raise invalid_cursor()
    return after


def page_after(
    rows: list[Row], after: Any, limit: int, key: Callable[[Row], Any]
) -> tuple[list[Row], str | None]:
    """The rows after `after` in the order of `key`, at most `limit`, and the next cursor."""
    if after is not None:
        rows = [r for r in rows if key(r) > after]
    page = rows[:limit]
    return page, _encode({"after": key(page[-1])}) if len(rows) > limit else None


def keyset_page(statement: Any, model: type[Any], *, cursor: str | None, limit: int) -> Any:
    """Apply newest-first keyset ordering (by `model`'s `created_at`, then `id`), the cursor and
    limit+1 (to learn if more follow)."""
    created_col, id_col = model.created_at, model.id
    if cursor is not None:
        created, id_ = decode_cursor(cursor)
        statement = statement.where(
            sa.or_(created_col < created, sa.and_(created_col == created, id_col < id_))
        )
    return statement.order_by(created_col.desc(), id_col.desc()).limit(limit + 1)


def fetch_page(
    session: Session,
    statement: SelectOfScalar[T],
    model: type[Any],
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """One page of the rows of `statement` (of `model`), newest first, and the next cursor."""
    statement = keyset_page(statement, model, cursor=cursor, limit=limit)
    return finish_page(list(session.exec(statement).all()), limit)


def finish_page(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """Cut the extra row and make the next cursor from the last row kept."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    last = kept[-1]
    return kept, encode_cursor(last.created_at, last.id)
