"""Prometheus metrics: requests by route template, status and duration, and the outbox's depth.

Several worker processes share their counts through prometheus-client's multiprocess mode when
PROMETHEUS_MULTIPROC_DIR names an (empty at start) directory; `/metrics` then adds them all up.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware
from app.db import utcnow
from app.errors import NotFoundError
from app.routing import problem_router

# How many outbox messages wait and when the oldest was written.
OutboxReading = Callable[[Engine], tuple[int, datetime | None]]

REQUESTS = Counter(
    "app_http_requests_total",
    "HTTP requests by route template and status",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "app_http_request_duration_seconds",
    "HTTP request duration by route template",
    ["method", "route"],
)


class MetricsMiddleware(HttpMiddleware):
    """Counts each request under its route template (`/v1/ai-systems/{system_id}`), not its path."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = {"code": 500}

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            _counter(method, template, status["code"]).inc()
            _histogram(method, template).observe(time.perf_counter() - started)


# The labelled children by their labels: `labels()` checks and converts its values and takes a
# lock on every call. There are as many children as routes, methods and statuses seen.
_COUNTERS: dict[tuple[str, str, int], Counter] = {}
_HISTOGRAMS: dict[tuple[str, str], Histogram] = {}


def _counter(method: str, template: str, status: int) -> Counter:
    key = (method, template, status)
    child = _COUNTERS.get(key)
    if child is None:
        child = _COUNTERS[key] = REQUESTS.labels(method, template, str(status))
    return child


def _histogram(method: str, template: str) -> Histogram:
    key = (method, template)
    child = _HISTOGRAMS.get(key)
    if child is None:
        child = _HISTOGRAMS[key] = DURATION.labels(method, template)
    return child


class OutboxCollector(Collector):
    """The outbox read at scrape time: messages waiting and the age of the oldest.

    `waiting` is the outbox's own reading, handed over by the app that composes both (metrics,
    like every top-level module, imports no domain)."""

    def __init__(self, engine: Engine, waiting: OutboxReading) -> None:
        self.engine = engine
        self.waiting = waiting

    def collect(self) -> Iterator[GaugeMetricFamily]:
        count, oldest = self.waiting(self.engine)
        depth = GaugeMetricFamily("app_outbox_depth", "Messages waiting to be delivered")
        depth.add_metric([], float(count))
        yield depth
        age = GaugeMetricFamily("app_outbox_oldest_age_seconds", "Oldest waiting message's age")
        age.add_metric([], max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield age
        pool = GaugeMetricFamily("app_db_pool_checked_out", "Database connections in use")
        checked_out = getattr(self.engine.pool, "checkedout", None)
        pool.add_metric([], float(checked_out()) if callable(checked_out) else 0.0)
        yield pool


router = problem_router()


class MetricsOff(NotFoundError):
    def __init__(self) -> None:
        super().__init__(detail="No metrics here.")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is None:
        raise MetricsOff
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token.get_secret_value()}".encode()):
        raise MetricsOff  # a wrong token learns nothing, not even that metrics exist
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUESTS)
        registry.register(DURATION)
    registry.register(OutboxCollector(request.app.state.engine, request.app.state.outbox_waiting))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
