"""The edge of every request body: a size cap, and the rules a JSON body must meet before any
route parses it (nesting depth, exact numbers, unique keys, storable text).

One ASGI middleware reads the body once, up to the cap (413 past it, also for a chunked body
without Content-Length), checks a JSON body and hands the same bytes on. Routes that stream their
body to disk (evidence uploads) keep their own limit and are passed through untouched.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, InvalidRequestError, ProblemType, problem_response
from app.jsonpointer import escape_token
from app.text_guard import SUSPECT_ESCAPES, find_unstorable

logger = logging.getLogger("app.request_guard")

MAX_JSON_DEPTH = 64
# The integers every JSON parser carries exactly (IEEE 754 doubles): RFC 8785 and JavaScript
# clients refuse or round anything beyond.
MAX_SAFE_INTEGER = 2**53 - 1
_SAFE_INTEGER_DIGITS = 16
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class _Inexact:
    """Stands in for a number JSON cannot carry exactly, so the walk can point at it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _DuplicateKeys(dict[str, Any]):
    """An object that named one key more than once (the last value wins, as in json.loads)."""

    duplicates: list[str]


class _Parser:
    """json.loads with hooks that mark what the walk must find; `marked` says it must look."""

    def __init__(self) -> None:
        self.marked = False

    def parse_int(self, text: str) -> int | _Inexact:
        # Too many digits is inexact already; it also keeps int() off huge digit strings.
        if len(text.lstrip("-")) <= _SAFE_INTEGER_DIGITS:
            value = int(text)
            if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                return value
        self.marked = True
        return _Inexact(text)

    def parse_float(self, text: str) -> float | _Inexact:
        value = float(text)
        if math.isfinite(value):
            return value
        self.marked = True
        return _Inexact(text)

    def parse_constant(self, text: str) -> _Inexact:  # NaN, Infinity, -Infinity
        self.marked = True
        return _Inexact(text)

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        self.marked = True
        flagged = _DuplicateKeys(obj)
        seen: set[str] = set()
        flagged.duplicates = []
        for key, _ in pairs:
            if key in seen:
                flagged.duplicates.append(key)
            seen.add(key)
        return flagged

    def loads(self, body: bytes) -> Any:
        return json.loads(
            body,
            parse_int=self.parse_int,
            parse_float=self.parse_float,
            parse_constant=self.parse_constant,
            object_pairs_hook=self.object,
        )


def _walk(value: Any) -> Iterator[tuple[str, str, str]]:
    """(kind, JSON pointer, reason) for each value past the depth, inexact or duplicated."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, pointer, depth = stack.pop()
        if isinstance(item, _Inexact):
            yield (
                "number",
                pointer,
                f"the number {item.text[:40]} cannot be carried exactly by JSON (integers "
                f"from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}, finite numbers only)",
            )
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                yield ("depth", pointer, f"nested deeper than {MAX_JSON_DEPTH} levels")
                continue
            if isinstance(item, _DuplicateKeys):
                for key in dict.fromkeys(item.duplicates):
                    yield ("duplicate", f"{pointer}/{escape_token(key)}", "this key appears twice")
            children = (
                ((f"{pointer}/{escape_token(k)}", v) for k, v in item.items())
                if isinstance(item, dict)
                else ((f"{pointer}/{i}", v) for i, v in enumerate(item))
            )
            stack.extend((v, p, depth + 1) for p, v in reversed(list(children)))


_KINDS = {
    "depth": ("json-too-deep", "JSON bodies may nest at most {depth} levels; nothing was changed."),
    "duplicate": ("duplicate-key", "A JSON object names a key twice; nothing was changed."),
    "number": (
        "unsafe-number",
        "A number cannot be carried exactly by JSON; send it as a string or within range.",
    ),
    "text": (
        "unstorable-text",
        "Text values must be valid Unicode without NUL characters; nothing was changed.",
    ),
}


def json_problems(body: bytes) -> tuple[str, str, list[dict[str, str]]] | None:
    """The first kind of problem a JSON body has, as (type, detail, errors); None when sound.

    Unparseable JSON is not this check's business: the route reports it as usual.
    """
    parser = _Parser()
    try:
        data = parser.loads(body)
    except RecursionError:
        return _problem("depth", [("", f"nested deeper than {MAX_JSON_DEPTH} levels")])
    except ValueError:
        return None
    found: dict[str, list[tuple[str, str]]] = {}
    # The walk is a pass over the whole value in Python: only when the parse or the depth of
    # the bytes calls for it.
    if parser.marked or _too_deep(body):
        for kind, pointer, reason in _walk(data):
            found.setdefault(kind, []).append((pointer, reason))
            if kind == "depth":
                break
    if not found and (b"\x00" in body or SUSPECT_ESCAPES.search(body)):
        text = list(find_unstorable(data))
        if text:
            found["text"] = text
    for kind in ("depth", "duplicate", "number", "text"):
        if kind in found:
            return _problem(kind, found[kind])
    return None


_STRINGS = re.compile(rb'"[^"]*"')
_EMPTY_PAIRS = re.compile(rb"\[\]|\{\}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def _too_deep(body: bytes) -> bool:
    """Whether valid JSON nests deeper than MAX_JSON_DEPTH, read from its bytes at C speed."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    # Drop escaped backslashes, then escaped quotes: what is left of a string is its quotes and
    # brackets, and the brackets inside strings go with it.
    structure = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = _STRINGS.sub(b"", structure)
    # Each pass removes the innermost level; what is left after MAX_JSON_DEPTH passes is deeper.
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return False
        brackets = _EMPTY_PAIRS.sub(b"", brackets)
    return bool(brackets)


def _problem(kind: str, items: list[tuple[str, str]]) -> tuple[str, str, list[dict[str, str]]]:
    type_, detail = _KINDS[kind]
    code = type_.replace("-", "_")
    return (
        type_,
        detail.format(depth=MAX_JSON_DEPTH),
        [{"pointer": pointer, "detail": reason, "code": code} for pointer, reason in items],
    )


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class RequestGuardMiddleware:
    """Cap every request body at `max_bytes` and refuse unsound JSON, before any route runs."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, streamed_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed_paths = streamed_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.streamed_paths:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if scope["method"] in _BODYLESS and length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await self._too_large(scope, receive, send)
            return
        except _Disconnected:
            logger.info("client went away while sending the request body")
            return
        if body and b"json" in headers.get(b"content-type", b"").lower():
            found = json_problems(body)
            if found is not None:
                type_, detail, errors = found
                response = problem_response(
                    Request(scope),
                    InvalidRequestError(type_, detail, errors=errors),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            Request(scope),
            AppError(
                status=413,
                type=ProblemType.PAYLOAD_TOO_LARGE,
                detail=f"Request bodies may be at most {self.max_bytes} bytes; nothing was read.",
                # The rest of the body is never read: the connection cannot carry another request.
                headers={"Connection": "close"},
            ),
        )
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands on the body read already, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
