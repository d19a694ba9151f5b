"""One webhook call: signed per Standard Webhooks, to the one address the name resolved to.

Called by the outbox worker with no database transaction open. The URL keeps its host name, so
the `Host` header and the TLS server name (SNI, and the certificate check) are the name's, while
the TCP connection goes to the address that was resolved and checked: a second DNS answer
(rebinding) cannot move the call elsewhere. Redirects are not followed; only a prefix of the
response is read, and the whole call has one deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from standardwebhooks.webhooks import Webhook

from app import __version__
from app.settings import Settings
from app.webhooks.safety import Resolver, UnsafeDestination, resolve, system_resolver

if TYPE_CHECKING:
    import httpx  # imported where a call is made: the web worker never makes one

RESPONSE_PREFIX_BYTES = 1024
USER_AGENT = f"ai-assessment-service-webhooks/{__version__}"


@dataclass(frozen=True)
class WebhookCall:
    """What one attempt sends, read from the outbox row and its subscription."""

    url: str
    webhook_id: str
    payload: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; `error` is None when the receiver answered 2xx."""

    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_prefix: str | None


def signature(secrets: tuple[str, ...], webhook_id: str, timestamp: datetime, payload: str) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space separated."""
    return " ".join(Webhook(s).sign(webhook_id, timestamp, payload) for s in secrets)


def headers(call: WebhookCall, timestamp: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": call.webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature(call.secrets, call.webhook_id, timestamp, call.payload),
    }


def _read_prefix(response: httpx.Response) -> str:
    import httpx

    prefix = b""
    try:
        for chunk in response.iter_raw():
            prefix += chunk
            if len(prefix) >= RESPONSE_PREFIX_BYTES:
                break  # the rest is never read: closing the stream drops it
    except httpx.HTTPError:
        pass  # the answer (its status) is in; a body cut short changes nothing
    return prefix[:RESPONSE_PREFIX_BYTES].decode("utf-8", errors="replace")


class Deadline:
    """Ends a call that outlasts `seconds` in all: the per-read timeouts alone would let a
    receiver that answers a byte at a time hold the worker for hours. It learns the socket
    through httpx's `trace` extension and shuts it, which fails the blocked read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passed = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        with self._lock:
            self._socket = stream.get_extra_info("socket") if stream is not None else None
            if self.passed:
                self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)


def post(call: WebhookCall, settings: Settings, resolver: Resolver = system_resolver) -> Outcome:
    """Make one attempt; never raises for what the network or the receiver does."""
    import httpx

    started_at = datetime.now(UTC)
    clock = time.monotonic()

    def outcome(code: int | None, error: str | None, prefix: str | None = None) -> Outcome:
        duration = int((time.monotonic() - clock) * 1000)
        return Outcome(started_at, duration, code, error and error[:500], prefix)

    try:
        destination = resolve(call.url, settings, resolver)
    except UnsafeDestination as exc:
        return outcome(None, f"refused: {exc}")
    url = httpx.URL(call.url)
    timeout = settings.webhook_timeout_seconds
    with Deadline(timeout) as deadline:
        extensions: dict[str, Any] = {"trace": deadline.trace}
        if url.scheme == "https":
            extensions["sni_hostname"] = destination.host
        try:
            with (
                httpx.Client(
                    trust_env=False,  # no proxy from the environment: the pinned address only
                    follow_redirects=False,
                    timeout=httpx.Timeout(timeout),
                ) as client,
                client.stream(
                    "POST",
                    url.copy_with(host=destination.address),
                    content=call.payload.encode(),
                    headers={"host": url.netloc.decode("ascii"), **headers(call, started_at)},
                    extensions=extensions,
                ) as response,
            ):
                prefix = _read_prefix(response)
        except httpx.HTTPError as exc:
            if deadline.passed:
                return outcome(None, f"no answer within {timeout:g} s")
            return outcome(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return outcome(response.status_code, None, prefix)
    return outcome(response.status_code, f"HTTP {response.status_code}", prefix)
