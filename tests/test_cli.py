"""The operator's command line: migrate, bootstrap once, create / list / revoke keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import project_root


def run(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=project_root(),
        env={**os.environ, "APP_DATABASE_URL": db},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_operator_flow(scratch_database_url: str) -> None:
    assert run(scratch_database_url, "migrate").returncode == 0
    first = run(scratch_database_url, "bootstrap")
    assert first.returncode == 0
    assert "aas_" in first.stdout
    second = run(scratch_database_url, "bootstrap")
    assert second.returncode == 0
    assert "aas_" not in second.stdout

    created = run(
        scratch_database_url,
        "keys",
        "create",
        "--name",
        "grc sync",
        "--scopes",
        "read",
        "procurement",
    )
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["scopes"] == ["procurement", "read"]
    assert key["secret"].startswith("aas_")

    listed = run(scratch_database_url, "keys", "list")
    assert key["id"] in listed.stdout
    assert key["secret"] not in listed.stdout

    assert run(scratch_database_url, "keys", "revoke", key["id"]).returncode == 0
    assert "revoked" in run(scratch_database_url, "keys", "list").stdout

    bad = run(scratch_database_url, "keys", "create", "--org", "nope", "--name", "x")
    assert bad.returncode == 2
    assert "no organisation" in bad.stderr
    other = run(
        scratch_database_url,
        "keys",
        "create",
        "--org",
        "globex",
        "--create-org",
        "--name",
        "x",
        "--scopes",
        "admin",
    )
    assert other.returncode == 0
    assert json.loads(other.stdout)["organization"] == "globex"


def test_people_commands(scratch_database_url: str) -> None:
    db = scratch_database_url
    assert run(db, "migrate").returncode == 0
    first = run(db, "bootstrap")
    assert "/reset-password#token=" in first.stdout  # the first admin's sign-in link
    listed = run(db, "users", "list")
    assert "admin@localhost" in listed.stdout
    assert " admin " in listed.stdout

    created = run(db, "users", "create", "Bob@Acme.example", "--role", "reviewer")
    assert created.returncode == 0, created.stderr
    assert "http://127.0.0.1:8000/reset-password#token=" in created.stdout
    assert "bob@acme.example" in run(db, "users", "list").stdout
    assert run(db, "users", "create", "bob@acme.example").returncode == 2  # a member already
    bad = run(db, "users", "create", "bob\x07@acme.example")
    assert bad.returncode == 2
    assert "email" in bad.stderr

    link = run(db, "users", "reset-link", "bob@acme.example")
    assert link.returncode == 0
    assert link.stdout.strip() != created.stdout.strip()
    assert run(db, "users", "deactivate", "admin@localhost").returncode == 2  # last admin
    assert run(db, "users", "deactivate", "bob@acme.example").returncode == 0
    assert "deactivated" in run(db, "users", "list").stdout
    assert run(db, "users", "reset-link", "bob@acme.example").returncode == 2
