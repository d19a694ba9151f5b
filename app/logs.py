"""JSON logs and the request id: every response carries X-Request-ID and every log line its id."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import random
import re
import sys
import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
    "time",
    "level",
    "logger",
}

access_logger = logging.getLogger("app.access")

# Request ids need to be unique, not secret: a generator seeded from the OS once per process (and
# again in a forked child) instead of a system call for every request, as uuid4 makes.
_ids = random.Random(os.urandom(32))  # noqa: S311 (identifiers, not secrets)
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_request_id() -> str:
    """32 hex digits, as uuid4().hex has."""
    return f"{_ids.getrandbits(128):032x}"


_encode = json.JSONEncoder(default=str).encode


# The formatted second of the latest line: lines come many to a second, and strftime is most of
# a timestamp's cost. One (second, text) pair, replaced whole, so threads never see half of it.
_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """ISO 8601 in UTC to the millisecond (`2026-12-01T18:00:00.123+00:00`)."""
    global _second
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    cached_second, text = _second
    if cached_second != seconds:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second = (seconds, text)
    return f"{text}.{millis:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return _encode(payload)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our access log replaces uvicorn's, which knows no request id.
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False


class RequestIdMiddleware(HttpMiddleware):
    """Accept a sane incoming X-Request-ID or make one; echo it and log the request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        valid = incoming is not None and _VALID_REQUEST_ID.match(incoming) is not None
        request_id = incoming if valid and incoming else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}
        id_header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"]
                headers.append(id_header)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": request_id,
                },
            )
            request_id_var.reset(token)
