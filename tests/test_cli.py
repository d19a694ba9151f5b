"""The operator's command line: migrate, bootstrap once, create / list / revoke keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import project_root
from tests.databases import fresh_database


@pytest.fixture
def cli_db(tmp_path: Path) -> Iterator[str]:
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp_path, "cli") as url:
        yield url


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


def test_operator_flow(cli_db: str) -> None:
    assert run(cli_db, "migrate").returncode == 0
    first = run(cli_db, "bootstrap")
    assert first.returncode == 0
    assert "aas_" in first.stdout
    second = run(cli_db, "bootstrap")
    assert second.returncode == 0
    assert "aas_" not in second.stdout

    created = run(cli_db, "keys", "create", "--name", "grc sync", "--scopes", "read", "procurement")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["scopes"] == ["procurement", "read"]
    assert key["secret"].startswith("aas_")

    listed = run(cli_db, "keys", "list")
    assert key["id"] in listed.stdout
    assert key["secret"] not in listed.stdout

    assert run(cli_db, "keys", "revoke", key["id"]).returncode == 0
    assert "revoked" in run(cli_db, "keys", "list").stdout

    bad = run(cli_db, "keys", "create", "--org", "nope", "--name", "x")
    assert bad.returncode == 2
    assert "no organisation" in bad.stderr
    other = run(
        cli_db,
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
