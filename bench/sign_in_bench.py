"""Sign-in with an unknown e-mail vs. a wrong password: both should cost the same.

Run from the repository root::

    .venv/bin/python -m bench.sign_in_bench [--runs 40]

It migrates a temporary SQLite database, adds one user with a password, and posts
`/v1/auth/sign-in` through the whole app (ASGI, default Argon2id parameters) alternately with an
unknown address and with the real address and a wrong password. Both run one Argon2id
verification (the unknown address against a dummy hash) through the same limiter, so their
medians should match to within noise. The limiter's threshold is raised so that it never answers
429 during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import Session

from app.auth import Operator, Role
from app.db import create_db_engine
from app.main import create_app
from app.migrate import upgrade
from app.organizations import service as organizations
from app.people import service as people
from app.people.passwords import Passwords
from app.settings import Settings
from bench.http_bench import BENCH_ACTOR


async def run(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        settings = Settings(database_url=url, sign_in_free_failures=10**9)
        engine = create_db_engine(url)
        passwords = Passwords(
            time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
        )
        with Session(engine) as session:
            org = organizations.create_organization(session, slug="bench", name="Bench")
            people.create_user(
                session,
                caller=Operator(org.id, BENCH_ACTOR.name),
                email="alice@bench.example",
                display_name="Alice",
                role=Role.VIEWER,
                password_hash=passwords.hash("the real password"),
            )
            session.commit()
        app = create_app(settings, engine=engine)
        cases = {
            "unknown e-mail": {"email": "nobody@bench.example", "password": "wrong password"},
            "wrong password": {"email": "alice@bench.example", "password": "wrong password"},
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://bench"
        ) as client:
            for body in cases.values():  # warm-up: the dummy hash is made on first use
                await client.post("/v1/auth/sign-in", json=body)
            for _ in range(runs):
                for name, body in cases.items():
                    started = time.perf_counter()
                    response = await client.post("/v1/auth/sign-in", json=body)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 401, response.text
        engine.dispose()
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    medians = asyncio.run(run(args.runs))
    for name, median in medians.items():
        print(f"{name:16} median {median:7.1f} ms over {args.runs} sign-ins")
    low, high = min(medians.values()), max(medians.values())
    print(f"difference       {high - low:7.1f} ms ({(high - low) / high:.1%} of the slower)")


if __name__ == "__main__":
    main()
