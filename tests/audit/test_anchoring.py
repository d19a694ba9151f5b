"""The chain is anchored: its head on the organisation, signed checkpoints, append-only tables.

Deleting events from the end, and rewriting an event with every later hash recomputed, are
reported; verification reads only the events since the latest checkpoint unless asked for all.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.audit import service as audit
from app.audit.service import GENESIS, Actor, CheckpointPolicy, Entry, _digest
from app.auth import Operator
from app.db import create_db_engine
from app.migrate import upgrade
from tests.audit.tampering import EVENTS, ORGANIZATIONS, delete_events, rewrite, tampering
from tests.cli import run_process
from tests.conftest import Org, count_rows
from tests.databases import fresh_database
from tests.factories import create_system

KEY = b"checkpoint key of the tests"
HEAD_MIGRATION = "da284978fad8"  # audit head and checkpoints
SetPolicy = Callable[[CheckpointPolicy], None]


@pytest.fixture
def policy(engine: Engine, app: FastAPI) -> Iterator[SetPolicy]:
    """Change how checkpoints are written and checked, for one test."""
    before = audit.policy_for(engine)
    yield lambda changed: audit.configure(engine, changed)
    audit.configure(engine, before)


async def _verify(client: httpx.AsyncClient, *, full: bool = False) -> dict[str, Any]:
    params = {"full": "true"} if full else {}
    response = await client.get("/v1/audit-events/verify", params=params)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def _events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit-events", params={"limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _systems(client: httpx.AsyncClient, count: int) -> None:
    for i in range(count):
        assert (await create_system(client, name=f"System {i}")).status_code == 201


@pytest.mark.parametrize("deleted", [1, 3])
@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
async def test_deleting_the_end_of_the_log_is_reported(
    deleted: int, full: bool, client: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    await _systems(client, 5)  # events 1 (the fixture's key) to 6
    assert (await _verify(client, full=full))["valid"] is True

    delete_events(engine, org.id, from_seq=7 - deleted)
    report = await _verify(client, full=full)
    assert report["valid"] is False
    assert report["expected_head_seq"] == 6
    assert report["found_head_seq"] == 6 - deleted
    assert report["first_broken_seq"] == 7 - deleted
    assert report["problem"] == (
        f"the log ends at seq {6 - deleted} but its head is seq 6: "
        f"events {7 - deleted} to 6 are missing"
    )

    # The next event continues from the recorded head: the gap stays visible.
    await _systems(client, 1)
    report = await _verify(client, full=True)
    assert report["valid"] is False
    assert report["first_broken_seq"] == 7
    assert "missing" in report["problem"]


async def test_rewriting_an_event_and_the_hashes_after_it_breaks_the_head(
    client: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    await _systems(client, 4)

    def forge(row: dict[str, Any]) -> None:
        row["actor"] = "someone else"

    rewrite(engine, org.id, 2, forge, move_head=False, checkpoints=False)
    for full in (False, True):
        report = await _verify(client, full=full)
        assert report["valid"] is False
        assert report["first_broken_seq"] == 5
        assert report["expected_head_seq"] == report["found_head_seq"] == 5
        assert "does not match the head recorded" in report["problem"]


async def test_a_signed_checkpoint_catches_a_rewrite_of_everything_else(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(KEY, interval=4))
    await _systems(client, 9)  # events 1 to 10, checkpoints at 4 and 8
    report = await _verify(client)
    assert report["valid"] is True, report
    assert report["checkpoints"] == "signed"
    assert report["checkpoint"]["seq"] == 8
    assert report["from_seq"] == 8
    assert report["events"] == 3

    def forge(row: dict[str, Any]) -> None:
        row["actor"] = "someone else"

    # The attacker recomputes every hash, the head and the checkpoints' hashes; not the
    # signatures, which need the key.
    rewrite(engine, org.id, 2, forge, move_head=True, checkpoints=True)
    for full in (False, True):
        report = await _verify(client, full=full)
        assert report["valid"] is False
        assert report["first_broken_seq"] == (4 if full else 8)
        assert "does not carry a valid signature" in report["problem"]


async def test_the_checkpoints_are_listed_for_keeping_elsewhere(
    client: httpx.AsyncClient, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(KEY, interval=2))
    await _systems(client, 5)  # events 1 to 6, checkpoints at 2, 4 and 6
    first = await client.get("/v1/audit-events/checkpoints", params={"limit": 2})
    assert first.status_code == 200, first.text
    rest = await client.get(
        "/v1/audit-events/checkpoints", params={"cursor": first.json()["next_cursor"]}
    )
    listed = first.json()["items"] + rest.json()["items"]
    assert rest.json()["next_cursor"] is None
    assert [c["seq"] for c in listed] == [2, 4, 6]
    events = {e["seq"]: e["hash"] for e in await _events(client)}
    for checkpoint in listed:
        assert checkpoint["hash"] == events[checkpoint["seq"]]
        assert checkpoint["signature"] == audit.sign(
            KEY, org.id, checkpoint["seq"], events[checkpoint["seq"]]
        )
    assert (await _verify(client))["checkpoint"] == listed[-1]


async def test_a_checkpoint_left_alone_catches_a_rewrite_before_it(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(KEY, interval=4))
    await _systems(client, 9)

    def forge(row: dict[str, Any]) -> None:
        row["actor"] = "someone else"

    rewrite(engine, org.id, 2, forge, move_head=True, checkpoints=False)
    report = await _verify(client)
    assert report["valid"] is False
    assert report["first_broken_seq"] == 8
    assert "does not match the checkpoint taken at seq 8" in report["problem"]
    report = await _verify(client, full=True)
    assert report["first_broken_seq"] == 4


async def test_cutting_the_log_back_past_a_checkpoint_is_reported(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(KEY, interval=4))
    await _systems(client, 5)  # events 1 to 6, a checkpoint at 4
    delete_events(engine, org.id, from_seq=4)
    report = await _verify(client)
    assert report["valid"] is False
    assert report["first_broken_seq"] == 4
    assert report["problem"] == "the event at the checkpoint (seq 4) and all after it are missing"

    # The attacker moves the head back too: the checkpoint is past it.
    with tampering(engine) as connection:
        last = connection.execute(
            sa.select(EVENTS.c.hash).where(EVENTS.c.organization_id == org.id, EVENTS.c.seq == 3)
        ).scalar_one()
        connection.execute(
            ORGANIZATIONS.update()
            .where(ORGANIZATIONS.c.id == org.id)
            .values(audit_head_seq=3, audit_head_hash=last)
        )
    for full in (False, True):
        report = await _verify(client, full=full)
        assert report["valid"] is False
        assert report["problem"] == (
            "the head is seq 3 but a checkpoint was taken at seq 4: the log was cut back"
        )


async def test_without_a_key_checkpoints_are_unsigned_and_said_to_be(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(None, interval=4))
    await _systems(client, 4)
    report = await _verify(client)
    assert report["valid"] is True
    assert report["checkpoints"] == "unsigned"
    assert report["checkpoint"]["seq"] == 4
    assert report["checkpoint"]["signature"] is None
    # The head anchor holds without a key.
    delete_events(engine, org.id, from_seq=5)
    report = await _verify(client)
    assert report["valid"] is False
    assert (report["expected_head_seq"], report["found_head_seq"]) == (5, 4)


async def test_verification_reads_only_the_events_since_the_latest_checkpoint(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    policy(CheckpointPolicy(KEY, interval=1000))
    actor = Actor(key_id=None, name="bulk")
    with Session(engine) as session:  # one append of 9,999 events after the fixture's one
        audit.record_many(
            session,
            [
                Entry(org.id, actor, "test.bulk", "test", str(i), None, {"i": i})
                for i in range(9999)
            ],
        )
        session.commit()
    await _systems(client, 7)  # events 10,001 to 10,007
    assert count_rows(engine, "audit_events") == 10007
    assert count_rows(engine, "audit_checkpoints") == 10

    report = await _verify(client)
    assert report["valid"] is True, report
    assert (report["from_seq"], report["events"]) == (10000, 8)
    assert report["expected_head_seq"] == report["found_head_seq"] == 10007

    report = await _verify(client, full=True)
    assert report["valid"] is True, report
    assert (report["from_seq"], report["events"]) == (1, 10007)


async def test_the_tables_refuse_update_and_delete_on_postgresql(
    client: httpx.AsyncClient, engine: Engine, org: Org, policy: SetPolicy
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's (SQLite has no roles to keep it from anyone)")
    policy(CheckpointPolicy(KEY, interval=2))
    await _systems(client, 1)
    for statement in (
        "UPDATE audit_events SET actor = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
        "UPDATE audit_checkpoints SET hash = 'x'",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert count_rows(engine, "audit_events") == 2
    assert count_rows(engine, "audit_checkpoints") == 1


async def test_deleting_an_organisation_takes_its_log_with_it(
    client: httpx.AsyncClient,
    engine: Engine,
    org: Org,
    make_org: Callable[[str], Org],
    policy: SetPolicy,
) -> None:
    policy(CheckpointPolicy(KEY, interval=2))
    await _systems(client, 1)
    other = make_org("globex")
    with engine.begin() as connection:  # no trigger to disable: the rows leave with the org
        connection.execute(sa.text("DELETE FROM ai_systems"))
        connection.execute(
            sa.text("DELETE FROM organizations WHERE id = :id").bindparams(
                sa.bindparam("id", type_=sa.Uuid())
            ),
            {"id": org.id},
        )
    assert count_rows(engine, "audit_events") == 1  # globex's
    assert count_rows(engine, "audit_checkpoints") == 0
    with Session(engine) as session:
        assert audit.verify(session, caller=Operator(other.id, "test")).valid


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    # A process of its own: the command configures the audit log's checkpoints for its process.
    return run_process(database_url, "audit", "verify", *args)


async def test_the_command_line_verifies_every_organisation(
    client: httpx.AsyncClient,
    engine: Engine,
    org: Org,
    make_org: Callable[[str], Org],
    database_url: str,
) -> None:
    await _systems(client, 2)
    make_org("globex")
    done = _cli(database_url)
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["organization"], r["valid"], r["full"]) for r in reports] == [
        ("acme", True, False),
        ("globex", True, False),
    ]

    delete_events(engine, org.id, from_seq=3)
    done = _cli(database_url, "--full", "--org", "acme")
    assert done.returncode == 1
    (report,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert report["full"] is True
    assert (report["expected_head_seq"], report["found_head_seq"]) == (3, 2)

    unknown = _cli(database_url, "--org", "nope")
    assert unknown.returncode == 2
    assert "no organisation" in unknown.stderr


def test_the_migration_sets_the_head_of_an_existing_log(
    database_server: str | None, tmp_path: Path
) -> None:
    """The head of a log written before it existed is its last event, so the log verifies."""
    org_id = uuid.uuid4()
    with fresh_database(database_server, tmp_path, "head") as url:
        upgrade(url, f"{HEAD_MIGRATION}-1")
        scratch = create_db_engine(url)
        try:
            previous = GENESIS
            events = []
            for seq in (1, 2, 3):
                row: dict[str, Any] = {
                    "id": uuid.uuid4(),
                    "organization_id": org_id,
                    "seq": seq,
                    "occurred_at": datetime.now(UTC),
                    "actor_key_id": None,
                    "actor": "before the migration",
                    "action": "test.old",
                    "entity_type": "test",
                    "entity_id": str(seq),
                    "before": None,
                    "after": {"seq": seq},
                    "prev_hash": previous,
                }
                row["hash"] = previous = _digest(row)
                events.append(row)
            with scratch.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO organizations (id, slug, name, created_at) "
                        "VALUES (:id, 'old', 'Old', :now)"
                    ).bindparams(sa.bindparam("id", type_=sa.Uuid())),
                    {"id": org_id, "now": datetime.now(UTC)},
                )
                connection.execute(EVENTS.insert(), events)
            upgrade(url)
            with Session(scratch) as session:
                result = audit.verify(session, caller=Operator(org_id, "test"))
            assert result.valid, result
            assert (result.expected_head_seq, result.head_hash) == (3, previous)
        finally:
            scratch.dispose()
