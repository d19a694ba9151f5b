"""The server the browser tests drive: a fresh database (SQLite, or a new PostgreSQL database when
TEST_DATABASE_URL is set, dropped afterwards), migrated, with the people of the scenarios, then
uvicorn serving the API and the built web app until Playwright stops it (SIGTERM)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.auth import Operator, Role, Scope  # noqa: E402
from app.db import create_db_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.organizations import service as org_service  # noqa: E402
from app.people import credentials  # noqa: E402
from app.people import service as people_service  # noqa: E402
from app.people.passwords import Passwords  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.databases import fresh_database  # noqa: E402

# The people of the scenarios: a product manager (assessor) and a reviewer, each a person with a
# password; the API key is for tests that read the server's state directly.
PEOPLE = {
    "manager": ("pm@acme.example", "Priya Manager", Role.ASSESSOR),
    "reviewer": ("reviewer@acme.example", "Rui Reviewer", Role.REVIEWER),
    "admin": ("ada.admin@acme.example", "Ada Admin", Role.ADMIN),
    "procurement": ("paul@acme.example", "Paul Procurement", Role.PROCUREMENT),
}
# Service keys for tests that set the scene through the API (web-2's scenarios).
KEYS = {
    "manager": [Scope.READ, Scope.SYSTEMS_WRITE, Scope.ASSESSMENTS_WRITE],
    "reviewer": [Scope.READ, Scope.ASSESSMENTS_REVIEW],
    "procurement": [Scope.READ, Scope.PROCUREMENT],
}
PASSWORD = secrets.token_urlsafe(18)  # new for every run; handed to the tests in the users file


def _stop(signum: int, frame: object) -> None:
    # uvicorn re-raises the signal that stopped it; exiting here runs the clean-up (drop the
    # database) instead of dying of SIGTERM.
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    port = int(os.environ.get("E2E_PORT", "8765"))
    out = Path(os.environ.get("E2E_USERS_FILE", ROOT / "web" / "test-results" / "e2e-users.json"))
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(os.environ.get("TEST_DATABASE_URL"), Path(tmp), "e2e") as url,
    ):
        upgrade(url)
        engine = create_db_engine(url)
        settings = Settings(
            database_url=url,
            public_base_url=f"http://127.0.0.1:{port}",
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            evidence_dir=Path(tmp) / "evidence",
            log_level="WARNING",
        )
        passwords = Passwords(
            time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
        )
        people: dict[str, dict[str, str]] = {}
        with Session(engine) as session:
            org = org_service.create_organization(session, slug="acme", name="Acme")
            operator = Operator(org.id, "e2e")
            for name, (email, display_name, role) in PEOPLE.items():
                people_service.create_user(
                    session,
                    caller=operator,
                    email=email,
                    display_name=display_name,
                    role=role,
                    password_hash=passwords.hash(PASSWORD),
                )
                people[name] = {"email": email, "password": PASSWORD, "name": display_name}
            # A person without a password yet and a one-time link to set one (as the first admin).
            newcomer = people_service.create_user(
                session,
                caller=operator,
                email="newcomer@acme.example",
                display_name="Nia Newcomer",
                role=Role.VIEWER,
            )
            reset_link = credentials.create_reset_link(session, settings, user=newcomer)
            key = org_service.create_key(session, caller=operator, name="e2e", scopes=[Scope.READ])
            keys = {
                name: org_service.create_key(
                    session, caller=operator, name=f"e2e {name}", scopes=scopes
                ).secret
                for name, scopes in KEYS.items()
            }
            session.commit()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "people": people,
                    "read_key": key.secret,
                    "reset_link": reset_link,
                    "keys": keys,
                    "database_url": url,
                }
            )
        )
        app = create_app(settings, engine=engine)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        engine.dispose()


if __name__ == "__main__":
    main()
