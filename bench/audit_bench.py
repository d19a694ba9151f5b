"""Verifying an organisation's audit log at 3,000 and 10,000 events, SQLite and PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.audit_bench [--events 3099 10099] [--databases sqlite postgresql]

It appends the events through the service (`record_many`, in batches of 500, each event an
autosave-sized change of answers), then times `verify` as `GET /v1/audit-events/verify` runs it
(from the latest checkpoint, default interval) and with `full=True` (every event), medians of 5
runs; and one more event appended and committed on its own (the append at a write's commit),
median of 200. Before checkpoints, `verify` had no `full` and always read every event: run on
that code, the bench reports that as `verify`.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.audit import service as audit
from app.auth import Operator
from app.db import create_db_engine
from app.migrate import upgrade
from app.organizations import service as organizations
from bench.http_bench import POSTGRES, postgres_available
from tests.databases import fresh_database

ACTOR = audit.Actor(key_id=None, name="api key 'bench'")
ANSWERS = {
    "use_case_name": "CV pre-screening",
    "use_case_summary": "Ranks applicants for sales roles.",
    "owner_email": "owner@example.com",
    "planned_start": "2026-03-01",
    "affected_people": ["applicants", "employees"],
    "decision_role": "recommends",
}


def seed(engine: Engine, events: int) -> uuid.UUID:
    with Session(engine) as session:
        org = organizations.create_organization(session, slug="bench", name="Bench")
        session.commit()
        org_id = org.id
    assessment_id = uuid.uuid4()
    written = 0
    while written < events:
        batch = min(500, events - written)
        with Session(engine) as session:
            audit.record_many(
                session,
                [
                    audit.Entry(
                        org_id,
                        ACTOR,
                        "assessment.answers_saved",
                        "assessment",
                        assessment_id,
                        {"revision": written + i, "answers": ANSWERS},
                        {"revision": written + i + 1, "answers": {**ANSWERS, "n": written + i}},
                    )
                    for i in range(batch)
                ],
            )
            session.commit()
        written += batch
    return org_id


def median_ms(run: Callable[[], object], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def bench(url: str, events: int) -> dict[str, float]:
    upgrade(url)
    engine = create_db_engine(url)
    try:
        org_id = seed(engine, events)

        def verify(**options: bool) -> Callable[[], object]:
            def run() -> object:
                with Session(engine) as session:
                    result = audit.verify(session, caller=Operator(org_id, "benchmark"), **options)
                    assert result.valid, result
                    assert events <= 1000 or options or result.events < events, result
                    return result

            return run

        def append() -> None:
            with Session(engine) as session:
                audit.record(
                    session,
                    organization_id=org_id,
                    actor=ACTOR,
                    action="assessment.answers_saved",
                    entity_type="assessment",
                    entity_id=uuid.uuid4(),
                    before={"answers": ANSWERS},
                    after={"answers": {**ANSWERS, "n": 1}},
                )
                session.commit()

        timings = {"verify": median_ms(verify())}
        if "full" in inspect.signature(audit.verify).parameters:
            timings["verify full"] = median_ms(verify(full=True))
        timings["append"] = median_ms(append, repeat=200)
        return timings
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[3099, 10099])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    args = parser.parse_args()
    for database in args.databases:
        if database == "postgresql" and not postgres_available():
            print("postgresql: not reachable, skipped")
            continue
        for events in args.events:
            with tempfile.TemporaryDirectory() as tmp:
                server = POSTGRES if database == "postgresql" else None
                with fresh_database(server, Path(tmp), "audit") as url:
                    timings = bench(url, events)
            cells = "  ".join(f"{name} {ms:8.1f} ms" for name, ms in timings.items())
            print(f"{database:10} {events:6} events  {cells}", flush=True)


if __name__ == "__main__":
    main()
