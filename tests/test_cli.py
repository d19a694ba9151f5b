"""The operator's command line: migrate, bootstrap once, create / list / revoke keys."""

from __future__ import annotations

import json

from tests.cli import run_cli, run_process


def test_operator_flow(scratch_database_url: str) -> None:
    # The first two as an operator runs them, each in a process of its own.
    assert run_process(scratch_database_url, "migrate").returncode == 0
    first = run_process(scratch_database_url, "bootstrap")
    assert first.returncode == 0
    assert "aas_" in first.stdout
    second = run_cli(scratch_database_url, "bootstrap")
    assert second.returncode == 0
    assert "aas_" not in second.stdout

    created = run_cli(
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

    listed = run_cli(scratch_database_url, "keys", "list")
    assert key["id"] in listed.stdout
    assert key["secret"] not in listed.stdout

    assert run_cli(scratch_database_url, "keys", "revoke", key["id"]).returncode == 0
    assert "revoked" in run_cli(scratch_database_url, "keys", "list").stdout

    bad = run_cli(scratch_database_url, "keys", "create", "--org", "nope", "--name", "x")
    assert bad.returncode == 2
    assert "no organisation" in bad.stderr
    other = run_cli(
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


def test_names_with_control_characters_are_refused_on_the_command_line(
    scratch_database_url: str,
) -> None:
    assert run_cli(scratch_database_url, "migrate").returncode == 0
    refused = run_cli(
        scratch_database_url,
        "keys",
        "create",
        "--org",
        "acme",
        "--create-org",
        "--org-name",
        "Acme\r\nBcc: victim@example.com",
        "--name",
        "admin",
        "--scopes",
        "admin",
    )
    assert refused.returncode == 2, refused.stdout
    assert "control characters" in refused.stderr
    assert "U+000D" in refused.stderr
    assert run_cli(scratch_database_url, "keys", "list", "--org", "acme").returncode == 2  # no org

    assert run_cli(scratch_database_url, "bootstrap").returncode == 0
    bad_key = run_cli(
        scratch_database_url, "keys", "create", "--name", "a\x1bb", "--scopes", "read"
    )
    assert bad_key.returncode == 2
    assert "control characters" in bad_key.stderr


def test_people_commands(scratch_database_url: str) -> None:
    db = scratch_database_url
    assert run_cli(db, "migrate").returncode == 0
    first = run_cli(db, "bootstrap")
    assert "/reset-password#token=" in first.stdout  # the first admin's sign-in link
    listed = run_cli(db, "users", "list")
    assert "admin@localhost" in listed.stdout
    assert " admin " in listed.stdout

    created = run_cli(db, "users", "create", "Bob@Acme.example", "--role", "reviewer")
    assert created.returncode == 0, created.stderr
    assert "http://127.0.0.1:8000/reset-password#token=" in created.stdout
    assert "bob@acme.example" in run_cli(db, "users", "list").stdout
    assert run_cli(db, "users", "create", "bob@acme.example").returncode == 2  # a member already
    bad = run_cli(db, "users", "create", "bob\x07@acme.example")
    assert bad.returncode == 2
    assert "email" in bad.stderr

    link = run_cli(db, "users", "reset-link", "bob@acme.example")
    assert link.returncode == 0
    assert link.stdout.strip() != created.stdout.strip()
    assert run_cli(db, "users", "deactivate", "admin@localhost").returncode == 2  # last admin
    assert run_cli(db, "users", "deactivate", "bob@acme.example").returncode == 0
    assert "deactivated" in run_cli(db, "users", "list").stdout
    assert run_cli(db, "users", "reset-link", "bob@acme.example").returncode == 2
