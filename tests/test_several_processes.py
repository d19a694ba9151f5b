"""Two real server processes on one database (PostgreSQL with TEST_DATABASE_URL, else one
SQLite file) share one rate limit and one set of metrics; with Redis configured, Redis keeps
the limit instead."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import fresh_database
from tests.redis_server import redis_server
from tests.servers import free_port, serve, wait_ready

PORTAL_LIMIT = 6
SCRAPE = {"Authorization": "Bearer scrape-both"}


@dataclass(frozen=True)
class Pair:
    urls: tuple[str, str]
    store: str


def _start_pair(database: str, workdir: Path, **settings: str) -> Iterator[Pair]:
    environment = {
        "APP_PORTAL_IP_RATE_LIMIT": f"{PORTAL_LIMIT}/minute",
        "APP_SIGN_IN_FREE_FAILURES": "1",
        "APP_METRICS_TOKEN": "scrape-both",
        "APP_ARGON2_TIME_COST": "1",
        "APP_ARGON2_MEMORY_KIB": "64",
        "APP_OUTBOX_KEY": "several-processes",
        "APP_EVIDENCE_DIR": str(workdir / "evidence"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        **settings,
    }
    (workdir / "metrics").mkdir()
    processes: list[subprocess.Popen[str]] = []
    urls: list[str] = []
    try:
        for name in ("a", "b"):  # one after the other: the first one migrates
            port = free_port()
            processes.append(serve(database, port, workdir / f"{name}.log", **environment))
            urls.append(f"http://127.0.0.1:{port}")
            wait_ready(urls[-1], timeout=120)
        yield Pair((urls[0], urls[1]), "redis" if "APP_RATE_LIMIT_REDIS_URL" in settings else "db")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="module", params=["database", "redis"])
def pair(
    request: pytest.FixtureRequest,
    database_server: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pair]:
    workdir = tmp_path_factory.mktemp(f"pair-{request.param}")
    with fresh_database(database_server, workdir, "pair") as database:
        if request.param == "database":
            yield from _start_pair(database, workdir)
            return
        with redis_server(workdir) as redis_url:
            yield from _start_pair(database, workdir, APP_RATE_LIMIT_REDIS_URL=redis_url)


def test_one_portal_limit_across_both_processes(pair: Pair) -> None:
    statuses = []
    for i in range(PORTAL_LIMIT + 2):
        # Alternate: each process alone has seen only half of the requests.
        answered = httpx.get(f"{pair.urls[i % 2]}/v1/supplier-portal", timeout=30)
        statuses.append(answered.status_code)
        if answered.status_code == 429:
            retry_after = int(answered.headers["Retry-After"])
            assert 1 <= retry_after <= 60
            assert answered.json()["type"].endswith("too-many-requests")
    # Without a token the first ones are 401s; the limit counts them all the same.
    assert statuses == [401] * PORTAL_LIMIT + [429, 429]


def _sign_in(base: str) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/auth/sign-in",
        json={"email": "nobody@example.org", "password": "not the password"},
        timeout=30,
    )


def test_failed_sign_ins_count_once_across_both_processes(pair: Pair) -> None:
    a, b = pair.urls
    # One free failure, then 1, 2, 4, 8 s: each attempt waits out the delay the previous
    # failures (on either process) imposed, so each is a plain 401.
    for base, wait in ((a, 1.5), (b, 2.5), (a, 4.5), (b, 0.0)):
        assert _sign_in(base).status_code == 401
        time.sleep(wait)
    # Four failures, two on each process: the next attempt waits 8 s wherever it goes. (Had
    # each process counted alone, two failures would mean a 1 s wait, long over by now.)
    refused = _sign_in(a)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 8


def _requests_to(base: str, route: str) -> float:
    scraped = httpx.get(f"{base}/metrics", headers=SCRAPE, timeout=30)
    assert scraped.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    return sum(
        s.value
        for s in families["app_http_requests"].samples
        if s.name == "app_http_requests_total" and s.labels["route"] == route
    )


def test_metrics_add_up_both_processes(pair: Pair) -> None:
    a, b = pair.urls
    before = _requests_to(a, "/healthz")
    for _ in range(3):
        assert httpx.get(f"{a}/healthz", timeout=30).status_code == 200
    for _ in range(4):
        assert httpx.get(f"{b}/healthz", timeout=30).status_code == 200
    assert _requests_to(a, "/healthz") - before == 7
    assert _requests_to(b, "/healthz") - before == 7
