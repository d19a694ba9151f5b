"""The server the browser tests drive: a fresh database (SQLite, or a new PostgreSQL database when
TEST_DATABASE_URL is set, dropped afterwards), migrated, with the people of the scenarios, then
uvicorn serving the API and the built web app until Playwright stops it (SIGTERM)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.audit.service import Actor  # noqa: E402
from app.auth import Role, Scope  # noqa: E402
from app.db import create_db_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.organizations import service as org_service  # noqa: E402
from app.people import service as people_service  # noqa: E402
from app.people.passwords import Passwords  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.databases import fresh_database  # noqa: E402

PEOPLE = {
    "manager": [Scope.READ, Scope.SYSTEMS_WRITE, Scope.ASSESSMENTS_WRITE],
    "reviewer": [Scope.READ, Scope.ASSESSMENTS_REVIEW],
    "procurement": [Scope.READ, Scope.PROCUREMENT],
    "admin": [Scope.ADMIN],
}
# People who sign in with a password (e-mail, password, role).
PERSONS = {"admin": ("ada.admin@example.com", "correct horse battery staple", Role.ADMIN)}


def main() -> None:
    port = int(os.environ.get("E2E_PORT", "8765"))
    out = Path(os.environ.get("E2E_USERS_FILE", ROOT / "web" / "test-results" / "e2e-users.json"))
    with tempfile.TemporaryDirectory() as tmp, fresh_database(
        os.environ.get("TEST_DATABASE_URL"), Path(tmp), "e2e"
    ) as url:
        upgrade(url)
        engine = create_db_engine(url)
        users: dict[str, str] = {}
        with Session(engine) as session:
            org = org_service.create_organization(session, slug="acme", name="Acme")
            for name, scopes in PEOPLE.items():
                created = org_service.create_key(
                    session,
                    organization_id=org.id,
                    name=name.title(),
                    scopes=scopes,
                    actor=Actor(key_id=None, name="e2e"),
                )
                users[name] = created.secret
            hasher = Passwords(time_cost=1, memory_kib=8192)
            for email, password, role in PERSONS.values():
                people_service.create_user(
                    session,
                    email=email,
                    display_name=email.split("@")[0].replace(".", " ").title(),
                    organization_id=org.id,
                    role=role,
                    actor=Actor(key_id=None, name="e2e"),
                    password_hash=hasher.hash(password),
                )
            session.commit()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "database": url.split("/")[-1],
                    "database_url": url,
                    "keys": users,
                    "persons": {k: {"email": e, "password": p} for k, (e, p, _) in PERSONS.items()},
                }
            )
        )
        settings = Settings(
            database_url=url,
            public_base_url=f"http://127.0.0.1:{port}",
            evidence_dir=Path(tmp) / "evidence",
            log_level="WARNING",
        )
        app = create_app(settings, engine=engine)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        engine.dispose()


if __name__ == "__main__":
    main()
