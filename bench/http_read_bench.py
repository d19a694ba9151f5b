"""The read path over HTTP against a plain FastAPI app, on SQLite and PostgreSQL (issue 19).

Run from the repository root (PostgreSQL is used when one answers on 127.0.0.1:5432; needs
Debian's `wrk` and `taskset`)::

    .venv/bin/python -m bench.http_read_bench                       # about 5 minutes
    .venv/bin/python -m bench.http_read_bench --runs 3 --seconds 10
    .venv/bin/python -m bench.http_read_bench --databases sqlite --profile var/profiles
    .venv/bin/python -m bench.http_read_bench --databases postgresql --scaling

One uvicorn process of the service (bench/http_app.py: the real app plus an `async def` bare
route and a naive autosave) and one of a plain FastAPI app with one `async def` route
(bench/plain_app.py) run side by side, both pinned to CPU 0; `wrk` (16 connections, one thread)
is pinned to CPU 1. Each endpoint gets a warm-up, then a measured run; the plain app is measured
before and after the service's rows of each run and every row is read as a ratio to the mean of
the two, which is what the targets are about (the machine's speed drifts; the ratios travel).
The service logs at its default level (one JSON access line per request) to a file.

Rows: the in-app bare route; GET of the largest questionnaire (and again with If-None-Match:
304); POST evaluate of the README's CV-screening answers against the latest classification;
GET of one submitted assessment; GET of a full page of 100 assessments; autosave
(`PATCH .../answers`, `Prefer: return=minimal`) and the naive autosave it must stay twice as fast
as. Memory: the service's RSS once started and its peak (VmHWM) after the runs.

`--profile DIR` samples the service with py-spy during one more run of each row and prints its
top costs (bench/profile_summary.py); `--scaling` compares 1 and 2 worker processes, unpinned,
for GET of one assessment and autosave, and says how much CPU `wrk` itself took.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session

from app.assessments import service as assessments_service
from app.assessments.schemas import AssessmentCreate
from app.audit.service import Actor
from app.auth import Operator, Principal, Scope
from app.db import create_db_engine
from app.migrate import upgrade
from app.organizations import service as org_service
from app.questionnaires.catalog import load_catalog
from app.systems import service as systems_service
from app.systems.models import Sourcing
from app.systems.schemas import AISystemCreate
from bench.http_bench import COMPLETE as TRIAGE_ANSWERS
from bench.http_bench import POSTGRES, postgres_available
from bench.profile_summary import summarise
from tests.databases import fresh_database
from tests.servers import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
LARGEST = "eu-ai-act-classification"
AS_OF = date(2026, 11, 27)
SUBMITTED = 20  # the assessments GET one cycles through
LISTED = 120  # with the autosave drafts, more than the page of 100
DRAFTS = 64  # autosave and the naive autosave cycle through these
BENCH_ACTOR = Actor(key_id=None, name="benchmark")
MEMORY_TARGET_MB = 120.0


def cv_screening_answers() -> dict[str, object]:
    """The answers of the README's worked example (the CV-screening tool), read from it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Worked example: a CV-screening tool") :]
    found = re.search(r"```json\n(.*?)```", section, re.S)
    if found is None:
        raise SystemExit("README: the CV-screening example has no answers block")
    answers: dict[str, object] = json.loads(found.group(1))
    return answers


@dataclass
class Seeded:
    secret: str
    submitted: list[str]
    drafts: list[str]


def seed(url: str) -> Seeded:
    """One organisation and admin key; submitted and draft classifications; triage drafts."""
    upgrade(url)
    engine = create_db_engine(url)
    catalog = load_catalog(ROOT / "questionnaires")
    answers = cv_screening_answers()
    with Session(engine, expire_on_commit=False) as session:
        org = org_service.create_organization(session, slug="bench", name="Bench")
        key = org_service.create_key(
            session, caller=Operator(org.id, BENCH_ACTOR.name), name="bench", scopes=[Scope.ADMIN]
        )
        caller = Principal(org.id, frozenset({Scope.ADMIN}), key_id=key.key.id, key_name="bench")
        system = systems_service.create_system(
            session,
            caller=caller,
            data=AISystemCreate(
                name="CV screener", purpose="p", owner="o", sourcing=Sourcing.BOUGHT
            ),
        )

        def create(key_: str, given: dict[str, object]) -> uuid.UUID:
            data = AssessmentCreate(system_id=system.id, questionnaire_key=key_, answers=given)
            found = assessments_service.create_assessment(
                session, catalog, caller=caller, data=data
            )
            return found.id

        submitted = []
        for index in range(LISTED):
            assessment_id = create(LARGEST, answers)
            if index < SUBMITTED:
                assessments_service.submit(
                    session,
                    catalog,
                    caller=caller,
                    assessment_id=assessment_id,
                    subject=assessments_service.Subject.SYSTEM,
                    as_of=AS_OF,
                    if_match="*",
                )
                submitted.append(str(assessment_id))
        drafts = [str(create("ai-use-triage", TRIAGE_ANSWERS)) for _ in range(DRAFTS)]
        session.commit()
    engine.dispose()
    return Seeded(key.secret, submitted, drafts)


@dataclass
class Measured:
    rate: float  # successful (2xx/3xx) responses per second
    p50: float  # ms
    p99: float  # ms
    non_2xx: int  # 4xx/5xx responses and socket errors
    cpu: float = 0.0  # CPU seconds wrk itself took


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    script: str | None = None
    headers: list[str] = field(default_factory=list)
    target: float | None = None  # at least this many times the plain app's req/s


ROTATE = """
local ids = {%(ids)s}
local counter = 0
local headers = {%(headers)s}
request = function()
  counter = counter + 1
  local id = ids[(counter %% #ids) + 1]
  local body = %(body)s
  return wrk.format("%(method)s", string.format("%(path)s", id), headers, body)
end
"""

AUTOSAVE_BODY = """'{"answers": {"people_affected": ' .. counter .. '}}'"""


def _lua(ids: list[str], path: str, method: str, headers: dict[str, str], body: str) -> str:
    return ROTATE % {
        "ids": ", ".join(f'"{i}"' for i in ids),
        "headers": ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()),
        "body": body,
        "method": method,
        "path": path,
    }


def scenarios(seeded: Seeded, catalog_etag: str) -> list[Scenario]:
    bearer = f"Bearer {seeded.secret}"
    auth = [f"Authorization: {bearer}"]
    evaluate = json.dumps({"answers": cv_screening_answers(), "as_of": AS_OF.isoformat()})
    patch = {
        "Authorization": bearer,
        "Content-Type": "application/json",
        "Prefer": "return=minimal",
        "If-Match": "*",
    }
    return [
        Scenario("bare", "in-app bare route (`async def`)", "/bench/bare", target=0.6),
        Scenario(
            "questionnaire",
            f"GET /v1/questionnaires/{LARGEST}",
            f"/v1/questionnaires/{LARGEST}",
            headers=auth,
            target=0.3,
        ),
        Scenario(
            "not-modified",
            "same with If-None-Match -> 304",
            f"/v1/questionnaires/{LARGEST}",
            headers=[*auth, f"If-None-Match: {catalog_etag}"],
            target=0.4,
        ),
        Scenario(
            "evaluate",
            f"POST .../{LARGEST}/evaluate (CV screening)",
            "/",
            script=_lua(
                ["-"],
                f"/v1/questionnaires/{LARGEST}/evaluate",
                "POST",
                {"Authorization": bearer, "Content-Type": "application/json"},
                f"[==[{evaluate}]==]",
            ),
            target=0.15,
        ),
        Scenario(
            "get-one",
            "GET /v1/assessments/{id} (submitted)",
            "/",
            script=_lua(
                seeded.submitted, "/v1/assessments/%s", "GET", {"Authorization": bearer}, "nil"
            ),
            target=0.2,
        ),
        Scenario(
            "list",
            "GET /v1/assessments?limit=100",
            "/v1/assessments?limit=100",
            headers=auth,
            target=0.05,
        ),
        Scenario(
            "naive",
            "naive autosave (reference)",
            "/",
            script=_lua(
                seeded.drafts, "/bench/naive/assessments/%s/answers", "PATCH", patch, AUTOSAVE_BODY
            ),
        ),
        Scenario(
            "autosave",
            "PATCH .../answers (autosave)",
            "/",
            script=_lua(seeded.drafts, "/v1/assessments/%s/answers", "PATCH", patch, AUTOSAVE_BODY),
            target=0.13,
        ),
    ]


# The keys of the rows of `scenarios`, in its order (for `--rows`).
ROW_KEYS = [
    "bare",
    "questionnaire",
    "not-modified",
    "evaluate",
    "get-one",
    "list",
    "naive",
    "autosave",
]


def _milliseconds(value: str) -> float:
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float("nan")


def parse_wrk(output: str) -> Measured:
    """Successful req/s, p50, p99 and the failures of one wrk run's `--latency` report."""
    percentiles: dict[str, float] = {}
    total, elapsed, failures = 0, 1.0, 0
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            percentiles[parts[0]] = _milliseconds(parts[1])
        elif " requests in " in line:
            total = int(parts[0])
            elapsed = _milliseconds(parts[3].rstrip(",")) / 1000
        elif "Non-2xx or 3xx responses" in line:
            failures += int(line.split(":")[1])
        elif line.strip().startswith("Socket errors"):
            failures += sum(int(p.split()[1]) for p in line.split(":", 1)[1].split(","))
    return Measured(
        rate=max(total - failures, 0) / elapsed,
        p50=percentiles.get("50%", float("nan")),
        p99=percentiles.get("99%", float("nan")),
        non_2xx=failures,
    )


def wrk(
    base: str, scenario: Scenario, *, clients: int, seconds: float, cpus: str | None, threads: int
) -> Measured:
    """One wrk run of a scenario (pinned to `cpus` when given), with the CPU it took."""
    command = [*(["taskset", "-c", cpus] if cpus else []), "wrk", f"-t{threads}", f"-c{clients}"]
    command += [f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    for header in scenario.headers:
        command += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(scenario.script or "")
    if scenario.script:
        command += ["-s", handle.name]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            [*command, base + scenario.path], capture_output=True, text=True, check=True
        )
    finally:
        Path(handle.name).unlink()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = parse_wrk(done.stdout)
    measured.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return measured


def start(
    target: list[str], env: dict[str, str], log: Path, *, cpus: str | None, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """A uvicorn server of `target` (pinned to `cpus` when given) and its base URL, once ready."""
    port = free_port()
    command = [*(["taskset", "-c", cpus] if cpus else []), sys.executable, "-m", "uvicorn"]
    command += [*target, "--port", str(port), "--workers", str(workers)]
    command += ["--no-access-log", "--no-proxy-headers", "--log-level", "warning"]
    with log.open("w") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            wait_ready(base, timeout=1) if target[0] != "bench.plain_app:app" else _wait_plain(base)
            return server, base
        except AssertionError:
            if server.poll() is not None:
                break
    stop(server)
    raise SystemExit(f"the server {target[0]} did not start; see {log}")


def _wait_plain(base: str) -> None:
    import httpx

    try:
        if httpx.get(base + "/", timeout=1).status_code == 200:
            return
    except httpx.TransportError:
        time.sleep(0.2)
    raise AssertionError("not ready")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of a process, in MB (10^6 bytes)."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024 / 1e6
    return values["VmRSS"], values["VmHWM"]


def worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes under a supervisor (or the process itself, alone)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children] or [pid]


@dataclass
class Options:
    clients: int
    seconds: float
    warmup: float
    runs: int
    profile: Path | None
    rows: list[str] | None = None  # the keys of the rows to run; None: every row


def measure(base: str, scenario: Scenario, options: Options) -> Measured:
    settings = {"clients": options.clients, "cpus": "1", "threads": 1}
    wrk(base, scenario, seconds=options.warmup, **settings)  # type: ignore[arg-type]
    return wrk(base, scenario, seconds=options.seconds, **settings)  # type: ignore[arg-type]


def run_once(
    plain: str, service: str, rows: list[Scenario], options: Options
) -> tuple[float, dict[str, Measured]]:
    """One run: the plain app, every row of the service, the plain app again."""
    baseline = Scenario("plain", "plain FastAPI, one `async def` route", "/")
    first = measure(plain, baseline, options)
    results = {row.key: measure(service, row, options) for row in rows}
    last = measure(plain, baseline, options)
    results["plain"] = Measured(
        (first.rate + last.rate) / 2,
        (first.p50 + last.p50) / 2,
        (first.p99 + last.p99) / 2,
        first.non_2xx + last.non_2xx,
    )
    return results["plain"].rate, results


def verdicts(rows: list[Scenario], results: dict[str, Measured], plain: float) -> dict[str, bool]:
    met = {row.key: results[row.key].rate / plain >= row.target for row in rows if row.target}
    if "autosave" in met and "naive" in results:
        naive = max(results["naive"].rate, 1e-9)
        met["autosave"] = met["autosave"] and results["autosave"].rate >= 2 * naive
    return met


def print_run(
    title: str, rows: list[Scenario], results: dict[str, Measured], met: dict[str, bool]
) -> None:
    plain = results["plain"].rate
    print(f"\n{title}")
    header = f"{'endpoint':<44}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}"
    print(header + f"{'x plain':>9}  target")
    print(_row("plain FastAPI, one `async def` route", results["plain"], 1.0) + "  (baseline)")
    for row in rows:
        measured = results[row.key]
        line = _row(row.label, measured, measured.rate / plain)
        if row.target is None:
            print(line)
            continue
        extra = ""
        if row.key == "autosave" and "naive" in results:
            ratio = measured.rate / max(results["naive"].rate, 1e-9)
            extra = f" and >= 2x naive ({ratio:.1f}x)"
        verdict = "met" if met[row.key] else "NOT met"
        print(f"{line}  >= {row.target:.2f}{extra}: {verdict}")


def _row(label: str, measured: Measured, ratio: float) -> str:
    return (
        f"{label:<44}{measured.rate:>8.0f}{measured.p50:>8.1f}{measured.p99:>8.1f}"
        f"{measured.non_2xx:>8}{ratio:>9.3f}"
    )


def catalog_etag(base: str, secret: str) -> str:
    import httpx

    got = httpx.get(
        f"{base}/v1/questionnaires/{LARGEST}",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    got.raise_for_status()
    return got.headers["ETag"]


def bench_database(name: str, url: str, options: Options) -> dict[str, int]:
    """Seed, serve the service and the plain app on CPU 0, measure `runs` times; met counts."""
    seeded = seed(url)
    env = {**os.environ, "APP_DATABASE_URL": url}
    logs = Path(tempfile.gettempdir())
    plain, plain_base = start(["bench.plain_app:app"], env, logs / "read_bench_plain.log", cpus="0")
    service, base = start(
        ["bench.http_app:create_bench_app", "--factory"],
        env,
        logs / f"read_bench_{name.lower()}.log",
        cpus="0",
    )
    met_count: dict[str, int] = {}
    try:
        started_rss, _ = memory_mb(service.pid)
        rows = [
            row
            for row in scenarios(seeded, catalog_etag(base, seeded.secret))
            if options.rows is None or row.key in options.rows
        ]
        for run in range(1, options.runs + 1):
            plain_rate, results = run_once(plain_base, base, rows, options)
            met = verdicts(rows, results, plain_rate)
            for key, ok in met.items():
                met_count[key] = met_count.get(key, 0) + int(ok)
            title = (
                f"{name}, run {run} of {options.runs} ({date.today().isoformat()}): service and "
                f"plain app on CPU 0, wrk -c{options.clients} on CPU 1, {options.seconds:.0f} s "
                f"per row after {options.warmup:.0f} s warm-up"
            )
            print_run(title, rows, results, met)
        rss, peak = memory_mb(service.pid)
        memory_met = peak <= MEMORY_TARGET_MB
        met_count["memory"] = int(memory_met) * options.runs
        print(
            f"memory of the service: RSS {started_rss:.0f} MB after start, {rss:.0f} MB after "
            f"the runs, peak (VmHWM) {peak:.0f} MB; target <= {MEMORY_TARGET_MB:.0f} MB: "
            f"{'met' if memory_met else 'NOT met'}"
        )
        if options.profile is not None:
            profile_rows(name, base, service.pid, rows, options)
    finally:
        stop(service)
        stop(plain)
    return met_count


def profile_rows(name: str, base: str, pid: int, rows: list[Scenario], options: Options) -> None:
    """One more run of each row with py-spy sampling the service; its top costs printed."""
    assert options.profile is not None
    options.profile.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    for row in rows:
        out = options.profile / f"{name.lower()}-{row.key}.txt"
        sampler = subprocess.Popen(
            [
                "taskset",
                "-c",
                "1",
                spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                "250",
                "--duration",
                str(max(1, round(options.seconds))),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        measured = wrk(
            base, row, clients=options.clients, seconds=options.seconds, cpus="1", threads=1
        )
        sampler.wait(timeout=60)
        print(f"\n== profile {name} {row.key}: {measured.rate:.0f} req/s under py-spy ({out})")
        print(summarise(out, top=8))


def scaling(url: str, options: Options) -> None:
    """GET one assessment and autosave with 1 and 2 worker processes, nothing pinned."""
    seeded = seed(url)
    env = {**os.environ, "APP_DATABASE_URL": url}
    rows = [r for r in scenarios(seeded, '"-"') if r.key in ("get-one", "autosave")]
    rates: dict[tuple[str, int], float] = {}
    print("\nPostgreSQL, workers unpinned on both cores, wrk -t2 unpinned beside them")
    print(f"{'endpoint':<40}{'workers':>8}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'wrk CPU':>9}")
    for workers in (1, 2):
        server, base = start(
            ["bench.http_app:create_bench_app", "--factory"],
            env,
            Path(tempfile.gettempdir()) / f"read_bench_workers{workers}.log",
            cpus=None,
            workers=workers,
        )
        try:
            for row in rows:
                wrk(
                    base, row, clients=options.clients, seconds=options.warmup, cpus=None, threads=2
                )
                got = wrk(
                    base,
                    row,
                    clients=options.clients,
                    seconds=options.seconds,
                    cpus=None,
                    threads=2,
                )
                rates[(row.key, workers)] = got.rate
                share = got.cpu / options.seconds
                print(
                    f"{row.label:<40}{workers:>8}{got.rate:>8.0f}{got.p50:>8.1f}{got.p99:>8.1f}"
                    f"{share:>8.0%} of a core"
                )
            peaks = [memory_mb(p)[1] for p in worker_pids(server.pid)]
            print(f"  peak memory per worker: {', '.join(f'{p:.0f} MB' for p in peaks)}")
        finally:
            stop(server)
    for row in rows:
        ratio = rates[(row.key, 2)] / max(rates[(row.key, 1)], 1e-9)
        print(f"{row.label}: 2 workers / 1 worker = {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured row")
    parser.add_argument("--warmup", type=float, default=2.0, help="per row, before measuring")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--profile", type=Path, help="sample each row with py-spy into this folder")
    parser.add_argument("--scaling", action="store_true", help="1 against 2 workers (PostgreSQL)")
    parser.add_argument(
        "--rows",
        nargs="+",
        choices=ROW_KEYS,
        help="only these rows (the plain app is always measured); default: all",
    )
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("taskset"):
        raise SystemExit("needs wrk and taskset (Debian: apt-get install wrk util-linux)")
    options = Options(args.clients, args.seconds, args.warmup, args.runs, args.profile, args.rows)
    summary: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.scaling:
            with fresh_database(POSTGRES, Path(tmp), "scaling") as url:
                scaling(url, options)
            return
        if "sqlite" in args.databases:
            summary["SQLite"] = bench_database("SQLite", f"sqlite:///{tmp}/read.db", options)
        if "postgresql" in args.databases:
            if not postgres_available():
                print("\nPostgreSQL: not reachable on 127.0.0.1:5432, skipped")
            else:
                with fresh_database(POSTGRES, Path(tmp), "read") as url:
                    summary["PostgreSQL"] = bench_database("PostgreSQL", url, options)
    for name, counts in summary.items():
        done = ", ".join(f"{k} {v}/{options.runs}" for k, v in counts.items())
        print(f"\n{name}: runs meeting each target: {done}")


if __name__ == "__main__":
    main()
