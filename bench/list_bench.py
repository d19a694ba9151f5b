"""Assessment lists on 100,000 assessments: time per page with each filter, SQLite and PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.list_bench [--rows 100000] [--databases sqlite postgresql]

It bulk-inserts `--rows` assessments of one organisation (spread over 500 systems, three
questionnaires, every status and tier, a tenth current and half of those overdue), then times the
first page and a page deep in the list (via the cursor) for each filter, as the API runs them
(`app.assessments.queries.list_assessments`). The baseline of the same run is the same page
without a filter. Timings are medians of 20 runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from app.assessments import queries
from app.assessments.models import Assessment, AssessmentStatus, SubjectKind
from app.auth import Principal
from app.db import create_db_engine
from app.migrate import upgrade
from app.organizations.models import Organization
from app.suppliers.report import supplier_name
from app.systems.models import AISystem
from bench.http_bench import POSTGRES, postgres_available
from tests.databases import fresh_database

KEYS = ("eu-ai-act-classification", "data-governance", "human-oversight")
TIERS = ("minimal", "transparency", "high_risk", "prohibited")


def seed(url: str, rows: int) -> tuple[uuid.UUID, uuid.UUID]:
    upgrade(url)
    engine = create_db_engine(url)
    org_id = uuid.uuid4()
    now = datetime.now(UTC)
    rng = random.Random(7)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Organization.__table__),  # type: ignore[attr-defined]
            [{"id": org_id, "slug": "bench", "name": "Bench", "created_at": now}],
        )
        systems = [uuid.uuid4() for _ in range(500)]
        connection.execute(
            sa.insert(AISystem.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": s,
                    "organization_id": org_id,
                    "name": f"System {i}",
                    "purpose": "p",
                    "owner": "o",
                    "business_unit": None,
                    "lifecycle_stage": "deployment",
                    "deployment_regions": [],
                    "sourcing": "bought",
                    "tags": [],
                    "status": "active",
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                    "retired_at": None,
                    "created_by_key_id": None,
                }
                for i, s in enumerate(systems)
            ],
        )
        statuses = [s.value for s in AssessmentStatus]
        batch: list[dict[str, object]] = []
        for i in range(rows):
            current = i % 10 == 0
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "organization_id": org_id,
                    "system_id": systems[i % len(systems)],
                    "supplier_id": None,
                    "questionnaire_key": KEYS[i % 3],
                    "questionnaire_version": "1.0.0",
                    "content_hash": "0" * 64,
                    "status": "approved" if current else rng.choice(statuses),
                    "round": 1,
                    "answers": {},
                    "revision": 1,
                    "tier": rng.choice(TIERS),
                    "is_current": current,
                    "due_at": now + timedelta(days=rng.choice((-30, 30))) if current else None,
                    "created_at": now - timedelta(seconds=rows - i),
                    "updated_at": now,
                    "created_by_key_id": None,
                    "submitted_at": None,
                    "submitted_by_key_id": None,
                    "decided_at": None,
                }
            )
            if len(batch) == 5000:
                connection.execute(sa.insert(Assessment.__table__), batch)  # type: ignore[attr-defined]
                batch = []
        if batch:
            connection.execute(sa.insert(Assessment.__table__), batch)  # type: ignore[attr-defined]
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return org_id, systems[3]


def time_page(
    url: str, org_id: uuid.UUID, filters: queries.AssessmentFilters
) -> tuple[float, float]:
    engine = create_db_engine(url)
    caller = Principal(organization_id=org_id, scopes=frozenset({"read"}), key_name="bench")
    firsts, deeps = [], []
    with Session(engine) as session:
        cursor = None
        for _ in range(5):  # walk 5 pages in to get a deep cursor
            _, cursor = queries.list_assessments(
                session, caller=caller, filters=filters, cursor=cursor, limit=200
            )
            if cursor is None:
                break
        for _ in range(20):
            started = time.perf_counter()
            queries.list_assessments(session, caller=caller, filters=filters, cursor=None, limit=50)
            firsts.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            queries.list_assessments(
                session, caller=caller, filters=filters, cursor=cursor, limit=50
            )
            deeps.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return statistics.median(firsts), statistics.median(deeps)


def run(name: str, url: str, rows: int) -> None:
    started = time.perf_counter()
    org_id, system_id = seed(url, rows)
    print(f"\n{name}: {rows:,} assessments seeded in {time.perf_counter() - started:.0f} s")
    cases = {
        "no filter (baseline)": queries.AssessmentFilters(),
        "status=draft": queries.AssessmentFilters(status=AssessmentStatus.DRAFT),
        "tier=high_risk": queries.AssessmentFilters(tier="high_risk"),
        "questionnaire_key": queries.AssessmentFilters(questionnaire_key=KEYS[1]),
        "system_id": queries.AssessmentFilters(system_id=system_id),
        "current=true": queries.AssessmentFilters(current=True),
        "overdue=true": queries.AssessmentFilters(overdue=True),
    }
    base_first, _ = time_page(url, org_id, cases["no filter (baseline)"])
    print(f"{'filter':<24}{'first page ms':>15}{'page 6 ms':>12}{'vs baseline':>13}")
    for label, filters in cases.items():
        first, deep = time_page(url, org_id, filters)
        print(f"{label:<24}{first:>15.2f}{deep:>12.2f}{first / base_first:>12.1f}x")


def main() -> None:
    # As the app factory does: lists name a supplier's assessment by the supplier.
    queries.install_subject_name(SubjectKind.SUPPLIER, supplier_name())
    parser = argparse.ArgumentParser(description="assessment list timings on many rows")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.databases:
            run("SQLite", f"sqlite:///{tmp}/list.db", args.rows)
        if "postgresql" in args.databases:
            if not postgres_available():
                print("\nPostgreSQL: not reachable on 127.0.0.1:5432, skipped")
                return
            with fresh_database(POSTGRES, Path(tmp), "list") as url:
                run("PostgreSQL", url, args.rows)


if __name__ == "__main__":
    main()
