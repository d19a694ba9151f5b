"""The PostgreSQL pass of `make test` (`--database-tests-only`) runs every test that touches a
database: those reach it through the `database_server` fixture, and nothing else."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import project_root

TESTS = project_root() / "tests"


def test_every_database_a_test_makes_rests_on_the_database_server_fixture() -> None:
    """A test that made its own database from TEST_DATABASE_URL rather than from the fixture
    would be left out of the PostgreSQL pass: it would silently run on SQLite only."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in {"databases.py", Path(__file__).name}:
            continue  # where fresh_database is defined, and this check itself
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"fresh_database\(\s*([^,]+),", text):
            if call.group(1).strip() != "database_server":
                offenders.append(f"{path.relative_to(TESTS)}: fresh_database({call.group(1)}, ...")
    assert offenders == []


def test_the_second_pass_keeps_the_database_tests_and_only_those() -> None:
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--database-tests-only",
            "tests/test_migrations.py",
            "tests/test_canonical.py",
        ],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert any(
        i.startswith("tests/test_migrations.py::test_upgrade_downgrade_upgrade") for i in ids
    )
    assert any(
        i.startswith("tests/test_migrations.py::test_models_and_migrations_agree") for i in ids
    )
    assert not [i for i in ids if i.startswith("tests/test_canonical.py")]
    assert re.search(r"\d+ deselected", collected.stdout), collected.stdout
