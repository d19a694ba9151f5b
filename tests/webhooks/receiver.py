"""A real webhook receiver on 127.0.0.1: verifies every message with `standardwebhooks` (the
library a subscriber would use) and can fail, or stall, on purpose."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified_by: list[str]  # which of the receiver's secrets verify the signature

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    failures: int = 0  # answer 500 to this many requests first
    hold_seconds: float = 0.0  # keep each request this long (to make overlaps visible)
    stall_first: bool = False  # hold the first request until `release` (the sender dies meanwhile)
    redirect_paths: set[str] = field(default_factory=set)  # answered with 307 to /hook
    received: list[Received] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)  # webhook-ids received twice at once
    most_at_once: int = 0  # the most requests in progress together
    port: int = 0
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: set[str] = field(default_factory=set)
    _calls: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def verified(self, body: bytes, headers: dict[str, str]) -> list[str]:
        ok = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                ok.append(secret)
            except WebhookVerificationError:
                pass
        return ok

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        webhook_id = headers.get("webhook-id", "")
        with self._lock:
            self._calls += 1
            call = self._calls
            if webhook_id in self._in_flight:
                self.overlaps.append(webhook_id)
            self._in_flight.add(webhook_id)
            self.most_at_once = max(self.most_at_once, len(self._in_flight))
        try:
            if self.stall_first and call == 1:
                self.first_arrived.set()
                self.release.wait(60)
                return 500
            time.sleep(self.hold_seconds)
            with self._lock:
                if self.failures > 0:
                    self.failures -= 1
                    return 500
                self.received.append(Received(headers, body, self.verified(body, headers)))
            return 200
        finally:
            with self._lock:
                self._in_flight.discard(webhook_id)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path == "/trickle":  # an answer a byte at a time, never finished
                with contextlib.suppress(OSError):
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    for _ in range(40):
                        self.wfile.write(b"z")
                        self.wfile.flush()
                        time.sleep(0.25)
                return
            if self.path in receiver.redirect_paths:
                self.send_response(307)
                self.send_header("location", "/hook")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            status = receiver.handle(headers, body)
            payload = b'{"ok": true}' if status == 200 else b"failing on purpose" * 200
            try:
                self.send_response(status)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the sender is gone (killed mid-delivery)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
