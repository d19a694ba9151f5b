"""HTTP throughput and latency of autosave and submit, on SQLite and PostgreSQL.

Run from the repository root (PostgreSQL is used when one answers on 127.0.0.1:5432)::

    .venv/bin/python -m bench.http_bench                  # about 2 minutes
    .venv/bin/python -m bench.http_bench --seconds 5 --clients 16 --databases sqlite

For each database it starts a uvicorn server of the real app (plus a bare endpoint and a naive
commit-per-request SQLModel autosave, see bench/http_app.py) and drives it with `--clients`
concurrent connections, each saving drafts of its own: with wrk (Debian's `wrk` package) when it
is installed, otherwise with httpx clients in this process, which then compete with the server
for the CPU and understate it. The scenarios:

- bare: GET of a constant JSON body (the ceiling of the stack);
- naive autosave: the tutorial-style endpoint doing the same write, without auth, validation,
  If-Match or audit;
- autosave: PATCH /v1/assessments/{id}/answers with If-Match and `Prefer: return=minimal`, as
  the web app sends it (204 and the new ETag);
- autosave + body: the same, answered with the whole assessment (answers, progress, comments);
- submit: POST /v1/assessments/{id}/submit of complete drafts (validate, score, store).

It prints requests per second and p50 / p99 latency, and the ratio of autosave to naive.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from app.assessments import service as assessments_service
from app.assessments.schemas import AssessmentCreate
from app.audit.service import Actor
from app.auth import Operator, Principal, Scope
from app.db import create_db_engine, normalise_url
from app.migrate import upgrade
from app.organizations import service as org_service
from app.questionnaires.catalog import load_catalog
from app.systems import service as systems_service
from app.systems.models import Sourcing
from app.systems.schemas import AISystemCreate
from tests.databases import fresh_database
from tests.servers import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"  # any database of the server
KEY = "ai-use-triage"
COMPLETE = {
    "use_case_name": "CV pre-screening",
    "use_case_summary": "Ranks applicants for sales roles.",
    "owner_email": "owner@example.com",
    "planned_start": "2026-03-01",
    "uses_ai": "yes",
    "our_role": "buy",
    "supplier_name": "HireRank",
    "purpose_areas": ["employment"],
    "practices": ["none"],
    "interacts_with_people": False,
    "generates_content": False,
    "affects_individuals": "yes",
    "people_affected": 5000,
    "automation_share": 60.0,
    "vulnerable_groups": False,
    "personal_data": "personal",
}
BENCH_ACTOR = Actor(key_id=None, name="benchmark")


def seed(url: str, drafts: int) -> tuple[str, list[str]]:
    """An organisation, a key with every scope, and `drafts` assessments of one system."""
    upgrade(url)
    engine = create_db_engine(url)
    catalog = load_catalog(ROOT / "questionnaires")
    with Session(engine, expire_on_commit=False) as session:
        org = org_service.create_organization(session, slug="bench", name="Bench")
        writer = org_service.create_key(
            session, caller=Operator(org.id, BENCH_ACTOR.name), name="writer", scopes=[Scope.ADMIN]
        )
        principal = Principal(
            org.id, frozenset({Scope.ADMIN}), key_id=writer.key.id, key_name="writer"
        )
        system = systems_service.create_system(
            session,
            caller=principal,
            data=AISystemCreate(name="Bench", purpose="p", owner="o", sourcing=Sourcing.BOUGHT),
        )
        ids = []
        for _ in range(drafts):
            assessment = assessments_service.create_assessment(
                session,
                catalog,
                caller=principal,
                data=AssessmentCreate(system_id=system.id, questionnaire_key=KEY, answers=COMPLETE),
            )
            ids.append(str(assessment.id))
        session.commit()
    engine.dispose()
    return writer.secret, ids


async def drive(
    clients: int, seconds: float, make_call: Callable[[int], Callable[[], Awaitable[bool]]]
) -> tuple[float, list[float], int]:
    """Run `clients` loops for `seconds`; return req/s, latencies (ms) and failures."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def loop(index: int) -> None:
        nonlocal failures
        call = make_call(index)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = await call()
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            if not ok:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return (len(latencies) - failures) / elapsed, latencies, failures


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_scenarios(
    base: str, key: str, ids: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:

        def bare(_: int) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                return (await http.get("/bench/bare")).status_code == 200

            return call

        def naive(index: int) -> Callable[[], Awaitable[bool]]:
            counter = 0

            async def call() -> bool:
                nonlocal counter
                counter += 1
                response = await http.patch(
                    f"/bench/naive/assessments/{ids[index]}/answers",
                    json={"answers": {"people_affected": counter}},
                )
                return response.status_code == 200

            return call

        def autosave(index: int) -> Callable[[], Awaitable[bool]]:
            counter = 0
            etag: str | None = None

            async def call() -> bool:
                nonlocal counter, etag
                if etag is None:
                    got = await http.get(f"/v1/assessments/{ids[index]}")
                    if "ETag" not in got.headers:
                        print(got.status_code, got.text[:300])
                        return False
                    etag = got.headers["ETag"]
                counter += 1
                response = await http.patch(
                    f"/v1/assessments/{ids[index]}/answers",
                    json={"answers": {"people_affected": counter}},
                    headers={"If-Match": etag},
                )
                etag = response.headers.get("ETag", etag)
                return response.status_code == 200

            return call

        for name, factory in (("bare", bare), ("naive autosave", naive), ("autosave", autosave)):
            await drive(clients, min(1.0, seconds), factory)  # warm up
            rate, latencies, failures = await drive(clients, seconds, factory)
            results[name] = (
                rate,
                percentile(latencies, 0.5),
                percentile(latencies, 0.99),
                failures,
            )
    return results


async def run_submit(
    base: str, key: str, ids: list[str], clients: int
) -> tuple[float, float, float, int]:
    headers = {"Authorization": f"Bearer {key}"}
    queue = list(ids)
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:

        async def worker() -> None:
            nonlocal failures
            while queue:
                assessment_id = queue.pop()
                try:
                    got = await http.get(f"/v1/assessments/{assessment_id}")
                    started = time.perf_counter()
                    response = await http.post(
                        f"/v1/assessments/{assessment_id}/submit",
                        headers={"If-Match": got.headers.get("ETag", "")},
                        json={},
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return (
        (len(latencies) - failures) / elapsed,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        failures,
    )


# Each wrk thread cycles through its own half of the drafts, so that two connections almost never
# save the same draft at once (as in the web app, where each open form autosaves its own draft).
WRK_SCRIPT = """
local all_ids = {%(ids)s}
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end
local ids = {}
local counter = 0
function init(args)
  for i = 1, #all_ids do
    if (i - 1) %% 2 == index then table.insert(ids, all_ids[i]) end
  end
end
local headers = {["Authorization"] = "Bearer %(key)s", ["Content-Type"] = "application/json",
                 ["Prefer"] = "%(prefer)s", ["If-Match"] = "*"}
request = function()
  counter = counter + 1
  local id = ids[(counter %% #ids) + 1]
  local body = '{"answers": {"people_affected": ' .. counter .. '}}'
  return wrk.format("PATCH", string.format("%(path)s", id), headers, body)
end
"""


def wrk_run(
    base: str, script: str | None, path: str, clients: int, seconds: float
) -> tuple[float, float, float, int]:
    """req/s, p50 ms, p99 ms and non-2xx count from one wrk run."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script or "")
    command = [
        "wrk",
        "-t2",
        f"-c{clients}",
        f"-d{max(1, int(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        command += ["-s", handle.name]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True
    ).stdout
    Path(handle.name).unlink()

    def ms(label: str) -> float:
        for line in output.splitlines():
            parts = line.split()
            if parts and parts[0] == label:
                value = parts[1]
                for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
                    if value.endswith(suffix):
                        return float(value[: -len(suffix)]) * factor
        return float("nan")

    # Throughput counts successful responses only: a naive endpoint that fails fast is no faster.
    total = next(int(line.split()[0]) for line in output.splitlines() if " requests in " in line)
    non_2xx = socket_errors = 0
    for line in output.splitlines():
        if "Non-2xx or 3xx responses" in line:
            non_2xx += int(line.split(":")[1])
        if line.strip().startswith("Socket errors"):
            socket_errors += sum(int(p.split()[1]) for p in line.split(":", 1)[1].split(","))
    rate = (total - non_2xx) / max(1, int(seconds))
    errors = non_2xx + socket_errors
    return rate, ms("50%"), ms("99%"), errors


def run_with_wrk(
    base: str, key: str, ids: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    quoted = ", ".join(f'"{i}"' for i in ids)

    def script(path: str, prefer: str = "return=minimal") -> str:
        return WRK_SCRIPT % {"ids": quoted, "key": key, "path": path, "prefer": prefer}

    results: dict[str, Any] = {}
    for name, lua, path in (
        ("bare", None, "/bench/bare"),
        ("naive autosave", script("/bench/naive/assessments/%s/answers"), "/"),
        ("autosave", script("/v1/assessments/%s/answers"), "/"),
        (
            "autosave + body",
            script("/v1/assessments/%s/answers", "return=representation"),
            "/",
        ),
    ):
        wrk_run(base, lua, path, clients, 1)  # warm up
        results[name] = wrk_run(base, lua, path, clients, seconds)
    return results


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(normalise_url(POSTGRES))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.SQLAlchemyError:
        return False


def bench_database(
    name: str, url: str, clients: int, seconds: float, submits: int, workers: int
) -> None:
    drafts = clients * 8  # autosave cycles through them (see WRK_SCRIPT)
    secret, ids = seed(url, drafts + submits)
    port = free_port()
    env = {**os.environ, "APP_DATABASE_URL": url, "APP_LOG_LEVEL": "WARNING"}
    log = Path(tempfile.gettempdir()) / f"http_bench_{name.lower()}.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.http_app:create_bench_app",
                "--factory",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, timeout=30)
        if shutil.which("wrk"):
            results = run_with_wrk(base, secret, ids[:drafts], clients, seconds)
            driver = "wrk"
        else:
            results = asyncio.run(run_scenarios(base, secret, ids[:clients], clients, seconds))
            driver = "httpx"
        submit = asyncio.run(run_submit(base, secret, ids[drafts:], clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\n{name}: {clients} concurrent clients ({driver}), {seconds:.0f} s per scenario, "
        f"{workers} server worker(s)"
    )
    print(f"{'scenario':<16}{'ok req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    for label, (rate, p50, p99, failed) in [*results.items(), ("submit", submit)]:
        print(f"{label:<16}{rate:>10.0f}{p50:>10.1f}{p99:>10.1f}{failed:>8}")
    ratio = results["autosave"][0] / max(results["naive autosave"][0], 1e-9)
    p99 = results["autosave"][2]
    met = "met" if ratio >= 2 and p99 < 50 else "NOT met"
    print(f"autosave / naive autosave throughput: {ratio:.2f}x, autosave p99 {p99:.1f} ms")
    print(f"target (at least 2x, p99 under 50 ms): {met}  (server log: {log})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.databases:
            bench_database(
                "SQLite",
                f"sqlite:///{tmp}/bench.db",
                args.clients,
                args.seconds,
                args.submits,
                args.workers,
            )
        if "postgresql" in args.databases:
            if not postgres_available():
                print("\nPostgreSQL: not reachable on 127.0.0.1:5432, skipped")
                return
            with fresh_database(POSTGRES, Path(tmp), "http") as url:
                bench_database(
                    "PostgreSQL", url, args.clients, args.seconds, args.submits, args.workers
                )


if __name__ == "__main__":
    main()
